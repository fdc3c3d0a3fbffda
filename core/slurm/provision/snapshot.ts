import type { JobTuple, Snapshot } from '../../sim/features.js';
import type { PendingJobState, QueueState, RunningJobState } from '../../sim/forecast.js';
import { QUEUE_FEATURES, snapshotFeatures } from '../../sim/features.js';
import type { JobRecord } from '../client.js';
import type { QueueJob } from '../squeue.js';
import { isPendingState, isRunningState } from '../squeue.js';

/**
 * The live queue as the simulator's snapshot: pending jobs (limit [min],
 * nodes, waited so far [s], 0) and running jobs (limit, nodes, their wait,
 * run so far). `timeScale` multiplies every time (minutes and seconds alike)
 * so a test cluster whose jobs last seconds looks like one whose jobs last
 * hours to a model trained on a real trace; 1 on a real cluster.
 */
export function queueTuples(jobs: readonly QueueJob[], nowSec: number, timeScale: number): Pick<Snapshot, 'pending' | 'running'> {
  const pending: JobTuple[] = [];
  const running: JobTuple[] = [];
  for (const j of jobs) {
    // Unlimited jobs get 0: the simulator never sees them, so any value is a guess.
    const limit = (j.limitMinutes ?? 0) * timeScale;
    if (isPendingState(j.state)) {
      pending.push([limit, j.nodes, Math.max(0, nowSec - j.submitSec) * timeScale, 0]);
    } else if (isRunningState(j.state) && j.startSec !== null) {
      running.push([limit, j.nodes, Math.max(0, j.startSec - j.submitSec) * timeScale, Math.max(0, nowSec - j.startSec) * timeScale]);
    }
  }
  return { pending, running };
}

/**
 * The live queue as the scheduler's start estimate reads it (core/sim/forecast.ts),
 * in time-scaled minutes like queueTuples. A job with no limit counts as one
 * of 0 minutes, as in the snapshot: the simulator never sees such jobs.
 */
export function queueState(jobs: readonly QueueJob[], nowSec: number, timeScale: number): QueueState {
  const minutes = (sec: number): number => (sec * timeScale) / 60;
  const running: RunningJobState[] = [];
  const pending: PendingJobState[] = [];
  for (const j of jobs) {
    const limitMinutes = (j.limitMinutes ?? 0) * timeScale;
    if (isPendingState(j.state)) pending.push({ nodes: j.nodes, limitMinutes, submitMinute: minutes(Math.min(j.submitSec, nowSec)) });
    else if (isRunningState(j.state) && j.startSec !== null) running.push({ nodes: j.nodes, limitMinutes, startMinute: minutes(Math.min(j.startSec, nowSec)) });
  }
  return { minute: minutes(nowSec), running, pending };
}

const NO_JOB: JobTuple = [0, 0, 0, 0];

/** The 34 queue features of a snapshot (the part that does not depend on the chain). */
export function queueFeatures(tuples: Pick<Snapshot, 'pending' | 'running'>): number[] {
  return Array.from(snapshotFeatures({ ...tuples, pred: NO_JOB, succ: NO_JOB }).subarray(0, QUEUE_FEATURES));
}

/**
 * The predecessor as the model sees it at a decision: (limit, nodes, waited,
 * run so far); once it has ended, run so far is its whole limit, as in the
 * simulator where the predecessor always runs to its limit.
 */
export function predecessorTuple(pred: JobRecord, nowSec: number, timeScale: number): JobTuple {
  const limitMin = pred.limitMinutes ?? 0;
  const submit = pred.submitSec ?? nowSec;
  let waited: number;
  let ran: number;
  if (pred.startSec === null) {
    waited = nowSec - submit;
    ran = 0;
  } else if (isFinished(pred)) {
    waited = pred.startSec - submit;
    ran = limitMin * 60;
  } else {
    waited = pred.startSec - submit;
    ran = nowSec - pred.startSec;
  }
  return [limitMin * timeScale, pred.nodes, Math.max(0, waited) * timeScale, Math.max(0, ran) * timeScale];
}

/** The successor before submission: the predecessor's limit and nodes, nothing waited or run. */
export function successorTuple(pred: JobRecord, timeScale: number): JobTuple {
  return [(pred.limitMinutes ?? 0) * timeScale, pred.nodes, 0, 0];
}

/** The job has left the queue for good (completed, failed, cancelled, timed out...). */
export function isFinished(job: Pick<JobRecord, 'state'>): boolean {
  return !isPendingState(job.state) && !isRunningState(job.state);
}
