/**
 * The utility process: hosts the core services (trace loading, experiment
 * runs: simulation, data generation, training, validation) off the main
 * process and off the renderer. Each MessagePort the main process hands over
 * is one renderer's connection, served by the same code as `mirage serve`.
 */
import type { MessagePortMain } from 'electron';
import type { Transport } from '../core/api/transport.js';
import { serveConnection } from '../core/api/connection.js';
import type { Connection } from '../core/api/connection.js';
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

/** Each window's live connection (by webContents id): one at a time, ended when the window reloads or closes. */
const windows = new Map<number, { connection: Connection; port: MessagePortMain }>();

function endWindow(window: number): void {
  const held = windows.get(window);
  if (!held) return;
  windows.delete(window);
  // Runs the connection's cleanup (its requests cancelled, its traces released after their grace) at once.
  held.connection.close();
  held.port.close();
}

process.parentPort.on('message', (event) => {
  const data = event.data as { type?: unknown; window?: unknown } | null;
  const type = typeof data?.type === 'string' ? data.type : null;
  const window = typeof data?.window === 'number' && Number.isSafeInteger(data.window) ? data.window : null;
  // The app is quitting: a running experiment is stopped as an interruption, resumable at the next start.
  if (type === 'shutdown') {
    void service.shutdown().finally(() => process.exit(0));
    return;
  }
  if (type === 'disconnect' && window !== null) {
    endWindow(window);
    return;
  }
  if (type !== 'connect' || window === null || event.ports.length !== 1) {
    console.error(`mirage back end: ignored a message from the main process it does not know (type ${String(type)})`);
    return;
  }
  // A reloaded window asks for a new port: the old page is gone, so is its connection.
  endWindow(window);
  const port = event.ports[0];
  windows.set(window, { connection: serveConnection(messagePortTransport(port), service.handlers, { events: service.events }), port });
  port.start();
});

// Tells main the services are loaded (a restart is complete once this arrives).
process.parentPort.postMessage({ type: 'backend-ready' });
