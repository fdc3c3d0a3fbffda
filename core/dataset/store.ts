import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { DatasetConfig, Manifest, Shard } from './manifest.js';
import { DATASET_FORMAT, DATASET_SCHEMA_VERSION, ManifestSchema, stableJson } from './manifest.js';
import type { NpyData } from './npy.js';
import { readNpy, writeNpy } from './npy.js';
import type { SampleRecord } from './record.js';
import { CHAIN_FEATURES, QUEUE_FEATURES } from './windows.js';

/**
 * A dataset folder: manifest.json plus one .npy file per array. N examples
 * (one per sample and probe, sample-major, probes in order), M distinct
 * snapshot rows (see windows.ts for the shared-window layout).
 */

export const MANIFEST_FILE = 'manifest.json';

/** Per-example integer metadata: array name -> how to read it from a sample and probe. */
const EXAMPLE_COLUMNS = {
  sample_index: (s: SampleRecord) => s.sampleIndex,
  probe_index: (_s: SampleRecord, k: number) => k,
  sample_start_sec: (s: SampleRecord) => s.sampleStartSec,
  pred_submit_sec: (s: SampleRecord) => s.predSubmitSec,
  pred_start_sec: (s: SampleRecord) => s.predStartSec,
  pred_end_sec: (s: SampleRecord) => s.predEndSec,
  submit_sec: (s: SampleRecord, k: number) => s.probes[k].submitSec,
  succ_start_sec: (s: SampleRecord, k: number) => s.probes[k].succStartSec,
  forecast_wait_sec: (s: SampleRecord, k: number) => s.probes[k].forecastWaitSec,
  avg_wait_minutes: (s: SampleRecord) => s.avgWaitMinutes,
  queue_length: (s: SampleRecord) => s.queueLength,
} satisfies Record<string, (s: SampleRecord, k: number) => number>;

export type ExampleColumn = keyof typeof EXAMPLE_COLUMNS;
export const EXAMPLE_COLUMN_NAMES = Object.keys(EXAMPLE_COLUMNS) as ExampleColumn[];

export interface DatasetDescription {
  config: DatasetConfig;
  shard: Shard | null;
  featureNames: readonly string[];
  excludedSamples: number;
}

/** Writes records (ascending sample index) as a dataset folder; the manifest goes last, so its presence means complete. */
export async function writeDatasetFolder(dir: string, description: DatasetDescription, records: readonly SampleRecord[]): Promise<Manifest> {
  const windowLength = description.config.sim.snapshotWindow;
  for (const record of records) {
    if (record.windows.windowLength !== windowLength) {
      throw new Error(`sample ${record.sampleIndex}: windows of ${record.windows.windowLength} snapshots, the configuration says ${windowLength}`);
    }
  }
  for (let i = 1; i < records.length; i++) {
    if (records[i].sampleIndex <= records[i - 1].sampleIndex) throw new Error('dataset records must be in ascending sample order');
  }
  const examples = records.reduce((n, r) => n + r.probes.length, 0);
  const snapshotRows = records.reduce((n, r) => n + r.windows.snapshots.length / QUEUE_FEATURES, 0);
  const snapshots = new Float32Array(snapshotRows * QUEUE_FEATURES);
  const chainState = new Float32Array(examples * CHAIN_FEATURES);
  const windowStart = new BigInt64Array(examples);
  const rewards = new Float32Array(examples);
  const columns = Object.fromEntries(EXAMPLE_COLUMN_NAMES.map((name) => [name, new BigInt64Array(examples)])) as Record<ExampleColumn, BigInt64Array>;
  let row = 0;
  let example = 0;
  for (const record of records) {
    snapshots.set(record.windows.snapshots, row * QUEUE_FEATURES);
    chainState.set(record.windows.chainState, example * CHAIN_FEATURES);
    record.probes.forEach((probe, k) => {
      windowStart[example] = BigInt(row + record.windows.windowStart[k]);
      rewards[example] = probe.rewardSeconds;
      for (const name of EXAMPLE_COLUMN_NAMES) columns[name][example] = BigInt(EXAMPLE_COLUMNS[name](record, k));
      example++;
    });
    row += record.windows.snapshots.length / QUEUE_FEATURES;
  }

  const arrays: Array<[string, NpyData, number[]]> = [
    ['snapshots', snapshots, [snapshotRows, QUEUE_FEATURES]],
    ['chain_state', chainState, [examples, CHAIN_FEATURES]],
    ['window_start', windowStart, [examples]],
    ['reward_seconds', rewards, [examples]],
    ...EXAMPLE_COLUMN_NAMES.map((name): [string, NpyData, number[]] => [name, columns[name], [examples]]),
  ];
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = {
    format: DATASET_FORMAT,
    schemaVersion: DATASET_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    config: description.config,
    shard: description.shard,
    featureNames: [...description.featureNames],
    layout: { kind: 'shared-windows', windowLength, queueFeatures: QUEUE_FEATURES, chainFeatures: CHAIN_FEATURES },
    counts: { samples: records.length, excludedSamples: description.excludedSamples, examples, snapshotRows },
    arrays: {},
  };
  for (const [name, data, shape] of arrays) {
    const file = `${name}.npy`;
    await writeNpy(join(dir, file), data, shape);
    manifest.arrays[name] = { file, dtype: dtypeOf(data), shape };
  }
  await writeFileAtomic(join(dir, MANIFEST_FILE), stableJson(ManifestSchema.parse(manifest)));
  return manifest;
}

