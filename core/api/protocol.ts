import { z } from 'zod';

/**
 * The wire protocol of the service API. Every transport (Electron MessagePort,
 * WebSocket, in-process) carries these plain JSON-able messages, so one
 * back-end implementation serves every shell.
 *
 * A request may stream progress reports before its single response, and the
 * client may cancel it by id: that is how long work (trace loading now,
 * simulation and training later) stays responsive and stoppable.
 */

/** Mirrors core/progress.ts `Progress`, the contract of every long function in core. */
export const ProgressSchema = z.object({
  stage: z.string(),
  done: z.number(),
  total: z.number(),
  unit: z.string(),
  detail: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
});
export type ApiProgress = z.infer<typeof ProgressSchema>;

const RequestId = z.string().min(1).max(64);

export const RequestMessageSchema = z.object({
  kind: z.literal('request'),
  id: RequestId,
  method: z.string().min(1).max(64),
  /** Checked against the method's own schema by the back end. */
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessageSchema>;

export const CancelMessageSchema = z.object({
  kind: z.literal('cancel'),
  id: RequestId,
});
export type CancelMessage = z.infer<typeof CancelMessageSchema>;

/** What a client may send. Anything else is answered with a protocol error. */
export const ClientMessageSchema = z.discriminatedUnion('kind', [RequestMessageSchema, CancelMessageSchema]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const ErrorCodeSchema = z.enum([
  /** The message or its params failed the schema. */
  'invalid-request',
  'unknown-method',
  'cancelled',
  'not-found',
  /** The host does not allow this here (e.g. reading server paths in browser mode). */
  'forbidden',
  /** The input data is bad: a trace file that cannot be read. */
  'bad-input',
  /** The request clashes with the back end's state (a run is already running, a run that is not resumable). */
  'conflict',
  /** The back end restarted (crash) while the request was in flight. */
  'backend-restarted',
  'disconnected',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Where bad input was found, so the UI can name the file and line. */
  file: z.string().optional(),
  line: z.number().int().optional(),
  reason: z.string().optional(),
  /** Schema issues, one line each (`params.name: expected string`). */
  issues: z.array(z.string()).optional(),
});
export type ApiErrorPayload = z.infer<typeof ApiErrorSchema>;

export const ResponseMessageSchema = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('response'), id: RequestId, ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: RequestId, ok: z.literal(false), error: ApiErrorSchema }),
]);
export type ResponseMessage = z.infer<typeof ResponseMessageSchema>;

export const ProgressMessageSchema = z.object({
  kind: z.literal('progress'),
  id: RequestId,
  progress: ProgressSchema,
});
export type ProgressMessage = z.infer<typeof ProgressMessageSchema>;

/** A notice the back end pushes on its own (not tied to a request). */
export const EventMessageSchema = z.object({
  kind: z.literal('event'),
  event: z.string(),
  payload: z.unknown(),
});
export type EventMessage = z.infer<typeof EventMessageSchema>;

export type ServerMessage = ResponseMessage | ProgressMessage | EventMessage;

/** An error carried across the API: the client rejects calls with it. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly payload: ApiErrorPayload;
  constructor(payload: ApiErrorPayload) {
    super(payload.message);
    this.name = 'ApiError';
    this.code = payload.code;
    this.payload = payload;
  }
}

/** Formats zod issues as `path: message` lines, short enough for a UI or a log. */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
