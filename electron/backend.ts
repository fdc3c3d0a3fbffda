/**
 * The utility process: hosts the core services (trace loading now;
 * simulation, data generation and training later) off the main process and
 * off the renderer. Each MessagePort the main process hands over is one
 * renderer's connection, served by the same code as `mirage serve`.
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

const service = createMirageService({
  backend: 'electron-utility',
  canReadPaths: true,
  versions: { electron: process.versions.electron ?? '' },
});

process.parentPort.on('message', (event) => {
  for (const port of event.ports) {
    serveConnection(messagePortTransport(port), service.handlers);
    port.start();
  }
});

// Tells main the services are loaded (a restart is complete once this arrives).
process.parentPort.postMessage({ type: 'backend-ready' });
