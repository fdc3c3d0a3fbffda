import { engineContext } from './chain.js';
import type { SimEngine } from './engine.js';
import { FastEngine } from './fast-engine.js';
import { MinuteEngine } from './minute-engine.js';
import { buildSampleJobs } from './sample-jobs.js';
import type { SubmitRange, Workload } from './workload.js';
import { selectJobs } from './workload.js';

export interface ReplayOptions {
  /** The simulator starts empty here (a whole minute) and receives the jobs submitted in [fromSec, toSec]. */
  fromSec: number;
  toSec: number;
  exclude?: readonly SubmitRange[];
  /** Stop here; default: when every job that can start has started. */
  untilSec?: number;
  engine?: 'fast' | 'minute';
}

export interface ReplayResult {
  ids: string[];
  /** Submit time as simulated (truncated to the minute), seconds. */
  submitSec: number[];
  /** null: not started by the end of the replay. */
  startSec: (number | null)[];
  /** When a backfill pass started the job while it was not the queue's head. */
  backfillSec: (number | null)[];
}

/** Replays the trace jobs of a time window through the scheduler (no chain) and reports when each started. */
export function replayWindow(workload: Workload, options: ReplayOptions): ReplayResult {
  if (options.fromSec % 60 !== 0) throw new RangeError('replayWindow: fromSec must be a whole minute');
  const origin = options.fromSec / 60;
  const selection = selectJobs(workload, options.fromSec, options.toSec, options.exclude);
  const jobs = buildSampleJobs(workload, selection, origin, []);
  const ctx = engineContext(workload.config);
  const engine: SimEngine =
    options.engine === 'minute' ? new MinuteEngine(ctx, jobs, { snapshotsFrom: null }) : new FastEngine(ctx, jobs, { snapshotsFrom: null });
  let until: number;
  if (options.untilSec !== undefined) until = Math.floor(options.untilSec / 60);
  else {
    // Enough for every job to run one after another, each waiting at most one backfill interval.
    let lastSubmit = origin;
    let total = 0;
    for (let j = 0; j < jobs.count; j++) {
      lastSubmit = Math.max(lastSubmit, jobs.submitMinute[j]);
      total += jobs.holdSteps[j] + ctx.constants.bfInterval;
    }
    until = lastSubmit + total + 1;
  }
  engine.advance(until);
  const startSec: (number | null)[] = [];
  const backfillSec: (number | null)[] = [];
  const submitSec: number[] = [];
  for (let j = 0; j < jobs.count; j++) {
    const start = engine.startMinute(j);
    const backfill = engine.backfillMinute(j);
    startSec.push(start < 0 ? null : start * 60);
    backfillSec.push(backfill < 0 ? null : backfill * 60);
    submitSec.push(engine.submitMinuteOf(j) * 60);
  }
  return { ids: jobs.ids.slice(), submitSec, startSec, backfillSec };
}
