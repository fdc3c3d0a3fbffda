import type { ApiProgress } from './protocol.js';
import type { MethodName, ResultOf, ValidParamsOf } from './methods.js';

/** What a method implementation gets besides its (validated) params. */
export interface CallContext {
  /** Aborted when the client cancels the request or disconnects. */
  signal: AbortSignal;
  onProgress: (progress: ApiProgress) => void;
}

/** One implementation per API method: the service every transport serves. */
export type ApiHandlers = {
  [M in MethodName]: (params: ValidParamsOf<M>, context: CallContext) => Promise<ResultOf<M>> | ResultOf<M>;
};
