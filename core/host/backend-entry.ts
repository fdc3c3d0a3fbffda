/**
 * `mirage serve`'s back-end process, forked by backend-process.ts: the
 * service (trace parsing, experiment runs with TensorFlow.js) runs here, off
 * the process that holds the listening socket, as Electron's utility process
 * does for the desktop app. Each page's WebSocket is one connection, its
 * frames relayed over the IPC channel and served by the same code as every
 * other transport. If this process dies (out of memory, a native crash), the
 * server stays up and starts another; when it has been idle with no page, the
 * server replaces it, which gives back what a burst of work grew for good.
 */
import { readFileSync } from 'node:fs';
import type { Transport } from '../api/transport.js';
import { serveConnection } from '../api/connection.js';
import type { Connection } from '../api/connection.js';
import type { BackendStatus, FromBackend } from './backend-protocol.js';
import { backendOptionsFrom, statusBytes, toBackendMessage } from './backend-protocol.js';
import { createMirageService } from './service.js';

if (!process.send) {
  console.error('backend-entry.js is started by `mirage serve`, not on its own');
  process.exit(2);
}

const send = (message: FromBackend): void => void process.send?.(message);
const options = backendOptionsFrom(process.argv[2]);
const service = createMirageService({
  backend: 'serve',
  canReadPaths: false,
  runsDir: options.runsDir,
  traceGraceMs: options.traceGraceMs,
  log: (m) => console.error(m),
});

interface Relayed {
  connection: Connection;
  deliver(message: unknown): void;
  end(): void;
}

/** One page's connection, its frames coming and going over the IPC channel. */
function relayed(conn: number): Relayed {
  const listeners = new Set<(message: unknown) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const transport: Transport = {
    // Serialised here, so that the server only passes the bytes on.
    send: (message) => send({ type: 'frame', conn, utf8: Buffer.from(JSON.stringify(message)) }),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    // The protocol never closes a page from this side; the page's socket ends with the server.
    close() {},
  };
  const connection = serveConnection(transport, service.handlers, { events: service.events });
  return {
    connection,
    deliver: (message) => {
      for (const listener of listeners) listener(message);
    },
    end: () => {
      for (const listener of closeListeners) listener('page gone');
      connection.close();
    },
  };
}

const connections = new Map<number, Relayed>();

/**
 * One page's frame as the API sees it: the parsed JSON of a text frame, or a
 * string saying why it is not a message (core/api/connection.ts answers those
 * as invalid). null: a binary frame.
 */
function decodeFrame(utf8: Uint8Array | null): unknown {
  if (utf8 === null) return 'binary frames are not part of the protocol';
  try {
    return JSON.parse(Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength).toString('utf8'));
  } catch {
    return 'not JSON';
  }
}

function status(): BackendStatus {
  let procStatus = '';
  try {
    procStatus = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: the memory fields are NaN
  }
  const { rss, heapUsed } = process.memoryUsage();
  return {
    pid: process.pid,
    busy: service.busy,
    openTraces: service.openTraces,
    parsedTraces: service.parsedTraces,
    openUploads: service.openUploads,
    rssAnon: statusBytes(procStatus, 'RssAnon'),
    rss,
    peakRss: statusBytes(procStatus, 'VmHWM'),
    heapUsed,
  };
}

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  for (const relay of connections.values()) relay.end();
  connections.clear();
  // A running experiment is stopped as an interruption: it can be resumed when serve starts again.
  void service.shutdown().finally(() => process.exit(0));
}

process.on('message', (raw: unknown) => {
  const message = toBackendMessage(raw);
  if (!message) {
    console.error('mirage back end: ignored a message from the server it does not know');
    return;
  }
  switch (message.type) {
    case 'connect':
      connections.get(message.conn)?.end();
      connections.set(message.conn, relayed(message.conn));
      return;
    case 'frame':
      connections.get(message.conn)?.deliver(decodeFrame(message.utf8));
      return;
    case 'disconnect':
      connections.get(message.conn)?.end();
      connections.delete(message.conn);
      return;
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
