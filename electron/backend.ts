/**
 * The utility process: hosts the core services (trace loading, experiment
 * runs: simulation, data generation, training, validation) off the main
 * process and off the renderer. Each MessagePort the main process hands over
 * is one renderer's connection, served by the same code as `mirage serve`.
 */
import type { MessagePortMain } from 'electron';
import type { Transport } from '../core/api/transport.js';
import { serveConnection } from '../core/api/connection.js';
import { createMirageService } from '../core/host/service.js';

function messagePortTransport(port: MessagePortMain): Transport {
  return {
    send(message) {
      port.postMessage(message);
    },
    onMessage(listener) {
      const handler = (event: Electron.MessageEvent) => listener(event.data);
      port.on('message', handler);
      return () => port.off('message', handler);
    },
    onClose(listener) {
      const handler = () => listener('port closed');
      port.on('close', handler);
      return () => port.off('close', handler);
    },
    close() {
      port.close();
    },
  };
}

/** `--runs-dir DIR` from the main process: the runs folder in the user-data folder. */
function argument(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : null;
}

const service = createMirageService({
  backend: 'electron-utility',
  canReadPaths: true,
  versions: { electron: process.versions.electron ?? '' },
  runsDir: argument('--runs-dir'),
});

process.parentPort.on('message', (event) => {
  // The app is quitting: a running experiment is stopped as an interruption, resumable at the next start.
  if ((event.data as { type?: string } | null)?.type === 'shutdown') {
    void service.shutdown().finally(() => process.exit(0));
    return;
  }
  for (const port of event.ports) {
    serveConnection(messagePortTransport(port), service.handlers, { events: service.events });
    port.start();
  }
});

// Tells main the services are loaded (a restart is complete once this arrives).
process.parentPort.postMessage({ type: 'backend-ready' });
