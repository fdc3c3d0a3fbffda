/**
 * The wait model: a ridge regression that predicts W, the successor's queue
 * wait if it were submitted now (hours), from a few features of the latest
 * queue snapshots, and turns it back into the reward a regressor rule reads.
 *
 * Why: reward = succ start - pred end = (now - pred end) + W, and at a
 * decision point everything but W is known exactly (pred end = pred start +
 * its limit, from the pred tuple of the newest snapshot). A reward regressor
 * has to learn that identity from data and is off by 1-2 h; this model only
 * learns W, which is 0 most of the time and is about the queue, not about
 * where the decision lies in the predecessor's run, so every probe of a
 * training sample teaches it (wherever the probes sit).
 *
 * Pure TypeScript (a closed-form solve over ~16 numbers; no TensorFlow.js),
 * deterministic: same data -> same bytes.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { heldOutNames } from '../held-out-names.js';
import { WAIT_FEATURE_NAMES, WaitInputSchema, columnIndex, waitHoursOf, rewardFromWaitHours, timeToPredEndHours, waitFeaturesOf } from './wait-features.js';
import type { WaitRows, WindowLayout } from './wait-features.js';
import { WAIT_RISK_KIND, WaitRiskModelSchema, forecastFor, predictRisk } from './wait-risk.js';
import type { QueueState } from '../sim/forecast.js';
import type { WaitRiskModel } from './wait-risk.js';
import { RISK_FEATURE_NAMES } from './wait-features.js';

const RISK_FEATURES: readonly string[] = RISK_FEATURE_NAMES;

export { WAIT_FEATURE_NAMES, rewardFromWaitHours } from './wait-features.js';

export const WAIT_MODEL_FILE = 'mirage-wait-model.json';
export const WAIT_MODEL_KIND = 'wait-linear';

export const WaitModelSchema = z.strictObject({
  kind: z.literal(WAIT_MODEL_KIND),
  schemaVersion: z.literal(1),
  /** What the weights predict and how a prediction becomes the reward validation reads. */
  target: z.strictObject({
    predicts: z.literal('wait'),
    unit: z.literal('hours'),
    toReward: z.literal('reward = max(0, predicted wait) - (pred limit - pred run so far)'),
  }),
  input: WaitInputSchema,
  clusterNodes: z.number().int().positive(),
  ridgeLambda: z.number().nonnegative(),
  features: z.array(z.string()),
  weights: z.array(z.number()),
  // Files from before the held-out tail had its name say validationRows, validationMae: read under today's names.
  dataset: z.preprocess(heldOutNames, z.strictObject({ rows: z.number().int(), trainRows: z.number().int(), heldOutRows: z.number().int(), skippedRows: z.number().int() })),
  /** Held-out (last fraction of samples by time) errors, hours. */
  metrics: z.preprocess(heldOutNames, z.record(z.string(), z.number())),
});
export type WaitModel = z.infer<typeof WaitModelSchema>;

/** Training rows as the dataset reader gives them; `heldOut`: the held-out rows (scored only). */
export interface WaitTrainingRows extends WaitRows {
  heldOut: ArrayLike<number>;
}

export interface FitWaitOptions {
  clusterNodes: number;
  /** Ridge penalty per row on every weight but the bias (default 0.01, chosen on the held-out training samples). */
  lambda?: number;
}

