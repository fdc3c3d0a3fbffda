import type { ApiProgress, ApiErrorPayload, ServerMessage } from './protocol.js';
import { ApiError } from './protocol.js';
import type { EventName, EventPayload, MethodName, ParamsOf, ResultOf } from './methods.js';
import type { Transport } from './transport.js';

export interface CallOptions {
  /** Aborting sends a cancel to the back end and rejects the call with code 'cancelled'. */
  signal?: AbortSignal;
  onProgress?: (progress: ApiProgress) => void;
}

export interface ApiClient {
  call<M extends MethodName>(method: M, params: ParamsOf<M>, options?: CallOptions): Promise<ResultOf<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * Binds the client to a (new) transport. Calls in flight on the old one are
   * rejected with `reason` (e.g. 'backend-restarted' after a crash).
   */
  attach(transport: Transport, reason?: ApiErrorPayload['code']): void;
  /** Number of calls waiting for a response. */
  readonly pending: number;
  close(): void;
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
  onProgress?: (progress: ApiProgress) => void;
  cleanup: () => void;
}

let clientCounter = 0;

/** The typed client of the service API over any transport (renderer, tests, CLI tools). */
export function createApiClient(initial?: Transport): ApiClient {
  const prefix = `c${++clientCounter}-${Math.random().toString(36).slice(2, 8)}-`;
  let nextId = 0;
  let transport: Transport | null = null;
  let unsubscribe: (() => void)[] = [];
  const pending = new Map<string, PendingCall>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();

  const failAll = (code: ApiErrorPayload['code'], message: string) => {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.cleanup();
      call.reject(new ApiError({ code, message }));
    }
  };

  const onMessage = (raw: unknown) => {
    const message = raw as ServerMessage;
    if (!message || typeof message !== 'object') return;
    if (message.kind === 'event') {
      for (const listener of eventListeners.get(message.event) ?? []) listener(message.payload);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return; // cancelled or from a previous transport
    if (message.kind === 'progress') {
      call.onProgress?.(message.progress);
      return;
    }
    if (message.kind === 'response') {
      pending.delete(message.id);
      call.cleanup();
      if (message.ok) call.resolve(message.result);
      else call.reject(new ApiError(message.error));
    }
  };

  const client: ApiClient = {
    call(method, params, options = {}) {
      return new Promise((resolve, reject) => {
        const { signal, onProgress } = options;
        if (signal?.aborted) {
          reject(new ApiError({ code: 'cancelled', message: `${method} was cancelled` }));
          return;
        }
        if (!transport) {
          reject(new ApiError({ code: 'disconnected', message: 'not connected to the back end' }));
          return;
        }
        const id = prefix + ++nextId;
        const onAbort = () => {
          if (!pending.delete(id)) return;
          transport?.send({ kind: 'cancel', id });
          signal?.removeEventListener('abort', onAbort);
          reject(new ApiError({ code: 'cancelled', message: `${method} was cancelled` }));
        };
        signal?.addEventListener('abort', onAbort);
        pending.set(id, {
          resolve: resolve as (v: unknown) => void,
          reject,
          onProgress,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        });
        transport.send({ kind: 'request', id, method, params });
      });
    },
    on(event, listener) {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    attach(next, reason = 'backend-restarted') {
      for (const u of unsubscribe) u();
      failAll(reason, reason === 'backend-restarted' ? 'the back end restarted; please try again' : 'the connection was replaced');
      transport = next;
      unsubscribe = [
        next.onMessage(onMessage),
        next.onClose(() => {
          if (transport !== next) return;
          // Calls made from now on fail at once instead of going to a dead transport and never answering.
          transport = null;
          failAll('disconnected', 'the connection to the back end closed');
        }),
      ];
    },
    get pending() {
      return pending.size;
    },
    close() {
      for (const u of unsubscribe) u();
      unsubscribe = [];
      failAll('disconnected', 'the client was closed');
      transport?.close();
      transport = null;
    },
  };
  if (initial) client.attach(initial);
  return client;
}
