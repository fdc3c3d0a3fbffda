import { z } from 'zod';

/** Schemas of the trace part of the API: what the UI asks for and gets back. */

export const SampleNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a sample name (lower-case letters, digits, . _ -)');

export const TraceSampleSchema = z.object({
  name: SampleNameSchema,
  title: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  description: z.string(),
  attribution: z.string(),
  /** Nodes of the partition the trace comes from (the utilisation charts' capacity line). */
  capacityNodes: z.number().int().positive(),
});
export type TraceSample = z.infer<typeof TraceSampleSchema>;

/** Where a trace comes from: a bundled sample, a path the host may read, or an upload. */
export const TraceSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sample'), name: SampleNameSchema }),
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('upload'), uploadId: z.string().min(1).max(64) }),
]);
export type TraceSource = z.infer<typeof TraceSourceSchema>;

export const TraceFormatSchema = z.enum(['auto', 'mirage', 'sacct', 'swf']);

export const CapacityNodesSchema = z.number().int().positive().max(1_000_000);

export const RejectedRowSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  reason: z.string(),
  text: z.string(),
});
export type RejectedRow = z.infer<typeof RejectedRowSchema>;

/** A histogram with labelled bins (node counts, limits) as the charts draw it. */
export const HistogramSchema = z.object({
  labels: z.array(z.string()),
  counts: z.array(z.number()),
});
export type Histogram = z.infer<typeof HistogramSchema>;

/** Series on a regular time axis (one point every `stepSec` from `startSec`). */
export const TimeSeriesSchema = z.object({
  startSec: z.number(),
  stepSec: z.number().positive(),
  submitted: z.array(z.number()),
  runningNodes: z.array(z.number()),
  queuedJobs: z.array(z.number()),
});
export type TimeSeries = z.infer<typeof TimeSeriesSchema>;

/**
 * Where the cluster size came from: given by the user, declared by the trace
 * (SWF), known for a bundled sample, or inferred as the most nodes the trace
 * has running at once (a lower bound: every display says so).
 */
export const CapacitySourceSchema = z.enum(['given', 'declared', 'sample', 'inferred']);
export type CapacitySource = z.infer<typeof CapacitySourceSchema>;

/** One partition of a trace (core/trace describePartitions), sizes in nodes; a pending job naming several counts under the first. */
export const PartitionSummarySchema = z.object({
  name: z.string(),
  jobCount: z.number().int().nonnegative(),
  /** Jobs the simulator can replay (run time and limit known). */
  simulatableCount: z.number().int().nonnegative(),
  medianNodes: z.number().nonnegative(),
  maxNodes: z.number().nonnegative(),
  /** Most nodes the partition's jobs hold at once. */
  peakRunningNodes: z.number().nonnegative(),
  /** The partition's size: the peak, as nothing else tells it here. */
  capacityNodes: z.number().int().positive(),
  /** Always shown as inferred (a lower bound) when true. */
  capacityInferred: z.boolean(),
});
export type PartitionSummary = z.infer<typeof PartitionSummarySchema>;

export const TraceOverviewSchema = z.object({
  capacityNodes: z.number().int().positive(),
  capacitySource: CapacitySourceSchema,
  /** Every partition, most jobs first; one entry named '' when the trace has no partition column. */
  partitions: z.array(PartitionSummarySchema),
  /** Complete jobs whose start the trace does not give (SWF wait -1): out of the wait figures. */
  startUnknownCount: z.number().int().nonnegative(),
  jobCount: z.number().int().nonnegative(),
  startedCount: z.number().int().nonnegative(),
  userCount: z.number().int().nonnegative(),
  firstSubmitSec: z.number().nullable(),
  lastEndSec: z.number().nullable(),
  /** Total node-hours the jobs ran. */
  nodeHours: z.number().nonnegative(),
  /** Share of capacity used over the span, 0..1. */
  utilisation: z.number().nonnegative(),
  wait: z.object({
    meanSec: z.number(),
    p50Sec: z.number(),
    p90Sec: z.number(),
    p99Sec: z.number(),
    maxSec: z.number(),
  }),
  nodeHistogram: HistogramSchema,
  limitHistogram: HistogramSchema,
  waitHistogram: HistogramSchema,
  series: TimeSeriesSchema,
});
export type TraceOverview = z.infer<typeof TraceOverviewSchema>;

export const TraceSummarySchema = z.object({
  traceId: z.string(),
  fileName: z.string(),
  source: z.enum(['sample', 'path', 'upload']),
  /** The host path, when the trace was read from one (desktop). */
  path: z.string().nullable(),
  format: z.string(),
  sha256: z.string(),
  /** Data rows read (accepted + rejected). */
  rows: z.number().int().nonnegative(),
  rejectedCount: z.number().int().nonnegative(),
  /** The first rejected rows (at most `REJECTED_ROWS_SHOWN`). */
  rejected: z.array(RejectedRowSchema),
  repairs: z.record(z.string(), z.number()),
  /** Things worth knowing that are not errors (count line disagrees, time zone...). */
  notes: z.array(z.string()),
  loadMs: z.number().nonnegative(),
  overview: TraceOverviewSchema,
});
export type TraceSummary = z.infer<typeof TraceSummarySchema>;

export const REJECTED_ROWS_SHOWN = 500;

/**
 * All jobs of a trace, column by column: compact on the wire (one array per
 * field) and what a virtualised table sorts and filters fastest.
 */
export const JobColumnsSchema = z.object({
  traceId: z.string(),
  count: z.number().int().nonnegative(),
  id: z.array(z.string()),
  name: z.array(z.string()),
  user: z.array(z.string()),
  partition: z.array(z.string()),
  state: z.array(z.string()),
  submitSec: z.array(z.number()),
  startSec: z.array(z.number().nullable()),
  endSec: z.array(z.number().nullable()),
  limitMinutes: z.array(z.number().nullable()),
  nodes: z.array(z.number()),
  line: z.array(z.number()),
});
export type JobColumns = z.infer<typeof JobColumnsSchema>;

/** Upload chunk size: small enough for any transport, large enough to be quick. */
export const UPLOAD_CHUNK_CHARS = 1 << 20;
/** Largest trace a browser may upload (characters). */
export const UPLOAD_MAX_CHARS = 512 * (1 << 20);
