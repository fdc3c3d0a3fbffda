import type { WebSocket } from 'ws';
import type { Transport } from '../api/transport.js';

/**
 * Replies waiting to go out to one page: a page that asks and does not read
 * would otherwise grow the back end without bound (LS6's job columns are
 * about 4 MB a reply). Far above what a page on a slow tunnel falls behind by.
 */
export const MAX_PAGE_BACKLOG_BYTES = 64 * 2 ** 20;

/** The API over one WebSocket: JSON text frames. */
export function webSocketTransport(socket: WebSocket, log: (message: string) => void): Transport {
  return {
    send(message) {
      if (socket.readyState !== socket.OPEN) return;
      const text = JSON.stringify(message);
      if (socket.bufferedAmount + text.length > MAX_PAGE_BACKLOG_BYTES) {
        // Dropped at once: a page that does not read would not read a closing handshake either.
        log(`dropped a page that left ${socket.bufferedAmount} bytes of replies unread`);
        socket.terminate();
        return;
      }
      socket.send(text);
    },
    onMessage(listener) {
      const handler = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (isBinary) {
          listener('binary frames are not part of the protocol');
          return;
        }
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          message = 'not JSON';
        }
        listener(message);
      };
      socket.on('message', handler);
      return () => socket.off('message', handler);
    },
    onClose(listener) {
      const handler = (code: number) => listener(`closed (${code})`);
      socket.on('close', handler);
      return () => socket.off('close', handler);
    },
    close() {
      socket.close();
    },
  };
}