/** Solves A w = b (A symmetric positive definite after the ridge term) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let p = 0; p < n; p++) {
    let pivot = p;
    for (let r = p + 1; r < n; r++) if (Math.abs(m[r][p]) > Math.abs(m[pivot][p])) pivot = r;
    [m[p], m[pivot]] = [m[pivot], m[p]];
    if (m[p][p] === 0) throw new Error('wait model: singular system (no training rows?)');
    for (let r = 0; r < n; r++) {
      if (r === p) continue;
      const factor = m[r][p] / m[p][p];
      if (factor !== 0) for (let q = p; q <= n; q++) m[r][q] -= factor * m[p][q];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

const dot = (w: readonly number[], x: readonly number[]): number => x.reduce((s, v, i) => s + v * w[i], 0);

/** Fits the ridge regression of W (hours) on the train rows; reports held-out errors. */
export function fitWaitModel(rows: WaitTrainingRows, options: FitWaitOptions): WaitModel {
  const lambda = options.lambda ?? 0.01;
  const layout: WindowLayout = { seqLen: rows.seqLen, featureNames: rows.featureNames };
  const col = columnIndex(rows.featureNames, 'training data');
  const d = WAIT_FEATURE_NAMES.length;
  const a = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const b = new Array<number>(d).fill(0);
  let used = 0;
  let skipped = 0;
  for (let j = 0; j < rows.train.length; j++) {
    const i = rows.train[j];
    const y = waitHoursOf(rows, i);
    if (!Number.isFinite(y)) {
      skipped++;
      continue;
    }
    const { x } = waitFeaturesOf(rows.features, i, layout, col, options.clusterNodes);
    for (let p = 0; p < d; p++) {
      b[p] += x[p] * y;
      for (let q = 0; q < d; q++) a[p][q] += x[p] * x[q];
    }
    used++;
  }
  if (used === 0) throw new Error('wait model: no training rows');
  for (let p = 1; p < d; p++) a[p][p] += lambda * used;
  const weights = solve(a, b);

  let waitErr = 0;
  let rewardErr = 0;
  let meanWait = 0;
  let n = 0;
  for (let j = 0; j < rows.heldOut.length; j++) {
    const i = rows.heldOut[j];
    const y = waitHoursOf(rows, i);
    if (!Number.isFinite(y)) continue;
    const { x } = waitFeaturesOf(rows.features, i, layout, col, options.clusterNodes);
    const predicted = Math.max(0, dot(weights, x));
    waitErr += Math.abs(predicted - y);
    meanWait += y;
    // The exact reward of the row, against the model's reward through the same conversion.
    const newest = (i * rows.seqLen + rows.seqLen - 1) * rows.featureNames.length;
    const ttl = timeToPredEndHours(rows.features, newest, col);
    rewardErr += Math.abs(rewardFromWaitHours(predicted, ttl) - rewardFromWaitHours(y, ttl));
    n++;
  }
  const metrics: Record<string, number> = { trainRows: used };
  if (n > 0) {
    metrics.heldOutWaitMaeHours = waitErr / n;
    metrics.heldOutMeanWaitHours = meanWait / n;
    metrics.heldOutMae = rewardErr / n;
  }
  return {
    kind: WAIT_MODEL_KIND,
    schemaVersion: 1,
    target: { predicts: 'wait', unit: 'hours', toReward: 'reward = max(0, predicted wait) - (pred limit - pred run so far)' },
    input: { featureMode: rows.featureMode, featureNames: [...rows.featureNames], seqLen: rows.seqLen },
    clusterNodes: options.clusterNodes,
    ridgeLambda: lambda,
    features: [...WAIT_FEATURE_NAMES],
    weights,
    dataset: { rows: rows.count, trainRows: used, heldOutRows: n, skippedRows: skipped },
    metrics,
  };
}

/** Predicted reward hours for `count` raw windows [count, seqLen, features]: the wait prediction turned back into a reward. */
export function predictRewardHours(model: WaitModel, windows: Float32Array, count: number): Float32Array {
  const layout: WindowLayout = { seqLen: model.input.seqLen, featureNames: model.input.featureNames };
  const size = layout.seqLen * layout.featureNames.length;
  if (windows.length < count * size) throw new Error(`wait model: expected ${count} windows of ${layout.seqLen} x ${layout.featureNames.length} values, got ${windows.length}`);
  const col = columnIndex(layout.featureNames, 'wait model');
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const { x, timeToEndHours } = waitFeaturesOf(windows, k, layout, col, model.clusterNodes);
    out[k] = rewardFromWaitHours(Math.max(0, dot(model.weights, x)), timeToEndHours);
  }
  return out;
}

