/**
 * The wait-risk model: the probability that the successor, if submitted now,
 * would still start after the predecessor ends, P(W > time left), where W is
 * its queue wait. One logistic regression per wait threshold tau (a grid from
 * minutes to a day and a half) over standardised queue features; the
 * probability at the exact time left is read between the two nearest
 * thresholds (linear in log(1 + hours)) and kept non-increasing in tau.
 *
 * Why a probability, not the mean wait (wait-linear): the wait is 0 most of
 * the time and has a long tail, so its mean is above 0 even when the queue is
 * idle, and a rule on the mean submits early and pays overlap where reactive
 * pays nothing. Submitting when P(W > time left) reaches a threshold p is the
 * newsvendor rule for the cost interruption + overlap / R (p = 1 / (1 + R) if
 * the probability were exact; the threshold is calibrated on held-out
 * training samples instead): on an idle queue the probability stays near 0
 * until the predecessor is about to end, so the policy waits like reactive.
 *
 * The probability alone submits too early where the queue is about to
 * drain: the start estimate it reads assumes every running job runs to its
 * time limit, and most end well before. So the output is read as 0 while
 * the predecessor's end is further away than `waitShareOfEstimate` times
 * the estimate (the lower quartile of wait / estimate on the training rows).
 * At that much time left the successor still outwaits the time left in three
 * training rows out of four, so a submission held back to it seldom pays
 * overlap; with more time left it pays overlap more often. The share scales
 * with the queue: a fixed cap in hours (the rule's maxLeadHours) either holds back
 * where the waits are a day long or lets the model submit hours early into
 * an idle queue, and the held-out tail that calibrates it is often too idle
 * to tell which.
 *
 * Each decision reads the predecessor's end `leadMarginHours` (20 minutes)
 * nearer than it is: the output at time left T is the one at T - margin, so
 * the model submits up to two decisions earlier than its rule would at T.
 * Held back to the share, it mostly submits too late by minutes rather than
 * hours; a successor already in the queue when nodes free up takes them, so
 * the margin turns many short interruptions into none, for at most 20
 * minutes of overlap where the model submits early. On an idle queue the
 * risk at T - margin stays below the threshold, as at T.
 *
 * Pure TypeScript, deterministic (Newton's method from zero weights).
 */
import { z } from 'zod';
import { engineContext } from '../sim/chain.js';
import { SimConfigSchema } from '../sim/config.js';
import type { EngineContext } from '../sim/engine.js';
import type { SimConfig } from '../sim/config.js';
import { percentileSorted } from '../sim/features.js';
import { forecastWaitMinutes } from '../sim/forecast.js';
import type { QueueState } from '../sim/forecast.js';
import { RiskScores, sigmoid, survivalFromLogits } from './risk-output.js';
import { RISK_FEATURE_NAMES, WaitInputSchema, columnIndex, waitHoursOf, successorJobOf, waitFeaturesOf } from './wait-features.js';
import type { WaitRows, WindowLayout } from './wait-features.js';

export const WAIT_RISK_KIND = 'wait-risk';

/** Wait thresholds (hours) with one classifier each. */
export const RISK_THRESHOLDS_HOURS = [0.05, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 36] as const;

export const WaitRiskModelSchema = z.strictObject({
  kind: z.literal(WAIT_RISK_KIND),
  /** 2: reads the scheduler's start estimate, made with `scheduler`; 3: also holds back by it (waitShareOfEstimate); 4: and decides a margin ahead (leadMarginHours). */
  schemaVersion: z.union([z.literal(2), z.literal(3), z.literal(4)]),
  target: z.strictObject({
    predicts: z.literal('risk'),
    meaning: z.literal('P(successor wait > time until the predecessor ends), if submitted now'),
  }),
  input: WaitInputSchema,
  clusterNodes: z.number().int().positive(),
  /** The scheduler of the training data: live start estimates are made with it, as the training rows' were. */
  scheduler: SimConfigSchema,
  ridgeLambda: z.number().nonnegative(),
  features: z.array(z.string()),
  /** Standardisation of each feature (the bias keeps mean 0, std 1). */
  featureMeans: z.array(z.number()),
  featureStds: z.array(z.number().positive()),
  thresholdsHours: z.array(z.number().positive()),
  /** One weight vector per threshold, over the standardised features. */
  weights: z.array(z.array(z.number())),
  dataset: z.strictObject({ rows: z.number().int(), trainRows: z.number().int(), heldOutRows: z.number().int(), skippedRows: z.number().int() }),
  /** Held-out scores of the "submit now still interrupts" probability at each row's own time left. */
  metrics: z.record(z.string(), z.number()),
  /**
   * The output reads 0 while the time left exceeds this share of the start
   * estimate (from version 3; version 2 models have none and never hold back by it).
   */
  waitShareOfEstimate: z.number().positive().max(1).optional(),
  /**
   * Hours by which every decision reads the predecessor's end as nearer than
   * it is: the output at time left T is the one at T - leadMarginHours
   * (version 4; earlier versions decide at T itself).
   */
  leadMarginHours: z.number().nonnegative().max(2).optional(),
})
  .refine((m) => (m.schemaVersion >= 3) === (m.waitShareOfEstimate !== undefined), {
    message: 'waitShareOfEstimate is required from schema version 3 and unknown to version 2',
    path: ['waitShareOfEstimate'],
  })
  .refine((m) => (m.schemaVersion === 4) === (m.leadMarginHours !== undefined), {
    message: 'leadMarginHours is required by schema version 4 and unknown to earlier versions',
    path: ['leadMarginHours'],
  });
