/**
 * The queue features the wait-based models read (wait-linear, wait-risk):
 * a few numbers from the newest snapshots of a decision window, and the
 * exact time left until the predecessor ends. Pure, no I/O.
 */
import { z } from 'zod';

/** The snapshot columns the models read, by name (core/sim/features.ts FEATURE_NAMES). */
const USED_COLUMNS = [
  'pending_count',
  'pending_nodes',
  'pending_limit_min_p0',
  'pending_limit_min_p50',
  'pending_wait_s_p50',
  'pending_wait_s_p100',
  'running_nodes',
  'running_limit_min_p50',
  'running_run_s_p50',
  'pred_limit_min',
  'pred_run_s',
  'succ_limit_min',
  'succ_nodes',
] as const;
type UsedColumn = (typeof USED_COLUMNS)[number];

export const WAIT_FEATURE_NAMES = [
  'bias',
  'log1p_pending_count',
  'log1p_pending_nodes',
  'free_node_share',
  'no_free_node',
  'log1p_free_nodes',
  'log1p_pending_wait_p50_h',
  'log1p_pending_wait_p100_h',
  'log1p_pending_limit_p0_h',
  'log1p_pending_limit_p50_h',
  'log1p_pending_nodes_1h_ago',
  'free_node_share_1h_ago',
  'log1p_time_to_pred_end_h',
  'time_to_pred_end_share_of_48h',
  'log1p_running_run_p50_h',
  'log1p_running_limit_p50_h',
] as const;

/**
 * The wait-risk model's features: the queue features of the wait model
 * without the time left (the wait of a job submitted now does not depend on
 * where the predecessor is in its run, and the model reads the time left as
 * its threshold instead), plus whether the chain's job would fit in the free
 * nodes now (what decides a wide job's wait), the queue's recent history
 * (a backlog that has lasted hours drains slower than a burst), and the
 * scheduler's own start estimate for the job (core/sim/forecast.ts: every job
 * to its limit, nothing new), which follows the jobs ahead and the nodes they
 * free where the summary statistics cannot.
 */
export const RISK_FEATURE_NAMES = [
  ...WAIT_FEATURE_NAMES.filter((n) => !n.includes('time_to_pred_end')),
  'job_fits_now',
  'free_minus_job_share',
  'pending_nodes_per_job_share',
  'log1p_pending_nodes_3h_ago',
  'log1p_pending_nodes_6h_ago',
  'free_node_share_mean_6h',
  'log1p_pending_wait_p100_max_6h_h',
  'log1p_forecast_wait_h',
  'forecast_starts_now',
] as const;

/** Positions of the time-left features in WAIT_FEATURE_NAMES (left out of the risk features). */
const TIME_LEFT = WAIT_FEATURE_NAMES.flatMap((n, i) => (n.includes('time_to_pred_end') ? [i] : []));

/** What both wait-based model files say about their input: the windows they read. */
export const WaitInputSchema = z.strictObject({
  featureMode: z.enum(['decision', 'reference']),
  featureNames: z.array(z.string()),
  seqLen: z.number().int().positive(),
});

/** The training rows both wait-based fits take: windows [N, seqLen, F] and each row's successor submit and start, seconds. */
export interface WaitRows {
  features: Float32Array;
  count: number;
  seqLen: number;
  featureNames: readonly string[];
  featureMode: 'decision' | 'reference';
  submitSec: ArrayLike<number>;
  succStartSec: ArrayLike<number>;
  /** Row indices to fit on. */
  train: ArrayLike<number>;
}

/** Row i's successor wait in hours: its start minus its submission (what both wait models learn). */
export function waitHoursOf(rows: Pick<WaitRows, 'submitSec' | 'succStartSec'>, i: number): number {
  return (rows.succStartSec[i] - rows.submitSec[i]) / 3600;
}

/** Snapshots are 10 minutes apart: 6 back is an hour ago. */
const HOUR_BACK = 6;

export type ColumnIndex = Record<UsedColumn, number>;

export function columnIndex(featureNames: readonly string[], where: string): ColumnIndex {
  const index = {} as ColumnIndex;
  for (const name of USED_COLUMNS) {
    const i = featureNames.indexOf(name);
    if (i < 0) throw new Error(`${where}: the wait models need feature '${name}', which the data does not have`);
    index[name] = i;
  }
  return index;
}

export interface WindowLayout {
  seqLen: number;
  featureNames: readonly string[];
}

