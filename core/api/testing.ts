import { createApiClient } from './client.js';
import type { ApiClient } from './client.js';
import { createTransportPair } from './transport.js';
import type { Connection, ConnectionOptions } from './connection.js';
import { serveConnection } from './connection.js';
import type { ApiHandlers } from './handlers.js';

/**
 * The in-process transport: a client wired to a back end in the same process
 * through a JSON-copying message pair. Tests and tools use it; the renderer
 * and Electron use the same client and connection over real channels.
 */
export function connectInProcess(handlers: ApiHandlers, options: ConnectionOptions = {}): { client: ApiClient; connection: Connection; close(): void } {
  const [clientEnd, serverEnd] = createTransportPair();
  const connection = serveConnection(serverEnd, handlers, options);
  const client = createApiClient(clientEnd);
  return {
    client,
    connection,
    close() {
      client.close();
      connection.close();
    },
  };
}