export type WaitRiskModel = z.infer<typeof WaitRiskModelSchema>;

export interface RiskTrainingRows extends WaitRows {
  /** The scheduler's start estimate at each row's submission, seconds (the dataset's forecast_wait_sec). */
  forecastWaitSec: ArrayLike<number>;
  /** Rows scored only (metrics). */
  heldOut: ArrayLike<number>;
}


/** Solves the symmetric positive definite system A x = b (Cholesky). */
function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) throw new Error('wait-risk model: the system is not positive definite');
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

/**
 * Ridge-penalised logistic regression by Newton's method (the bias, column 0,
 * unpenalised). Rows are standardised feature vectors.
 */
export function fitLogistic(xs: readonly number[][], ys: readonly number[], lambda: number, iterations = 25): number[] {
  const d = xs[0].length;
  const w = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    const g = new Array<number>(d).fill(0);
    for (let r = 0; r < xs.length; r++) {
      const x = xs[r];
      let z = 0;
      for (let p = 0; p < d; p++) z += w[p] * x[p];
      const p1 = sigmoid(z);
      const err = p1 - ys[r];
      const s = Math.max(p1 * (1 - p1), 1e-9);
      for (let p = 0; p < d; p++) {
        g[p] += err * x[p];
        const sp = s * x[p];
        for (let q = 0; q <= p; q++) h[p][q] += sp * x[q];
      }
    }
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < p; q++) h[q][p] = h[p][q];
      if (p > 0) {
        h[p][p] += lambda * xs.length;
        g[p] += lambda * xs.length * w[p];
      } else h[p][p] += 1e-9 * xs.length;
    }
    const step = solveSpd(h, g);
    let largest = 0;
    for (let p = 0; p < d; p++) {
      w[p] -= step[p];
      largest = Math.max(largest, Math.abs(step[p]));
    }
    if (largest < 1e-8) break;
  }
  return w;
}

/** P(W > tau) for every threshold of the model, from raw features, made non-increasing in tau (as a wait-risk network's). */
function thresholdProbabilities(model: Pick<WaitRiskModel, 'featureMeans' | 'featureStds' | 'weights'>, x: readonly number[]): number[] {
  const z = x.map((v, i) => (v - model.featureMeans[i]) / model.featureStds[i]);
  const logits = model.weights.map((w) => w.reduce((s, wi, i) => s + wi * z[i], 0));
  return survivalFromLogits(logits, 0, logits.length);
}

/** Reads P(W > hours) between the thresholds, linear in log1p(hours); beyond the grid, the nearest end. */
export function riskAt(thresholdsHours: readonly number[], probabilities: readonly number[], hours: number): number {
  if (hours <= thresholdsHours[0]) return probabilities[0];
  const last = thresholdsHours.length - 1;
  if (hours >= thresholdsHours[last]) return probabilities[last];
  let j = 1;
  while (thresholdsHours[j] < hours) j++;
  const a = Math.log1p(thresholdsHours[j - 1]);
  const b = Math.log1p(thresholdsHours[j]);
  const t = (Math.log1p(hours) - a) / (b - a);
  return probabilities[j - 1] + (probabilities[j] - probabilities[j - 1]) * t;
}

