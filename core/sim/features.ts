/**
 * The 42 numbers the models see per snapshot of the queue, as the reference's
 * feature function computes them: counts, node sums and numpy 'linear'
 * percentiles (0, 25, 50, 75, 100) of the pending and running jobs' limits,
 * waits and run times, then the predecessor's and successor's own tuples.
 * An empty set counts as the single value 0.
 */

/** (time limit [min], nodes, waited [s], run so far [s]): one job in a snapshot. */
export type JobTuple = readonly [limitMinutes: number, nodes: number, waitSec: number, runSec: number];

export interface Snapshot {
  pending: readonly JobTuple[];
  running: readonly JobTuple[];
  pred: JobTuple;
  succ: JobTuple;
}

export const FEATURES_PER_SNAPSHOT = 42;
/** Features that depend on the queue alone (the pred and succ tuples follow them). */
export const QUEUE_FEATURES = 34;

const PERCENTILES = [0, 25, 50, 75, 100] as const;

function percentileNames(prefix: string): string[] {
  return PERCENTILES.map((q) => `${prefix}_p${q}`);
}

export const FEATURE_NAMES: readonly string[] = [
  'pending_count',
  'pending_nodes',
  ...percentileNames('pending_limit_min'),
  ...percentileNames('pending_wait_s'),
  ...percentileNames('pending_run_s'),
  'running_count',
  'running_nodes',
  ...percentileNames('running_limit_min'),
  ...percentileNames('running_wait_s'),
  ...percentileNames('running_run_s'),
  'pred_limit_min',
  'pred_nodes',
  'pred_wait_s',
  'pred_run_s',
  'succ_limit_min',
  'succ_nodes',
  'succ_wait_s',
  'succ_run_s',
];

/**
 * numpy's percentile, method 'linear', of an ascending array (its first `n`
 * values), with numpy's own lerp (from the upper neighbour when the fraction
 * is >= 0.5) so results match to the last bit.
 */
export function percentileSorted(sorted: ArrayLike<number>, n: number, q: number): number {
  if (n === 0) return 0;
  const virtualIndex = (q / 100) * (n - 1);
  const below = Math.floor(virtualIndex);
  const above = Math.min(below + 1, n - 1);
  const t = virtualIndex - below;
  const a = sorted[below];
  const b = sorted[above];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Writes the five percentiles of `values[0..n)` (sorted in place) to out[at..at+5). */
function fivePercentiles(values: Float64Array, n: number, out: Float64Array | Float32Array | number[], at: number): void {
  if (n === 0) {
    for (let i = 0; i < 5; i++) out[at + i] = 0;
    return;
  }
  const view = values.subarray(0, n);
  view.sort();
  for (let i = 0; i < 5; i++) out[at + i] = percentileSorted(view, n, PERCENTILES[i]);
}

/** Column buffers for one set of jobs (pending or running); only the first `count` entries count. */
export interface JobColumns {
  count: number;
  nodesSum: number;
  limitMinutes: Float64Array;
  waitSec: Float64Array;
  runSec: Float64Array;
}

export function jobColumns(capacity: number): JobColumns {
  return {
    count: 0,
    nodesSum: 0,
    limitMinutes: new Float64Array(capacity),
    waitSec: new Float64Array(capacity),
    runSec: new Float64Array(capacity),
  };
}

/**
 * The 34 queue features into out[at..at+34). Sorts the column buffers in place
 * (they are scratch space). This is the fast path the simulator calls at each
 * snapshot; snapshotFeatures below is the same numbers from plain tuples.
 */
export function queueFeaturesInto(pending: JobColumns, running: JobColumns, out: Float64Array | Float32Array | number[], at: number): void {
  out[at] = pending.count;
  out[at + 1] = pending.nodesSum;
  fivePercentiles(pending.limitMinutes, pending.count, out, at + 2);
  fivePercentiles(pending.waitSec, pending.count, out, at + 7);
  fivePercentiles(pending.runSec, pending.count, out, at + 12);
  out[at + 17] = running.count;
  out[at + 18] = running.nodesSum;
  fivePercentiles(running.limitMinutes, running.count, out, at + 19);
  fivePercentiles(running.waitSec, running.count, out, at + 24);
  fivePercentiles(running.runSec, running.count, out, at + 29);
}

export function tupleFeaturesInto(pred: JobTuple, succ: JobTuple, out: Float64Array | Float32Array | number[], at: number): void {
  for (let i = 0; i < 4; i++) {
    out[at + i] = pred[i];
    out[at + 4 + i] = succ[i];
  }
}

function columnsOf(tuples: readonly JobTuple[]): JobColumns {
  const cols = jobColumns(tuples.length);
  cols.count = tuples.length;
  tuples.forEach((t, i) => {
    cols.limitMinutes[i] = t[0];
    cols.nodesSum += t[1];
    cols.waitSec[i] = t[2];
    cols.runSec[i] = t[3];
  });
  return cols;
}

/** The 42 features of one snapshot, in FEATURE_NAMES order. */
export function snapshotFeatures(snapshot: Snapshot): Float64Array {
  const out = new Float64Array(FEATURES_PER_SNAPSHOT);
  queueFeaturesInto(columnsOf(snapshot.pending), columnsOf(snapshot.running), out, 0);
  tupleFeaturesInto(snapshot.pred, snapshot.succ, out, QUEUE_FEATURES);
  return out;
}
