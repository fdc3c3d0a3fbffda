import { z } from 'zod';
import { ChainScheduleSchema } from '../sim/chain.js';
import { SimConfigSchema } from '../sim/config.js';

/**
 * manifest.json of a dataset folder: everything needed to know what the
 * arrays are and to regenerate them. It holds no timestamps or host names, so
 * the same configuration always gives the same bytes.
 */

export const DATASET_FORMAT = 'mirage-dataset';
/** 2: each example's scheduler start estimate (forecast_wait_sec). */
export const DATASET_SCHEMA_VERSION = 2;

const int = z.number().int();

/** Successor submit times per sample: the training probes, or one baseline time. */
export const PolicySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('probes'), probes: int.min(2) }),
  z.strictObject({ kind: z.literal('reactive') }),
  z.strictObject({ kind: z.literal('average') }),
  z.strictObject({ kind: z.literal('quantile'), q: z.number().min(0).max(1) }),
]);
export type DatasetPolicy = z.infer<typeof PolicySchema>;

export const FeatureModeSchema = z.enum(['decision', 'reference']);
export type FeatureMode = z.infer<typeof FeatureModeSchema>;

export const DatasetConfigSchema = z.strictObject({
  trace: z.strictObject({
    /** File name only (no folder), so the manifest does not depend on where the trace lay. */
    name: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** How the trace was read (core/trace LoadOptions). */
    format: z.enum(['auto', 'mirage', 'sacct', 'swf']),
    processorsPerNode: z.number().int().positive().optional(),
    /** Only these partitions' jobs (LoadOptions.partitions). */
    partitions: z.array(z.string().min(1)).min(1).optional(),
    /** Limit of jobs the trace gives none, minutes (LoadOptions.defaultLimitMinutes). */
    defaultLimitMinutes: z.number().int().positive().optional(),
  }),
  /** Which samples, and how each is built (core/sim/chain.ts). */
  schedule: ChainScheduleSchema,
  /** The simulator configuration, every default filled in. */
  sim: SimConfigSchema,
  policy: PolicySchema,
  featureMode: FeatureModeSchema,
  /** Recorded for reproducibility; probe placement is deterministic, so no current step draws from it. */
  seed: int,
});
export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;

export const ShardSchema = z.strictObject({ index: int.min(0), count: int.min(1) }).refine((s) => s.index < s.count, {
  message: 'shard index must be below the shard count',
});
export type Shard = z.infer<typeof ShardSchema>;

const ArraySchema = z.strictObject({
  file: z.string(),
  dtype: z.enum(['<f4', '<f8', '<i4', '<i8']),
  shape: z.array(int.min(0)),
});

export const ManifestSchema = z.strictObject({
  format: z.literal(DATASET_FORMAT),
  schemaVersion: z.literal(DATASET_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  config: DatasetConfigSchema,
  /** null for a whole dataset; a shard holds the samples whose index i has i % count == index. */
  shard: ShardSchema.nullable(),
  featureNames: z.array(z.string()),
  layout: z.strictObject({
    kind: z.literal('shared-windows'),
    windowLength: int,
    queueFeatures: int,
    chainFeatures: int,
  }),
  counts: z.strictObject({
    /** Samples in this folder. */
    samples: int,
    /** Samples of the schedule (or shard) left out because their start is in an excluded range. */
    excludedSamples: int,
    /** Training examples: one per sample and probe (N). */
    examples: int,
    /** Distinct snapshot rows stored (M). */
    snapshotRows: int,
  }),
  arrays: z.record(z.string(), ArraySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * JSON with a fixed layout (keys sorted at every level, 2-space indent,
 * trailing newline): equal values give equal bytes, whichever path built them
 * (a fresh run, a merge of shards, a parsed manifest).
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isPlainObject(v) ? sortKeys(v) : v), 2) + '\n';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortKeys(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
}
