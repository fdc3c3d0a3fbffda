import { createRoot } from 'react-dom/client';
import { createApiClient } from '../core/api/client.js';
import type { MirageBridge } from '../core/api/shell.js';
import { App } from './App.js';
import { createBrowserHost } from './host/browser.js';
import { createElectronHost } from './host/electron.js';
import { setServices } from './services.js';
import { useConnectionStore } from './stores/connection.js';
import { resyncRuns, subscribeRunEvents } from './stores/runs.js';
import { useTraceStore } from './stores/trace.js';
import './styles.css';

// The preload defines window.mirage on the desktop; in a browser the page talks to `mirage serve`.
const bridge = (window as unknown as { mirage?: MirageBridge }).mirage;
const host = bridge ? createElectronHost(bridge) : createBrowserHost();
const client = createApiClient();
setServices({ client, host });
subscribeRunEvents(client);

host.connect(client, (status) => {
  const before = useConnectionStore.getState().status;
  useConnectionStore.getState().setStatus(status);
  // After a crash the back end lost its open trace: open it again (the UI kept showing it meanwhile).
  if (status.state === 'ready' && status.restarts > 0 && (before.state === 'crashed' || before.state === 'restarting')) {
    void useTraceStore.getState().reopen();
  }
  // Runs went on (or were interrupted) while the connection was away: read them again.
  if (status.state === 'ready') resyncRuns();
});

createRoot(document.getElementById('root')!).render(<App />);
