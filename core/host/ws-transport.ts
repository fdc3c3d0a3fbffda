import type { WebSocket } from 'ws';
import type { Transport } from '../api/transport.js';

/** The API over one WebSocket: JSON text frames. */
export function webSocketTransport(socket: WebSocket): Transport {
  return {
    send(message) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
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