export interface FitRiskOptions {
  clusterNodes: number;
  /** The simulator settings the training rows' start estimates were made with (the dataset's). */
  scheduler: SimConfig;
  /** Ridge penalty per row on the standardised weights (default 0.001, chosen by held-out log loss on LS6's training period). */
  lambda?: number;
}

/** Rows whose start estimate is at least this long say how the wait compares with the estimate (shorter ones are mostly 0 against 0). */
const SHARE_MIN_ESTIMATE_HOURS = 0.5;
/** Fewer such rows than this (an idle training period) say too little: the share is 1, holding back only where the estimate itself is shorter than the time left. */
const SHARE_MIN_ROWS = 20;
/**
 * Which quantile of wait / estimate: chosen on the LS6 training-period folds
 * (pooled fold cost 1.051 h at 0.1, 0.823 h at 0.25, 0.860 h at 0.5, where the
 * low-load samples also paid more than reactive). Swept again with one
 * decision and no caps: 0.3 and 0.4 cost less on the folds, not
 * significantly, and significantly more on the low-load samples
 * (docs/results.md).
 */
const SHARE_QUANTILE = 0.25;

/**
 * How far ahead each decision reads the predecessor's end: 20 minutes, two
 * decision intervals. Chosen on the LS6 training-period folds: pooled fold
 * cost 0.785 h with none; 0.786, 0.746, 0.736, 0.759 and 0.884 h at 10, 15,
 * 20, 25 and 30 minutes, the low-load samples significantly worse than with
 * none from 25 minutes on (docs/results.md).
 */
const LEAD_MARGIN_HOURS = 1 / 3;

/**
 * The lower quartile of wait / start estimate over rows whose estimate is at
 * least half an hour: the share of the estimate that the successor, submitted
 * with that much time left, outwaits in three training rows out of four.
 */
export function waitShareOfEstimate(waitsHours: readonly number[], estimatesHours: readonly number[]): number {
  const ratios: number[] = [];
  waitsHours.forEach((w, i) => {
    if (estimatesHours[i] >= SHARE_MIN_ESTIMATE_HOURS) ratios.push(Math.min(w / estimatesHours[i], 1));
  });
  if (ratios.length < SHARE_MIN_ROWS) return 1;
  ratios.sort((a, b) => a - b);
  const share = percentileSorted(ratios, ratios.length, SHARE_QUANTILE * 100);
  // A share of 0 would never let the model submit early: keep it positive (a minute's worth of a 36-hour estimate).
  return Math.max(share, 1 / (36 * 60));
}

/** Fits one classifier per threshold on the train rows; scores the risk at each held-out row's own time left. */
export function fitWaitRiskModel(rows: RiskTrainingRows, options: FitRiskOptions): WaitRiskModel {
  const lambda = options.lambda ?? 0.001;
  const layout: WindowLayout = { seqLen: rows.seqLen, featureNames: rows.featureNames };
  const col = columnIndex(rows.featureNames, 'training data');
  const xs: number[][] = [];
  const ws: number[] = [];
  const estimates: number[] = [];
  let skipped = 0;
  for (let j = 0; j < rows.train.length; j++) {
    const i = rows.train[j];
    const y = waitHoursOf(rows, i);
    if (!Number.isFinite(y)) {
      skipped++;
      continue;
    }
    xs.push(waitFeaturesOf(rows.features, i, layout, col, options.clusterNodes, { forecastWaitSec: rows.forecastWaitSec[i] }).x);
    ws.push(y);
    estimates.push(rows.forecastWaitSec[i] / 3600);
  }
  if (xs.length === 0) throw new Error('wait-risk model: no training rows');
  const d = RISK_FEATURE_NAMES.length;
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(1);
  for (let p = 1; p < d; p++) {
    let m = 0;
    for (const x of xs) m += x[p];
    m /= xs.length;
    let v = 0;
    for (const x of xs) v += (x[p] - m) ** 2;
    means[p] = m;
    // A constant column (e.g. a feature that never varies in this trace) keeps std 1: its weight stays 0 under the ridge.
    stds[p] = Math.sqrt(v / xs.length) > 1e-9 ? Math.sqrt(v / xs.length) : 1;
  }
  const zs = xs.map((x) => x.map((v, p) => (v - means[p]) / stds[p]));
  const weights = RISK_THRESHOLDS_HOURS.map((tau) => fitLogistic(zs, ws.map((w) => (w > tau ? 1 : 0)), lambda));
  const model: WaitRiskModel = {
    kind: WAIT_RISK_KIND,
    schemaVersion: 4,
    target: { predicts: 'risk', meaning: 'P(successor wait > time until the predecessor ends), if submitted now' },
    input: { featureMode: rows.featureMode, featureNames: [...rows.featureNames], seqLen: rows.seqLen },
    clusterNodes: options.clusterNodes,
    scheduler: options.scheduler,
    ridgeLambda: lambda,
    features: [...RISK_FEATURE_NAMES],
    featureMeans: means,
    featureStds: stds,
    thresholdsHours: [...RISK_THRESHOLDS_HOURS],
    weights,
    dataset: { rows: rows.count, trainRows: xs.length, heldOutRows: 0, skippedRows: skipped },
    metrics: { trainRows: xs.length },
    waitShareOfEstimate: waitShareOfEstimate(ws, estimates),
    leadMarginHours: LEAD_MARGIN_HOURS,
  };

  // Held-out: log loss and Brier score of "submitting at this probe still interrupts" (W > time left).
  const scores = new RiskScores();
  for (let j = 0; j < rows.heldOut.length; j++) {
    const i = rows.heldOut[j];
    const y = waitHoursOf(rows, i);
    if (!Number.isFinite(y)) continue;
    const { x, timeToEndHours } = waitFeaturesOf(rows.features, i, layout, col, options.clusterNodes, { forecastWaitSec: rows.forecastWaitSec[i] });
    scores.add(riskAt(model.thresholdsHours, thresholdProbabilities(model, x), timeToEndHours), y > timeToEndHours);
  }
  model.dataset.heldOutRows = scores.rows;
  Object.assign(model.metrics, scores.metrics());
  return model;
}