/**
 * Hours until the predecessor ends, from the newest snapshot's pred tuple
 * (limit minus run so far). Exact once pred has started; while it is still
 * pending its run so far is 0, so this is its whole limit (a lower bound).
 */
export function timeToPredEndHours(w: ArrayLike<number>, newest: number, col: ColumnIndex): number {
  return Math.max(0, w[newest + col.pred_limit_min] * 60 - w[newest + col.pred_run_s]) / 3600;
}

/** The chain job a window decides about: the successor tuple's size and limit (minutes), from the newest snapshot. */
export function successorJobOf(w: ArrayLike<number>, k: number, layout: WindowLayout, col: ColumnIndex): { nodes: number; limitMinutes: number } {
  const newest = (k * layout.seqLen + layout.seqLen - 1) * layout.featureNames.length;
  return { nodes: Math.max(1, w[newest + col.succ_nodes]), limitMinutes: w[newest + col.succ_limit_min] };
}

/** reward (hours) = W - time left until pred ends: the wait target turned back into what a regressor rule reads. */
export function rewardFromWaitHours(waitHours: number, timeToPredEndHoursValue: number): number {
  return waitHours - timeToPredEndHoursValue;
}

/**
 * The model inputs for window `k` of a [count, seqLen, features] buffer
 * (WAIT_FEATURE_NAMES, or RISK_FEATURE_NAMES given `risk`: the scheduler's
 * start estimate for the job at that window), plus the time left until pred
 * ends.
 */
export function waitFeaturesOf(
  w: ArrayLike<number>,
  k: number,
  layout: WindowLayout,
  col: ColumnIndex,
  clusterNodes: number,
  risk?: { forecastWaitSec: number },
): { x: number[]; timeToEndHours: number } {
  const f = layout.featureNames.length;
  const newest = (k * layout.seqLen + layout.seqLen - 1) * f;
  const back = (k * layout.seqLen + Math.max(0, layout.seqLen - 1 - HOUR_BACK)) * f;
  const lg = (v: number): number => Math.log1p(Math.max(0, v));
  const free = clusterNodes - w[newest + col.running_nodes];
  const ttl = timeToPredEndHours(w, newest, col);
  const x = [
    1,
    lg(w[newest + col.pending_count]),
    lg(w[newest + col.pending_nodes]),
    free / clusterNodes,
    free <= 0 ? 1 : 0,
    lg(free),
    lg(w[newest + col.pending_wait_s_p50] / 3600),
    lg(w[newest + col.pending_wait_s_p100] / 3600),
    lg(w[newest + col.pending_limit_min_p0] / 60),
    lg(w[newest + col.pending_limit_min_p50] / 60),
    lg(w[back + col.pending_nodes]),
    (clusterNodes - w[back + col.running_nodes]) / clusterNodes,
    lg(ttl),
    Math.min(ttl, 48) / 48,
    lg(w[newest + col.running_run_s_p50] / 3600),
    lg(w[newest + col.running_limit_min_p50] / 60),
  ];
  if (!risk) return { x, timeToEndHours: ttl };
  // The successor tuple carries the chain job's size even before it is submitted.
  const job = Math.max(1, w[newest + col.succ_nodes]);
  const row = (hoursBack: number): number => (k * layout.seqLen + Math.max(0, layout.seqLen - 1 - hoursBack * HOUR_BACK)) * f;
  let freeShare = 0;
  let oldest = 0;
  const rows = Math.min(layout.seqLen, 6 * HOUR_BACK);
  for (let j = 0; j < rows; j++) {
    const at = (k * layout.seqLen + layout.seqLen - 1 - j) * f;
    freeShare += (clusterNodes - w[at + col.running_nodes]) / clusterNodes;
    oldest = Math.max(oldest, w[at + col.pending_wait_s_p100]);
  }
  const out = x.filter((_, i) => !TIME_LEFT.includes(i));
  out.push(
    free >= job ? 1 : 0,
    (free - job) / clusterNodes,
    w[newest + col.pending_nodes] / (job * clusterNodes),
    lg(w[row(3) + col.pending_nodes]),
    lg(w[row(6) + col.pending_nodes]),
    freeShare / rows,
    lg(oldest / 3600),
    lg(risk.forecastWaitSec / 3600),
    risk.forecastWaitSec <= 0 ? 1 : 0,
  );
  return { x: out, timeToEndHours: ttl };
}
