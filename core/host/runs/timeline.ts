import { buildSampleJobs } from '../../sim/sample-jobs.js';
import { engineContext, PRED_ID, sampleStartSec, SUCC_ID } from '../../sim/chain.js';
import { CHAIN_JOB_MINUTES } from '../../sim/config.js';
import type { ChainSchedule } from '../../sim/chain.js';
import { FastEngine } from '../../sim/fast-engine.js';
import { selectJobs } from '../../sim/workload.js';
import type { SubmitRange, Workload } from '../../sim/workload.js';

/**
 * One validation sample replayed for the GUI's sample view: the chain's two
 * jobs and the queue length around them. Added beside core/sim (not in it):
 * it builds the sample exactly as core/sim/chain.ts does (the same job
 * selection, predecessor through the queue after the warm-up, successor
 * submitted on demand at the recorded minute) and reads the queue every
 * `stepMinutes` with the engine's pendingCount.
 */

export interface TimelineOptions {
  /** Queue readings this far apart (default 10 minutes, the snapshot grid). */
  stepMinutes?: number;
  /** How long before the predecessor's submission the readings start (default 24 h). */
  beforeMinutes?: number;
  /** How long after the later of predecessor end and successor start they go on (default 12 h). */
  afterMinutes?: number;
}

export interface ReplayedTimeline {
  sampleStartSec: number;
  predSubmitSec: number;
  predStartSec: number;
  predEndSec: number;
  succSubmitSec: number;
  succStartSec: number;
  rewardSeconds: number;
  queue: { startSec: number; stepSec: number; pending: number[] };
}

/** Longest a chain job may wait before we call the sample broken (as core/sim's horizon). */
const HORIZON_MINUTES = 366 * 1440;

export function replaySampleTimeline(workload: Workload, schedule: ChainSchedule, index: number, succSubmitSec: number, options: TimelineOptions = {}): ReplayedTimeline {
  const step = options.stepMinutes ?? 10;
  const before = options.beforeMinutes ?? 24 * 60;
  const after = options.afterMinutes ?? 12 * 60;
  const startSec = sampleStartSec(schedule, index);
  if (startSec % 60 !== 0 || succSubmitSec % 60 !== 0) throw new RangeError('sample start and submission must be whole minutes');
  const origin = startSec / 60;
  const predSubmit = origin + Math.round(schedule.warmupDays * 1440);
  const submitMinute = succSubmitSec / 60;
  if (submitMinute <= predSubmit) throw new RangeError(`sample ${index}: the successor was submitted before the predecessor`);
  const jobMinutes = schedule.jobMinutes ?? CHAIN_JOB_MINUTES;
  const chainJob = { nodes: schedule.jobNodes, durationSec: jobMinutes * 60, limitMinutes: jobMinutes };
  const selection = selectJobs(workload, startSec, startSec + schedule.workloadDays * 86400, (schedule.exclude ?? []) as SubmitRange[]);
  const jobs = buildSampleJobs(workload, selection, origin, [
    { id: PRED_ID, submitMinute: predSubmit, viaQueue: true, ...chainJob },
    { id: SUCC_ID, submitMinute: predSubmit, viaQueue: false, ...chainJob },
  ]);
  const pred = jobs.traceCount;
  const succ = jobs.traceCount + 1;
  const engine = new FastEngine(engineContext(workload.config), jobs, { snapshotsFrom: null });

  // Readings on the sample's own grid (origin + k * step), from `before` ahead of the predecessor's submission.
  const first = origin + Math.max(0, Math.ceil((predSubmit - before - origin) / step)) * step;
  const pending: number[] = [];
  let submitted = false;
  for (let t = first; ; t += step) {
    if (!submitted && t >= submitMinute) {
      engine.advance(submitMinute);
      engine.submitNow(succ);
      submitted = true;
    }
    engine.advance(t);
    pending.push(engine.pendingCount());
    const predStart = engine.startMinute(pred);
    const succStart = engine.startMinute(succ);
    if (submitted && predStart >= 0 && succStart >= 0 && t >= Math.max(predStart + jobMinutes, succStart) + after) break;
    if (t - predSubmit > HORIZON_MINUTES) throw new Error(`sample ${index}: the chain did not complete within ${HORIZON_MINUTES / 1440} days`);
  }
  const predStart = engine.startMinute(pred);
  const succStart = engine.startMinute(succ);
  const predEnd = predStart + jobMinutes;
  return {
    sampleStartSec: startSec,
    predSubmitSec: predSubmit * 60,
    predStartSec: predStart * 60,
    predEndSec: predEnd * 60,
    succSubmitSec: succSubmitSec,
    succStartSec: succStart * 60,
    rewardSeconds: (succStart - predEnd) * 60,
    queue: { startSec: first * 60, stepSec: step * 60, pending },
  };
}
