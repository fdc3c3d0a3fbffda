import type { ApiProgress } from './protocol.js';
import type { MethodName, ResultOf, ValidParamsOf } from './methods.js';

/** The connection a request came on: what the back end keeps for a client is counted and freed by it. */
export interface ClientContext {
  /** Unique per connection (a page, an Electron window) for the back end's life. */
  id: string;
  /** Runs `listener` once when this client disconnects (at once if it already has). */
  onClose(listener: () => void): void;
}

/** What a method implementation gets besides its (validated) params. */
export interface CallContext {
  /** Aborted when the client cancels the request or disconnects. */
  signal: AbortSignal;
  onProgress: (progress: ApiProgress) => void;
  /** Absent when a handler is called directly (tests, tools). */
  client?: ClientContext;
}

/** One implementation per API method: the service every transport serves. */
export type ApiHandlers = {
  [M in MethodName]: (params: ValidParamsOf<M>, context: CallContext) => Promise<ResultOf<M>> | ResultOf<M>;
};
