import { z } from 'zod';
import { AppInfoSchema } from './app.js';
import {
  CapacityNodesSchema,
  JobColumnsSchema,
  TraceFormatSchema,
  TraceOverviewSchema,
  TraceSampleSchema,
  TraceSourceSchema,
  TraceSummarySchema,
  UPLOAD_CHUNK_CHARS,
} from './trace.js';

const TraceId = z.string().min(1).max(64);
const UploadId = z.string().min(1).max(64);
const Empty = z.object({}).strict();

/**
 * Every method of the service API: its params (validated by the back end,
 * whatever the transport) and its result. Long methods stream progress and can
 * be cancelled; any method may be, the back end decides what it can stop.
 *
 * Part 2 (experiments, training, compare) adds methods here: the transports,
 * the client and the UI's task list need no change.
 */
export const apiMethods = {
  'app.info': { params: Empty, result: AppInfoSchema },

  'trace.samples': { params: Empty, result: z.array(TraceSampleSchema) },
  /** Starts a browser upload; the chunks follow in order, then `trace.open` with `{ kind: 'upload' }`. */
  'trace.uploadBegin': {
    params: z.object({ fileName: z.string().min(1).max(255), sizeChars: z.number().int().nonnegative() }).strict(),
    result: z.object({ uploadId: UploadId, chunkChars: z.number().int().positive() }),
  },
  'trace.uploadChunk': {
    params: z
      .object({ uploadId: UploadId, seq: z.number().int().nonnegative(), text: z.string().max(UPLOAD_CHUNK_CHARS) })
      .strict(),
    result: z.object({ receivedChars: z.number().int().nonnegative() }),
  },
  'trace.uploadAbort': { params: z.object({ uploadId: UploadId }).strict(), result: z.object({ aborted: z.boolean() }) },
  /** Reads and parses a trace, reports progress (stage 'load'), returns its summary and overview. */
  'trace.open': {
    params: z
      .object({
        source: TraceSourceSchema,
        format: TraceFormatSchema.optional(),
        capacityNodes: CapacityNodesSchema.optional(),
      })
      .strict(),
    result: TraceSummarySchema,
  },
  /** The overview again for another cluster size (utilisation is relative to capacity). */
  'trace.overview': {
    params: z.object({ traceId: TraceId, capacityNodes: CapacityNodesSchema }).strict(),
    result: TraceOverviewSchema,
  },
  'trace.jobs': { params: z.object({ traceId: TraceId }).strict(), result: JobColumnsSchema },
  'trace.close': { params: z.object({ traceId: TraceId }).strict(), result: z.object({ closed: z.boolean() }) },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type ApiMethods = typeof apiMethods;
export type MethodName = keyof ApiMethods;
/** What the caller passes (input side of the schema: optional fields stay optional). */
export type ParamsOf<M extends MethodName> = z.input<ApiMethods[M]['params']>;
/** What the back end receives after validation. */
export type ValidParamsOf<M extends MethodName> = z.output<ApiMethods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<ApiMethods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(apiMethods, name);
}

/** Notices the back end pushes without being asked. */
export const apiEvents = {
  'host.notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
} as const satisfies Record<string, z.ZodType>;
export type ApiEvents = typeof apiEvents;
export type EventName = keyof ApiEvents;
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>;