export async function saveWaitModel(dir: string, model: AnyWaitModel): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, WAIT_MODEL_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(model, null, 1) + '\n');
  await rename(tmp, path);
}

/** Either wait-based model, as saved in a model folder's mirage-wait-model.json. */
export type AnyWaitModel = WaitModel | WaitRiskModel;

export async function readWaitModel(dir: string): Promise<AnyWaitModel> {
  const path = join(dir, WAIT_MODEL_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable wait model: ${(error as Error).message}`, { cause: error });
  }
  const kind = (json as { kind?: unknown } | null)?.kind;
  const schema = kind === WAIT_RISK_KIND ? WaitRiskModelSchema : WaitModelSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const model = parsed.data;
  const expected: readonly string[] = model.kind === WAIT_RISK_KIND ? RISK_FEATURES : WAIT_FEATURE_NAMES;
  if (model.features.length !== expected.length || model.features.some((name, i) => name !== expected[i])) {
    throw new Error(`${path}: written for other wait features than this version computes`);
  }
  if (model.kind === WAIT_MODEL_KIND && model.weights.length !== model.features.length) throw new Error(`${path}: ${model.weights.length} weights for ${model.features.length} features`);
  if (model.kind === WAIT_RISK_KIND) {
    const d = model.features.length;
    const ok = model.featureMeans.length === d && model.featureStds.length === d && model.weights.length === model.thresholdsHours.length && model.weights.every((w) => w.length === d);
    if (!ok) throw new Error(`${path}: the weights, thresholds and feature statistics do not have matching sizes`);
  }
  return model;
}

/** Whether a model folder holds a wait model (rather than a TensorFlow.js model). */
export async function isWaitModelDir(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, WAIT_MODEL_FILE));
    return true;
  } catch {
    return false;
  }
}

/**
 * The predictor validation asks. wait-linear: reward hours, read by a
 * regressor rule; wait-risk: P(submitting now still interrupts), read by a
 * risk rule.
 */
export interface WaitPredictor {
  readonly kind: typeof WAIT_MODEL_KIND | typeof WAIT_RISK_KIND;
  readonly seqLen: number;
  readonly featureNames: readonly string[];
  readonly featureMode: 'decision' | 'reference';
  readonly model: AnyWaitModel;
  predictHours?(windows: Float32Array, count: number): Float32Array;
  /** `queues[k]`: the queue at window k's decision, from which the model makes its start estimate. */
  predictRisk?(windows: Float32Array, count: number, queues: readonly (QueueSource | undefined)[]): Float32Array;
  dispose(): void;
}

/** The running and pending jobs at a decision, read on demand (the simulator's engine, or squeue's jobs). */
export type QueueSource = () => QueueState;

export function waitPredictor(model: AnyWaitModel): WaitPredictor {
  const base = { kind: model.kind, seqLen: model.input.seqLen, featureNames: model.input.featureNames, featureMode: model.input.featureMode, model, dispose: () => undefined };
  if (model.kind === WAIT_RISK_KIND) {
    const forecasts = (windows: Float32Array, count: number, queues: readonly (QueueSource | undefined)[]): Float64Array =>
      Float64Array.from({ length: count }, (_, k) => {
        const queue = queues[k];
        if (!queue) throw new Error('a wait-risk model reads the scheduler\'s start estimate: the decision came without its queue');
        return forecastFor(model, queue(), windows, k);
      });
    return { ...base, predictRisk: (windows, count, queues) => predictRisk(model, windows, count, forecasts(windows, count, queues)) };
  }
  return { ...base, predictHours: (windows, count) => predictRewardHours(model, windows, count) };
}

export async function loadWaitModel(dir: string): Promise<WaitPredictor> {
  return waitPredictor(await readWaitModel(dir));
}