function dtypeOf(data: NpyData): '<f4' | '<f8' | '<i4' | '<i8' {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  return '<i8';
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${dir}: not a dataset folder (no ${MANIFEST_FILE}; an unfinished run can be completed with --resume)`, { cause: error });
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version < DATASET_SCHEMA_VERSION) {
    throw new Error(`${path}: a dataset of format version ${version}, written by an older version of ${TOOL_NAME}; generate it again (this version keeps each example's start estimate)`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface RawDataset {
  manifest: Manifest;
  snapshots: Float32Array;
  chainState: Float32Array;
  windowStart: Float64Array;
  rewardSeconds: Float32Array;
  columns: Record<ExampleColumn, Float64Array>;
}

/** Reads and cross-checks every array a manifest lists. */
export async function readRawDataset(dir: string): Promise<RawDataset> {
  const manifest = await readManifest(dir);
  const { examples, snapshotRows } = manifest.counts;
  const load = async (name: string, shape: number[], dtype: string): Promise<NpyData> => {
    const entry = manifest.arrays[name];
    if (!entry) throw new Error(`${dir}: manifest lists no array '${name}'`);
    const path = join(dir, entry.file);
    const array = await readNpy(path);
    if (array.descr !== dtype || array.shape.join(',') !== shape.join(',')) {
      throw new Error(`${path}: expected ${dtype} (${shape.join(', ')}), found ${array.descr} (${array.shape.join(', ')})`);
    }
    return array.data;
  };
  const toNumbers = (data: NpyData): Float64Array => Float64Array.from(data as BigInt64Array, Number);
  const snapshots = (await load('snapshots', [snapshotRows, QUEUE_FEATURES], '<f4')) as Float32Array;
  const chainState = (await load('chain_state', [examples, CHAIN_FEATURES], '<f4')) as Float32Array;
  const windowStart = toNumbers(await load('window_start', [examples], '<i8'));
  const rewardSeconds = (await load('reward_seconds', [examples], '<f4')) as Float32Array;
  const columns = {} as Record<ExampleColumn, Float64Array>;
  for (const name of EXAMPLE_COLUMN_NAMES) columns[name] = toNumbers(await load(name, [examples], '<i8'));
  for (let i = 0; i < examples; i++) {
    if (!(windowStart[i] >= 0 && windowStart[i] + manifest.layout.windowLength <= snapshotRows)) {
      throw new Error(`${dir}: window_start[${i}] = ${windowStart[i]} leaves the ${snapshotRows} snapshot rows`);
    }
  }
  return { manifest, snapshots, chainState, windowStart, rewardSeconds, columns };
}

/**
 * Splits a dataset back into its sample records (the inverse of
 * writeDatasetFolder), which is how shards are merged. A sample's rows run
 * from its first window's start to the next sample's.
 */
export function toSampleRecords(raw: RawDataset): SampleRecord[] {
  const { columns, windowStart } = raw;
  const n = raw.rewardSeconds.length;
  const records: SampleRecord[] = [];
  let first = 0;
  while (first < n) {
    let end = first + 1;
    while (end < n && columns.sample_index[end] === columns.sample_index[first]) end++;
    const rowFrom = windowStart[first];
    const rowTo = end < n ? windowStart[end] : raw.snapshots.length / QUEUE_FEATURES;
    const at = (name: ExampleColumn): number => columns[name][first];
    records.push({
      sampleIndex: at('sample_index'),
      sampleStartSec: at('sample_start_sec'),
      predSubmitSec: at('pred_submit_sec'),
      predStartSec: at('pred_start_sec'),
      predEndSec: at('pred_end_sec'),
      avgWaitMinutes: at('avg_wait_minutes'),
      queueLength: at('queue_length'),
      probes: Array.from({ length: end - first }, (_, k) => ({
        submitSec: columns.submit_sec[first + k],
        succStartSec: columns.succ_start_sec[first + k],
        forecastWaitSec: columns.forecast_wait_sec[first + k],
        rewardSeconds: raw.rewardSeconds[first + k],
      })),
      windows: {
        windowLength: raw.manifest.layout.windowLength,
        snapshots: raw.snapshots.slice(rowFrom * QUEUE_FEATURES, rowTo * QUEUE_FEATURES),
        chainState: raw.chainState.slice(first * CHAIN_FEATURES, end * CHAIN_FEATURES),
        windowStart: Int32Array.from(windowStart.subarray(first, end), (s) => s - rowFrom),
      },
    });
    first = end;
  }
  return records;
}
