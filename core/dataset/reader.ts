import type { Manifest } from './manifest.js';
import type { ExampleColumn } from './store.js';
import { EXAMPLE_COLUMN_NAMES, readRawDataset } from './store.js';
import { FEATURE_COUNT, unpackAll } from './windows.js';

/**
 * A dataset in memory, in the plain layout a model consumes: example i's input
 * is features[i*144*42 .. (i+1)*144*42), row-major, oldest snapshot first.
 */
export interface Dataset {
  dir: string;
  manifest: Manifest;
  /** Number of examples N (samples x probes). */
  count: number;
  windowLength: number;
  featureCount: number;
  /** [N * 144 * 42] */
  features: Float32Array;
  /** [N] successor start minus predecessor end, seconds (> 0 interruption, < 0 overlap). */
  rewardSeconds: Float32Array;
  /** [N] per-example metadata (times in cluster-clock seconds), keyed like the .npy files. */
  columns: Record<ExampleColumn, Float64Array>;
}

/** A selection of examples, copied out of a dataset. */
export type DatasetRows = Pick<Dataset, 'count' | 'windowLength' | 'featureCount' | 'features' | 'rewardSeconds' | 'columns'>;

export async function openDataset(dir: string): Promise<Dataset> {
  const raw = await readRawDataset(dir);
  const windowLength = raw.manifest.layout.windowLength;
  const features = unpackAll({ windowLength, snapshots: raw.snapshots, chainState: raw.chainState, windowStart: Int32Array.from(raw.windowStart) });
  return {
    dir,
    manifest: raw.manifest,
    count: raw.rewardSeconds.length,
    windowLength,
    featureCount: FEATURE_COUNT,
    features,
    rewardSeconds: raw.rewardSeconds,
    columns: raw.columns,
  };
}

/** Example i's [144 * 42] input, without copying. */
export function exampleFeatures(data: Pick<Dataset, 'features' | 'windowLength'>, i: number): Float32Array {
  const size = data.windowLength * FEATURE_COUNT;
  return data.features.subarray(i * size, (i + 1) * size);
}

/**
 * Splits by sample time: the samples starting before `validationFromSec` train,
 * the rest validate. All probes of a sample stay on one side, so no sample's
 * queue history leaks across. Returns example indices.
 */
export function splitBySampleTime(data: Pick<Dataset, 'columns' | 'count'>, validationFromSec: number): { train: Int32Array; validation: Int32Array } {
  const train: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < data.count; i++) (data.columns.sample_start_sec[i] < validationFromSec ? train : validation).push(i);
  return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

/** The sample start at which the last `fraction` of the samples (by start time) begins; for splitBySampleTime. */
export function sampleTimeQuantile(data: Pick<Dataset, 'columns' | 'count'>, fraction: number): number {
  const starts = [...new Set(data.columns.sample_start_sec)].sort((a, b) => a - b);
  if (starts.length === 0) return Number.POSITIVE_INFINITY;
  const keep = Math.round(starts.length * (1 - fraction));
  return keep >= starts.length ? Number.POSITIVE_INFINITY : starts[keep];
}

/** Copies the chosen examples (e.g. a split) into a compact set of arrays. */
export function takeRows(data: DatasetRows, rows: ArrayLike<number>): DatasetRows {
  const size = data.windowLength * FEATURE_COUNT;
  const features = new Float32Array(rows.length * size);
  const rewardSeconds = new Float32Array(rows.length);
  const columns = Object.fromEntries(EXAMPLE_COLUMN_NAMES.map((name) => [name, new Float64Array(rows.length)])) as Record<ExampleColumn, Float64Array>;
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    if (!(i >= 0 && i < data.count)) throw new Error(`takeRows: example ${i} out of range 0..${data.count - 1}`);
    features.set(data.features.subarray(i * size, (i + 1) * size), j * size);
    rewardSeconds[j] = data.rewardSeconds[i];
    for (const name of EXAMPLE_COLUMN_NAMES) columns[name][j] = data.columns[name][i];
  }
  return { count: rows.length, windowLength: data.windowLength, featureCount: FEATURE_COUNT, features, rewardSeconds, columns };
}
