import type { ApiProgress, ServerMessage } from './protocol.js';
import { ClientMessageSchema, describeIssues } from './protocol.js';
import type { EventName, MethodName } from './methods.js';
import { apiMethods, isMethodName } from './methods.js';
import type { Transport } from './transport.js';
import type { ApiHandlers, CallContext, ClientContext } from './handlers.js';
import { toErrorPayload } from './errors.js';

export interface ConnectionOptions {
  /** Least time between two progress messages of one request (the last one always goes). */
  progressIntervalMs?: number;
  /** Where unexpected errors are logged (default console.error). */
  log?: (message: string) => void;
  /** Notices the back end pushes on its own (run status, training curves): forwarded while the connection lives. */
  events?: EventSource;
  /** Requests one connection may have running at once; more are refused at once (default 64). */
  maxInFlight?: number;
}

/** Where a connection subscribes to the back end's events (core/host's EventHub). */
export interface EventSource {
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
}

export interface Connection {
  /** Requests running now. */
  readonly inFlight: number;
  /** Cancels everything and stops listening. */
  close(): void;
}

/** Numbers the connections of this back end (ClientContext.id). */
let connectionCounter = 0;

/**
 * Serves the API on one transport: validates every message and every
 * method's params with its schema (bad payloads are answered with
 * 'invalid-request' and never reach a handler), runs the handler with an abort
 * signal, streams its progress, and cancels it on request or disconnect.
 * A connection may have `maxInFlight` requests running (more are refused at
 * once), and what the back end keeps for it (uploads) is freed when it closes.
 */
export function serveConnection(transport: Transport, handlers: ApiHandlers, options: ConnectionOptions = {}): Connection {
  const progressIntervalMs = options.progressIntervalMs ?? 50;
  const maxInFlight = options.maxInFlight ?? 64;
  const log = options.log ?? ((m: string) => console.error(m));
  const running = new Map<string, AbortController>();
  let closed = false;
  const closeListeners: Array<() => void> = [];
  const client: ClientContext = {
    id: `client-${++connectionCounter}`,
    onClose(listener) {
      if (closed) listener();
      else closeListeners.push(listener);
    },
  };

  const send = (message: ServerMessage) => {
    if (!closed) transport.send(message);
  };

  const run = async (id: string, method: MethodName, rawParams: unknown) => {
    const spec = apiMethods[method];
    const parsed = spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      send({
        kind: 'response',
        id,
        ok: false,
        error: { code: 'invalid-request', message: `bad params for ${method}`, issues: describeIssues(parsed.error, 'params') },
      });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    let lastProgressMs = 0;
    let heldBack: ApiProgress | null = null;
    const onProgress = (progress: ApiProgress) => {
      if (controller.signal.aborted) return;
      const now = Date.now();
      if (now - lastProgressMs >= progressIntervalMs || progress.done >= progress.total) {
        lastProgressMs = now;
        heldBack = null;
        send({ kind: 'progress', id, progress });
      } else {
        heldBack = progress;
      }
    };
    try {
      const handler = handlers[method] as (params: unknown, ctx: CallContext) => unknown;
      const result = await handler(parsed.data, { signal: controller.signal, onProgress, client });
      if (controller.signal.aborted) return; // the client already gave up on it
      if (heldBack) send({ kind: 'progress', id, progress: heldBack });
      send({ kind: 'response', id, ok: true, result });
    } catch (error) {
      const payload = toErrorPayload(error, controller.signal);
      if (payload.code === 'internal') log(`mirage host: ${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      send({ kind: 'response', id, ok: false, error: payload });
    } finally {
      running.delete(id);
    }
  };

  const unsubscribeMessage = transport.onMessage((raw) => {
    const parsed = ClientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id.slice(0, 64) : '?';
      send({
        kind: 'response',
        id: id || '?',
        ok: false,
        error: { code: 'invalid-request', message: 'malformed message', issues: describeIssues(parsed.error) },
      });
      return;
    }
    const message = parsed.data;
    if (message.kind === 'cancel') {
      running.get(message.id)?.abort(new DOMException('cancelled by the client', 'AbortError'));
      return;
    }
    if (running.has(message.id)) {
      send({ kind: 'response', id: message.id, ok: false, error: { code: 'invalid-request', message: `request id ${message.id} is already running` } });
      return;
    }
    if (!isMethodName(message.method)) {
      send({ kind: 'response', id: message.id, ok: false, error: { code: 'unknown-method', message: `no method ${message.method}` } });
      return;
    }
    if (running.size >= maxInFlight) {
      // One client cannot pile up unbounded work (and memory) in the back end.
      send({ kind: 'response', id: message.id, ok: false, error: { code: 'conflict', message: `too many requests at once from this client (at most ${maxInFlight}); wait for some to finish` } });
      return;
    }
    void run(message.id, message.method, message.params);
  });

  const unsubscribeEvents = options.events?.subscribe((event, payload) => send({ kind: 'event', event, payload })) ?? (() => {});

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribeEvents();
    unsubscribeMessage();
    unsubscribeClose();
    for (const controller of running.values()) controller.abort(new DOMException('the client went away', 'AbortError'));
    running.clear();
    for (const listener of closeListeners.splice(0)) {
      try {
        listener();
      } catch (error) {
        log(`mirage host: cleanup after a client left failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  const unsubscribeClose = transport.onClose(close);

  return {
    get inFlight() {
      return running.size;
    },
    close,
  };
}
