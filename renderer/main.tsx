import { createRoot } from 'react-dom/client';
import { createApiClient } from '../core/api/client.js';
import type { MirageBridge } from '../core/api/shell.js';
import { App } from './App.js';
import { createBrowserHost } from './host/browser.js';
import { createElectronHost } from './host/electron.js';
import { onConnected, startRouter } from './router.js';
import { setServices } from './services.js';
import { useConnectionStore } from './stores/connection.js';
import { resyncRuns, subscribeRunEvents } from './stores/runs.js';
import './styles.css';

// The preload defines window.mirage on the desktop; in a browser the page talks to `mirage serve`.
const bridge = (window as unknown as { mirage?: MirageBridge }).mirage;
const host = bridge ? createElectronHost(bridge) : createBrowserHost();
const client = createApiClient();
setServices({ client, host });
subscribeRunEvents(client);
startRouter();

host.connect(client, (status) => {
  useConnectionStore.getState().setStatus(status);
  if (status.state !== 'ready') return;
  // Runs went on (or were interrupted) while the connection was away, or the page was reloaded: read them again,
  // and find this tab's trace and comparison in the back end (a restarted back end lost them: opened again).
  resyncRuns();
  onConnected();
});

createRoot(document.getElementById('root')!).render(<App />);
