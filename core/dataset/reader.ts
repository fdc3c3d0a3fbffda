import { splitHeldOut } from './split.js';
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
 * The held-out tail of a dataset's samples (core/dataset/split.ts): example
 * indices fitted on and held out, and the held-out samples' indices (where the
 * pipeline calibrates the submit rule). All probes of a sample stay on one side.
 */
export function splitDatasetHeldOut(
  data: Pick<Dataset, 'columns' | 'count' | 'manifest'>,
  fraction: number,
): { train: Int32Array; heldOut: Int32Array; heldOutSamples: number[] } {
  const startOf = new Map<number, number>();
  for (let i = 0; i < data.count; i++) startOf.set(data.columns.sample_index[i], data.columns.sample_start_sec[i]);
  const samples = [...startOf.keys()].sort((a, b) => startOf.get(a)! - startOf.get(b)! || a - b);
  const schedule = data.manifest.config.schedule;
  const split = splitHeldOut(samples.map((s) => startOf.get(s)!), fraction, Math.round((schedule.warmupDays + schedule.workloadDays) * 86400));
  const side = new Map<number, 'fit' | 'held'>();
  for (const p of split.fit) side.set(samples[p], 'fit');
  for (const p of split.heldOut) side.set(samples[p], 'held');
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const s = side.get(data.columns.sample_index[i]);
    if (s === 'fit') train.push(i);
    else if (s === 'held') heldOut.push(i);
  }
  return { train: Int32Array.from(train), heldOut: Int32Array.from(heldOut), heldOutSamples: split.heldOut.map((p) => samples[p]) };
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
