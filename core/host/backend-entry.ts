/**
 * `mirage serve`'s back-end process, forked by backend-process.ts: the
 * service (trace parsing, experiment runs with TensorFlow.js) and the pages'
 * WebSockets live here, off the process that holds the listening socket, as
 * Electron's utility process does for the desktop app. The server checks each
 * upgrade request and hands over the page's socket; this process completes
 * the handshake and serves the page. If it dies (out of memory, a native
 * crash), the server stays up and starts another; when it has been idle with
 * no page, the server replaces it, which gives back what a burst of work grew
 * for good.
 */
import type { Socket } from 'node:net';
import type { BackendStatus, FromBackend } from './backend-protocol.js';
import { backendOptionsFrom, ownMemory, toBackendMessage } from './backend-protocol.js';
import { createMirageService } from './service.js';
import { createPageHost } from './ws-host.js';

if (!process.send) {
  console.error('backend-entry.js is started by `mirage serve`, not on its own');
  process.exit(2);
}

/** To the server, while it is there (after it is gone, this process is on its way out). */
const send = (message: FromBackend): void => {
  if (process.connected) process.send?.(message);
};
const log = (message: string): void => send({ type: 'log', message });
const options = backendOptionsFrom(process.argv[2]);
const service = createMirageService({
  backend: 'serve',
  canReadPaths: false,
  runsDir: options.runsDir,
  traceGraceMs: options.traceGraceMs,
  log,
});
const pages = createPageHost(service.handlers, { events: service.events, log, onPages: (count) => send({ type: 'pages', count }) });

function status(): BackendStatus {
  return {
    pid: process.pid,
    busy: service.busy,
    openTraces: service.openTraces,
    parsedTraces: service.parsedTraces,
    openUploads: service.openUploads,
    ...ownMemory(),
  };
}

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  pages.close();
  // A running experiment is stopped as an interruption: it can be resumed when serve starts again.
  void service.shutdown().finally(() => process.exit(0));
}

process.on('message', (raw: unknown, handle: unknown) => {
  const message = toBackendMessage(raw);
  if (!message) {
    console.error('mirage back end: ignored a message from the server it does not know');
    return;
  }
  switch (message.type) {
    case 'upgrade': {
      const socket = handle as Socket | undefined;
      if (!socket || typeof socket.write !== 'function') {
        console.error('mirage back end: an upgrade request came without its socket');
        return;
      }
      if (stopping) {
        socket.destroy();
        return;
      }
      pages.upgrade({ method: message.method, url: message.url, headers: message.headers }, socket, Buffer.from(message.head));
      return;
    }
    case 'status':
      send({ type: 'status', id: message.id, status: status() });
      return;
    case 'shutdown':
      shutdown();
      return;
  }
});

// The server went away without a word (killed): stop as it would have asked.
process.on('disconnect', shutdown);
// Ctrl-C in the terminal reaches the whole process group: the server asks this process to stop
// once it has stopped taking pages; dying on the signal would lose a running experiment's state.
process.on('SIGINT', () => {});
process.on('SIGTERM', shutdown);

send({ type: 'ready' });
