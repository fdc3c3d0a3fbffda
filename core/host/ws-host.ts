import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EventSource } from '../api/connection.js';
import { serveConnection } from '../api/connection.js';
import type { ApiHandlers } from '../api/handlers.js';
import { UPLOAD_CHUNK_CHARS } from '../api/trace.js';
import { webSocketTransport } from './ws-transport.js';

/**
 * Largest WebSocket message accepted. The largest legitimate one is an upload
 * chunk, and JSON may write each of its UTF-16 code units as six bytes
 * (`\u0000` for a NUL or control character, `\ud800` for a lone surrogate):
 * the limit is that worst case plus room for the request around it.
 */
export const MAX_PAYLOAD_BYTES = 6 * UPLOAD_CHUNK_CHARS + 64 * 1024;
/** Pages connected at once: each holds a socket and its requests; a script opening thousands is refused. */
export const MAX_CLIENTS = 64;

/** What the WebSocket handshake needs of the HTTP request (the server checked the rest). */
export interface UpgradeRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface PageHost {
  /** Completes the handshake of a checked upgrade request on its socket, and serves the API on it. */
  upgrade(request: UpgradeRequest, socket: Duplex, head: Buffer): void;
  /** Ends every page's connection. */
  close(): void;
}

/**
 * The API over WebSockets, in the process that hosts the service: the
 * handshake, the frame limits (ws closes a socket whose frame the protocol
 * forbids: unmasked, unknown opcode, RSV1, invalid UTF-8, over the limit),
 * the number of pages (told to `onPages` after each change), and one
 * connection per page.
 */
export function createPageHost(
  handlers: ApiHandlers,
  options: { events?: EventSource; log: (message: string) => void; onPages?: (pages: number) => void },
): PageHost {
  const { log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  // Without a listener, an 'error' event throws: one bad frame or reset would end the process.
  wss.on('error', (error) => log(`WebSocket server: ${error.message}`));
  const changed = () => options.onPages?.(wss.clients.size);
  return {
    upgrade(request, socket, head) {
      socket.on('error', (error) => log(`connection reset during the WebSocket handshake: ${error.message}`));
      if (wss.clients.size >= MAX_CLIENTS) {
        log(`refused WebSocket: ${MAX_CLIENTS} pages are connected already`);
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request as IncomingMessage, socket, head, (ws) => {
        // A frame the protocol forbids is an 'error' on this socket: ws then closes it with the right code; this page alone is gone.
        ws.on('error', (error) => log(`closed a WebSocket: ${error.message}`));
        ws.on('close', changed);
        serveConnection(webSocketTransport(ws, log), handlers, { log, events: options.events });
        changed();
      });
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
