import type { EventSource } from '../api/connection.js';
import type { EventName, EventPayload } from '../api/methods.js';

/**
 * The back end's own notices (a run's status, progress and training curves),
 * fanned out to every connection: each UI that is connected sees the same
 * run, whichever started it, and a reloaded page picks it up again.
 */
export class EventHub implements EventSource {
  private readonly listeners = new Set<(event: EventName, payload: unknown) => void>();

  subscribe(listener: (event: EventName, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, payload);
      } catch {
        // one broken connection must not stop the others
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
