/**
 * The one thing every shell provides: a duplex channel of plain JSON-able
 * messages. Electron wraps a MessagePort, the browser a WebSocket, tests an
 * in-memory pair. Neither the client nor the back end knows which it has.
 */
export interface Transport {
  send(message: unknown): void;
  /** Subscribes to incoming messages; returns the unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Subscribes to the channel closing (peer gone); returns the unsubscribe function. */
  onClose(listener: (reason: string) => void): () => void;
  close(): void;
}

/**
 * Two connected in-memory transports. Messages are delivered asynchronously
 * and deep-copied through JSON, as a real transport would, so tests catch
 * non-serialisable payloads and ordering assumptions.
 */
export function createTransportPair(): [Transport, Transport] {
  const listeners: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const closeListeners: [Set<(r: string) => void>, Set<(r: string) => void>] = [new Set(), new Set()];
  let closed = false;
  const end = (side: 0 | 1): Transport => ({
    send(message) {
      if (closed) return;
      const copy: unknown = JSON.parse(JSON.stringify(message));
      queueMicrotask(() => {
        if (!closed) for (const l of listeners[1 - side]) l(copy);
      });
    },
    onMessage(listener) {
      listeners[side].add(listener);
      return () => listeners[side].delete(listener);
    },
    onClose(listener) {
      closeListeners[side].add(listener);
      return () => closeListeners[side].delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const s of [0, 1] as const) for (const l of closeListeners[s]) l('closed');
    },
  });
  return [end(0), end(1)];
}
