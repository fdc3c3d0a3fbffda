/**
 * The scheduler's own start estimate for a job submitted now, as Slurm's
 * backfill planner makes it (`squeue --start`, `sbatch --test-only`): the
 * queue as it stands, every job running to its time limit, nothing submitted
 * after now. Run times are what the scheduler cannot know (users ask for far
 * more than they use), so the estimate is an upper bound more often than not;
 * its value is its ordering: it follows the jobs ahead and the nodes they
 * free, which the queue's summary statistics only approximate.
 *
 * The same function serves the simulator (its engine's queue at a decision)
 * and a live cluster (squeue's jobs), so a model trained on simulated
 * estimates reads live ones computed the same way.
 */
import type { EngineContext } from './engine.js';
import { FastEngine } from './fast-engine.js';
import type { SampleJobs } from './sample-jobs.js';

export interface RunningJobState {
  nodes: number;
  limitMinutes: number;
  startMinute: number;
}

export interface PendingJobState {
  nodes: number;
  limitMinutes: number;
  submitMinute: number;
}

/** A queue at one minute: what a scheduler knows of it. */
export interface QueueState {
  minute: number;
  running: readonly RunningJobState[];
  /** Any order: the scheduler's priority order is recomputed from size and age. */
  pending: readonly PendingJobState[];
}

/** How far ahead an estimate looks; a job that cannot start by then gets this. */
export const FORECAST_HORIZON_MINUTES = 14 * 1440;

/**
 * Minutes until a job of `job.nodes` nodes submitted at `state.minute` would
 * start. Running jobs already past their limit count as ended. The backfill
 * passes run on the estimate's own grid (from `state.minute`): a live cluster's
 * phase is unknown, and the difference is at most one backfill interval.
 */
export function forecastWaitMinutes(ctx: EngineContext, state: QueueState, job: { nodes: number; limitMinutes: number }): number {
  const running = state.running.filter((r) => r.startMinute + Math.max(1, Math.ceil(r.limitMinutes)) > state.minute);
  const count = running.length + state.pending.length + 1;
  const nodes = new Int32Array(count);
  const submitMinute = new Float64Array(count);
  const holdSteps = new Int32Array(count);
  const limitMinutes = new Float64Array(count);
  const put = (i: number, n: number, limit: number, submit: number): void => {
    nodes[i] = n;
    limitMinutes[i] = limit;
    // Every job holds its nodes until its limit: the scheduler's own assumption.
    holdSteps[i] = Math.max(1, Math.ceil(limit));
    submitMinute[i] = submit;
  };
  running.forEach((r, i) => put(i, r.nodes, r.limitMinutes, r.startMinute));
  state.pending.forEach((p, k) => put(running.length + k, p.nodes, p.limitMinutes, Math.min(p.submitMinute, state.minute)));
  const self = count - 1;
  put(self, job.nodes, job.limitMinutes, state.minute);
  const jobs: SampleJobs = {
    count,
    traceCount: count - 1,
    originMinute: state.minute,
    ids: Array.from({ length: count }, (_, i) => String(i)),
    nodes,
    submitMinute,
    holdSteps,
    durationSec: Float64Array.from(limitMinutes, (m) => m * 60),
    limitMinutes,
    feed: new Int32Array(0),
    feedMinute: new Float64Array(0),
  };
  const pendingOrder = state.pending.map((_, k) => running.length + k);
  const engine = FastEngine.seeded(
    ctx,
    jobs,
    running.map((r, i) => ({ job: i, startMinute: r.startMinute })),
    pendingOrder,
  );
  engine.submitNow(self);
  const horizon = state.minute + FORECAST_HORIZON_MINUTES;
  return engine.advance(horizon, self) ? engine.startMinute(self) - state.minute : FORECAST_HORIZON_MINUTES;
}
