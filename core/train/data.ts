/**
 * Training data in memory, and how it is split. A row is one (sample, probe):
 * a window of seqLen snapshots x featureCount features and the reward of
 * submitting the successor at that probe. Rows of one sample share their
 * queue history, so every split is made by sample, in time order: a sample's
 * probes never sit on both sides.
 */
import { heldOutCount, splitHeldOut } from '../dataset/split.js';
import type { FeatureMode } from '../model/manifest.js';

export interface TrainingData {
  /** [rows, seqLen, featureCount], row-major, snapshots oldest first. */
  features: Float32Array;
  /** [rows]: successor start - predecessor end, seconds. */
  rewardsSeconds: Float32Array;
  /**
   * [rows]: the successor's queue wait when submitted at this probe (its start
   * - its submission), seconds: what a wait-risk network learns. Absent: only
   * the reward target can be trained.
   */
  waitSeconds?: ArrayLike<number>;
  /** [rows]: the sample each row belongs to. */
  sampleIndex: ArrayLike<number>;
  /** [rows]: the sample's start time (seconds, trace clock). */
  sampleStartSec: ArrayLike<number>;
  /** [rows]: probe number within the sample. */
  probe: ArrayLike<number>;
  seqLen: number;
  featureCount: number;
  featureMode: FeatureMode;
  featureNames: string[];
  /** Content hash of the dataset (recorded in the model). */
  datasetHash: string;
  /** Seconds of trace each sample replays: the gap before the held-out tail (core/dataset/split.ts); 0 or absent: none. */
  replaySec?: number;
}

export function rowCount(data: TrainingData): number {
  return data.rewardsSeconds.length;
}

/** Checks the arrays agree with each other. */
export function validateTrainingData(data: TrainingData): void {
  const rows = rowCount(data);
  const window = data.seqLen * data.featureCount;
  if (data.features.length !== rows * window) {
    throw new Error(`training data: ${data.features.length} feature values for ${rows} rows of ${data.seqLen} x ${data.featureCount}`);
  }
  for (const [name, arr] of [
    ['sampleIndex', data.sampleIndex],
    ['sampleStartSec', data.sampleStartSec],
    ['probe', data.probe],
  ] as const) {
    if (arr.length !== rows) throw new Error(`training data: ${name} has ${arr.length} entries for ${rows} rows`);
  }
  if (data.featureNames.length !== data.featureCount) {
    throw new Error(`training data: ${data.featureNames.length} feature names for ${data.featureCount} features`);
  }
  for (let i = 0; i < rows; i++) {
    if (!Number.isFinite(data.rewardsSeconds[i])) throw new Error(`training data: row ${i} has a non-finite reward`);
  }
  if (data.waitSeconds !== undefined && data.waitSeconds.length !== rows) throw new Error(`training data: waitSeconds has ${data.waitSeconds.length} entries for ${rows} rows`);
}

/** Rows grouped by sample, groups in data order (the order samples first appear). */
export function samplesInDataOrder(data: TrainingData, rows?: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  const all = rows ?? Array.from({ length: rowCount(data) }, (_, i) => i);
  for (let i = 0; i < all.length; i++) {
    const row = all[i];
    const key = data.sampleIndex[row];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(row);
  }
  return [...groups.values()];
}

/** Rows grouped by sample, groups in time order (sample start, then index). */
export function samplesInTimeOrder(data: TrainingData, rows?: ArrayLike<number>): number[][] {
  const groups = samplesInDataOrder(data, rows);
  return groups.sort((a, b) => data.sampleStartSec[a[0]] - data.sampleStartSec[b[0]] || data.sampleIndex[a[0]] - data.sampleIndex[b[0]]);
}

export interface RowSplit {
  train: Uint32Array;
  heldOut: Uint32Array;
  trainSamples: number;
  heldOutSamples: number;
}

/**
 * The last `heldOutFraction` of the samples (by time) validate, the rest
 * train. At least one sample trains; validation may be empty for fraction 0.
 */
export function splitGroups(groups: number[][], heldOutFraction: number): RowSplit {
  const heldOutSamples = heldOutCount(groups.length, heldOutFraction);
  const trainGroups = groups.slice(0, groups.length - heldOutSamples);
  const heldOutGroups = groups.slice(groups.length - heldOutSamples);
  return {
    train: Uint32Array.from(trainGroups.flat()),
    heldOut: Uint32Array.from(heldOutGroups.flat()),
    trainSamples: trainGroups.length,
    heldOutSamples: heldOutGroups.length,
  };
}

/**
 * The held-out tail of the samples (core/dataset/split.ts, the one split every
 * fit and calibration uses): `validation` rows are the held-out ones; samples
 * in the gap before them train nowhere.
 */
export function splitBySampleTime(data: TrainingData, heldOutFraction: number, rows?: ArrayLike<number>): RowSplit {
  const groups = samplesInTimeOrder(data, rows);
  const split = splitHeldOut(groups.map((g) => data.sampleStartSec[g[0]]), heldOutFraction, data.replaySec ?? 0);
  return {
    train: Uint32Array.from(split.fit.flatMap((i) => groups[i])),
    heldOut: Uint32Array.from(split.heldOut.flatMap((i) => groups[i])),
    trainSamples: split.fit.length,
    heldOutSamples: split.heldOut.length,
  };
}

/**
 * The wait-risk labels, [rows, thresholds] row-major: 1 where the successor's
 * wait exceeds the threshold. Throws when the data carries no waits or a wait
 * is not a finite number >= 0.
 */
export function waitExceedsLabels(data: TrainingData, thresholdsHours: readonly number[]): Float32Array {
  const waits = data.waitSeconds;
  if (!waits) throw new Error("training data: the wait-risk target needs each row's successor wait (a dataset folder's submit_sec and succ_start_sec)");
  const k = thresholdsHours.length;
  const out = new Float32Array(waits.length * k);
  for (let i = 0; i < waits.length; i++) {
    const w = waits[i];
    if (!(w >= 0 && Number.isFinite(w))) throw new Error(`training data: row ${i} has a successor wait of ${w} s (expected a finite number >= 0)`);
    for (let j = 0; j < k; j++) out[i * k + j] = w / 3600 > thresholdsHours[j] ? 1 : 0;
  }
  return out;
}

/** Rewards in hours, the unit the models are trained in. */
export function rewardsHours(data: TrainingData): Float32Array {
  const out = new Float32Array(rowCount(data));
  for (let i = 0; i < out.length; i++) out[i] = data.rewardsSeconds[i] / 3600;
  return out;
}

/** Copies the windows of `rows` into one contiguous [rows, seqLen, featureCount] array. */
export function gatherWindows(features: Float32Array, rows: ArrayLike<number>, window: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(rows.length * window);
  for (let i = 0; i < rows.length; i++) out.set(features.subarray(rows[i] * window, (rows[i] + 1) * window), i * window);
  return out;
}
