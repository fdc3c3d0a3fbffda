import { z } from 'zod';
import { PipelineConfigSchema } from '../pipeline/config.js';
import { AppInfoSchema } from './app.js';
import {
  ChartFileSchema,
  CompareDataSchema,
  ExportFileSchema,
  ExportKindSchema,
  PolicyArchiveSchema,
  PolicyBundleViewSchema,
  PresetSchema,
  RunDetailSchema,
  RunAnnotationSchema,
  RunFileSchema,
  RunIdSchema,
  RunInfoSchema,
  RunProgressEventSchema,
  RunTrainEventSchema,
  SampleTimelineSchema,
  TraceChoiceSchema,
  TraceRangeSchema,
} from './experiment.js';
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
 * Experiments, runs and comparisons (part 2) are methods like the trace's:
 * the transports, the client and the UI's task list needed no change.
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
  /**
   * The summary of a trace this back end still holds; asking holds it for the
   * asking page (trace.jobs and trace.overview do too), which is how a
   * reloaded page finds its trace again. not-found once no page holds it.
   */
  'trace.summary': { params: z.object({ traceId: TraceId }).strict(), result: TraceSummarySchema },
  'trace.jobs': { params: z.object({ traceId: TraceId }).strict(), result: JobColumnsSchema },
  /** Releases this page's hold (closed: whether it held it); the trace leaves memory once no page holds it. */
  'trace.close': { params: z.object({ traceId: TraceId }).strict(), result: z.object({ closed: z.boolean() }) },

  /** The bundled presets (assets/presets/*.json), partial configs the form overlays on the schema's defaults. */
  'experiment.presets': { params: Empty, result: z.array(PresetSchema) },
  /** Traces an experiment may name in trace.path here (samples, uploaded copies, paths opened on the desktop). */
  'experiment.traces': { params: Empty, result: z.array(TraceChoiceSchema) },
  /** The time range and load of the trace a config names (the form draws its windows on it). */
  'experiment.traceRange': {
    params: z.object({ path: z.string().min(1).max(4096), format: TraceFormatSchema.optional() }).strict(),
    result: TraceRangeSchema,
  },

  /** Every run in the runs folder, newest first. */
  'runs.list': { params: Empty, result: z.array(RunInfoSchema) },
  'runs.get': { params: z.object({ runId: RunIdSchema }).strict(), result: RunDetailSchema },
  /**
   * Starts `mirage run` with this config in the back end and answers at once;
   * the run reports through the run.* events and survives the page.
   */
  'runs.start': { params: z.object({ config: PipelineConfigSchema }).strict(), result: RunInfoSchema },
  /** Continues an interrupted, cancelled or failed run: finished stages are reused, training resumes from its checkpoint. */
  'runs.resume': { params: z.object({ runId: RunIdSchema }).strict(), result: RunInfoSchema },
  /** Stops a run within a training step or a simulated sample; answers once it has stopped. */
  'runs.cancel': { params: z.object({ runId: RunIdSchema }).strict(), result: RunInfoSchema },
  'runs.delete': { params: z.object({ runId: RunIdSchema }).strict(), result: z.object({ deleted: z.boolean() }) },
  /** The files in a run's folder (its log run.log, results, charts; stages/ as one folder). */
  'runs.files': { params: z.object({ runId: RunIdSchema }).strict(), result: z.array(RunFileSchema) },
  /** One small text file of a run's folder (as runs.files lists it), e.g. run.log. */
  'runs.file': {
    params: z.object({ runId: RunIdSchema, path: z.string().min(1).max(512) }).strict(),
    result: z.object({ path: z.string(), text: z.string() }),
  },
  /** Sets a run's tags and note (kept in its folder, also for a `mirage run` folder); answers the run as listed. */
  'runs.annotate': { params: z.object({ runId: RunIdSchema, annotation: RunAnnotationSchema }).strict(), result: RunInfoSchema },
  /** A run's file as text: reward.log, rewards.csv, summary.json, report.md, report.html (charts inlined), config.json, a chart. */
  'runs.export': {
    params: z.object({ runId: RunIdSchema, kind: ExportKindSchema, chart: ChartFileSchema.optional() }).strict(),
    result: ExportFileSchema,
  },

  /** The run's policy bundle (what `mirage provision --policy` runs); null until the run has written one. */
  'runs.policy': { params: z.object({ runId: RunIdSchema }).strict(), result: PolicyBundleViewSchema.nullable() },
  /** The run's policy bundle as one tar archive, to copy to a cluster. */
  'runs.exportPolicy': { params: z.object({ runId: RunIdSchema }).strict(), result: PolicyArchiveSchema },

  /** Runs side by side with the baselines of the first: per-policy summary, load levels, every sample's reward. */
  'compare.data': { params: z.object({ runIds: z.array(RunIdSchema).min(1).max(8) }).strict(), result: CompareDataSchema },
  /** Replays one validation sample of a run to show its chain and the queue around it. */
  'compare.timeline': {
    params: z.object({ runId: RunIdSchema, policy: z.string().min(1).max(128), index: z.number().int().nonnegative() }).strict(),
    result: SampleTimelineSchema,
  },
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
  /** A run changed state or stage (also sent when it starts, ends, or a UI should refresh its list). */
  'run.status': RunInfoSchema,
  /** Progress of a run's current stage (a few per second at most). */
  'run.progress': RunProgressEventSchema,
  /** Training events of a run, in batches (steps included: the live curves draw them). */
  'run.train': RunTrainEventSchema,
} as const satisfies Record<string, z.ZodType>;
export type ApiEvents = typeof apiEvents;
export type EventName = keyof ApiEvents;
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>;
