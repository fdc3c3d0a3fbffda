import type { Workload } from './workload.js';

/** A job the chain adds to the trace's (the predecessor and the successor). */
export interface ExtraJob {
  id: string;
  nodes: number;
  /** Minute it enters the simulator's submission queue; ignored for jobs submitted on demand. */
  submitMinute: number;
  durationSec: number;
  limitMinutes: number;
  /**
   * true: submitted through the simulator's queue at submitMinute, ordered by
   * id among the trace jobs of that minute (the reference's predecessor);
   * false: submitted on demand by the caller (the successor).
   */
  viaQueue: boolean;
}

/**
 * The jobs of one simulation, immutable and shared by forked simulations:
 * the selected trace jobs (local indices 0..traceCount-1, in workload order)
 * then the extra jobs. `feed` lists the queue-submitted ones in the order the
 * reference's priority queue releases them: by minute, then id as a string.
 */
export interface SampleJobs {
  readonly count: number;
  readonly traceCount: number;
  /** Minute the scheduler was created (the sample start); the backfill counter counts from it. */
  readonly originMinute: number;
  readonly ids: readonly string[];
  readonly nodes: Int32Array;
  /** Submit minute (on-demand jobs: set when submitted, per simulation). */
  readonly submitMinute: Float64Array;
  /** Steps a started job holds its nodes: ceil(duration / 60 s), at least one. */
  readonly holdSteps: Int32Array;
  readonly durationSec: Float64Array;
  readonly limitMinutes: Float64Array;
  readonly feed: Int32Array;
  readonly feedMinute: Float64Array;
}

export function holdStepsOf(durationSec: number): number {
  return Math.max(1, Math.ceil(durationSec / 60));
}

export function buildSampleJobs(workload: Workload, selection: Int32Array, originMinute: number, extras: readonly ExtraJob[]): SampleJobs {
  const traceCount = selection.length;
  const count = traceCount + extras.length;
  const ids: string[] = new Array<string>(count);
  const nodes = new Int32Array(count);
  const submitMinute = new Float64Array(count);
  const holdSteps = new Int32Array(count);
  const durationSec = new Float64Array(count);
  const limitMinutes = new Float64Array(count);
  for (let i = 0; i < traceCount; i++) {
    const w = selection[i];
    ids[i] = workload.ids[w];
    nodes[i] = workload.nodes[w];
    // A submit earlier than the simulator clock is moved to the clock (the reference warns and does so).
    submitMinute[i] = Math.max(workload.submitMinute[w], originMinute);
    durationSec[i] = workload.durationSec[w];
    holdSteps[i] = holdStepsOf(durationSec[i]);
    limitMinutes[i] = workload.limitMinutes[w];
  }
  const queued: number[] = [];
  extras.forEach((extra, k) => {
    const j = traceCount + k;
    ids[j] = extra.id;
    nodes[j] = extra.nodes;
    submitMinute[j] = Math.max(extra.submitMinute, originMinute);
    durationSec[j] = extra.durationSec;
    holdSteps[j] = holdStepsOf(extra.durationSec);
    limitMinutes[j] = extra.limitMinutes;
    if (extra.viaQueue) queued.push(j);
  });

  // Trace jobs are already in (minute, id) order; merge the queued extras in.
  const feed = new Int32Array(traceCount + queued.length);
  const before = (a: number, b: number): boolean =>
    submitMinute[a] < submitMinute[b] || (submitMinute[a] === submitMinute[b] && ids[a] < ids[b]);
  queued.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  let t = 0;
  let q = 0;
  let n = 0;
  while (t < traceCount || q < queued.length) {
    if (q < queued.length && (t >= traceCount || before(queued[q], t))) feed[n++] = queued[q++];
    else feed[n++] = t++;
  }
  const feedMinute = new Float64Array(feed.length);
  for (let i = 0; i < feed.length; i++) feedMinute[i] = submitMinute[feed[i]];
  return { count, traceCount, originMinute, ids, nodes, submitMinute, holdSteps, durationSec, limitMinutes, feed, feedMinute };
}