/**
 * P(successor wait > time left until pred ends) for `count` raw windows
 * [count, seqLen, features], each with the scheduler's start estimate for
 * the successor at that window (seconds; forecastFor computes it).
 */
export function predictRisk(model: WaitRiskModel, windows: Float32Array, count: number, forecastsSec: ArrayLike<number>): Float32Array {
  const layout: WindowLayout = { seqLen: model.input.seqLen, featureNames: model.input.featureNames };
  const size = layout.seqLen * layout.featureNames.length;
  if (windows.length < count * size) throw new Error(`wait-risk model: expected ${count} windows of ${layout.seqLen} x ${layout.featureNames.length} values, got ${windows.length}`);
  if (forecastsSec.length < count) throw new Error(`wait-risk model: ${count} windows but ${forecastsSec.length} start estimates`);
  const col = columnIndex(layout.featureNames, 'wait-risk model');
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const { x, timeToEndHours } = waitFeaturesOf(windows, k, layout, col, model.clusterNodes, { forecastWaitSec: forecastsSec[k] });
    // The decision reads the time left leadMarginHours short (see the head of this file).
    const hoursLeft = Math.max(0, timeToEndHours - (model.leadMarginHours ?? 0));
    out[k] = heldBack(model, hoursLeft, forecastsSec[k]) ? 0 : riskAt(model.thresholdsHours, thresholdProbabilities(model, x), hoursLeft);
  }
  return out;
}

/** Whether the predecessor's end is further away than the model's share of the start estimate (see the head of this file). */
export function heldBack(model: Pick<WaitRiskModel, 'waitShareOfEstimate'>, hoursLeft: number, estimateSec: number): boolean {
  return model.waitShareOfEstimate !== undefined && hoursLeft > (model.waitShareOfEstimate * estimateSec) / 3600;
}

const schedulers = new WeakMap<WaitRiskModel, EngineContext>();

/**
 * The scheduler's start estimate (seconds) for the successor of window `k`
 * (its size and limit from the window), on `queue`, with the model's own
 * scheduler settings: a live queue is estimated as the training rows were.
 */
export function forecastFor(model: WaitRiskModel, queue: QueueState, windows: Float32Array, k: number): number {
  let ctx = schedulers.get(model);
  if (!ctx) schedulers.set(model, (ctx = engineContext(model.scheduler)));
  const layout: WindowLayout = { seqLen: model.input.seqLen, featureNames: model.input.featureNames };
  const job = successorJobOf(windows, k, layout, columnIndex(layout.featureNames, 'wait-risk model'));
  return forecastWaitMinutes(ctx, queue, job) * 60;
}
