import type { Job } from '../trace/index.js';
import { jobSize } from '../trace/index.js';
import type { SimConfig } from './config.js';

/** A job that can never start: it asks for more nodes (or GPUs, per config.unit) than the cluster has. */
export interface OversizedJob {
  id: string;
  nodes: number;
  submitSec: number;
  line: number;
}

/** A trace job the simulator cannot replay, and why. */
export interface UnusableJob {
  id: string;
  line: number;
  reason: string;
}

/**
 * The trace jobs in the form every sample simulates them, prepared once and
 * shared read-only by all samples (and by forked simulations): sorted by
 * submit minute then job id compared as strings (the reference's priority
 * queue order), run times capped at the limit, oddities reported.
 */
export interface Workload {
  readonly config: SimConfig;
  readonly count: number;
  readonly ids: readonly string[];
  /** Each job's size in config.unit (nodes, or GPUs). */
  readonly nodes: Int32Array;
  /** Submit time as the trace has it (window selection uses the untruncated second). */
  readonly submitSec: Float64Array;
  /** Submit time truncated to the minute (what the minute-step simulator uses), minutes since the epoch. */
  readonly submitMinute: Float64Array;
  /** min(end - start, limit * 60), seconds: how long the job holds its nodes once started. */
  readonly durationSec: Float64Array;
  readonly limitMinutes: Float64Array;
  /** Jobs asking for more nodes than `config.nodes`: kept or dropped as `config.oversizedJobs` says. */
  readonly oversized: readonly OversizedJob[];
  /** Jobs left out: never started (no run time), no time limit, no size in config.unit. */
  readonly unusable: readonly UnusableJob[];
  /** Ids seen more than once; the reference keeps the last row of each, so do we. */
  readonly duplicateIds: readonly string[];
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function prepareWorkload(jobs: readonly Job[], config: SimConfig): Workload {
  const unit = config.unit;
  const unusable: UnusableJob[] = [];
  // Every kept job has a size in the unit (checked below for GPUs; nodes are always given).
  const sizeOf = (job: Job): number => jobSize(job, unit)!;
  const oversized: OversizedJob[] = [];
  const duplicateIds: string[] = [];
  // The reference reads the trace into a dict keyed by job id: a later row replaces an earlier one.
  const byId = new Map<string, Job>();
  for (const job of jobs) {
    if (job.startSec === null || job.endSec === null) {
      const reason =
        job.startSec === null ? 'never started: the trace has no run time for it'
        : job.runUnknown ? 'run time unknown (SWF -1)'
        : 'still running when the trace was taken: no run time yet';
      unusable.push({ id: job.id, line: job.line, reason });
      continue;
    }
    if (job.limitMinutes === null) {
      unusable.push({ id: job.id, line: job.line, reason: 'no time limit' });
      continue;
    }
    const size = jobSize(job, unit);
    if (unit === 'gpus' && (size === null || size <= 0)) {
      // Counting GPUs: a trace without GPU counts, or a CPU-only job, holds none of what is simulated.
      unusable.push({ id: job.id, line: job.line, reason: size === null ? 'no GPU count in the trace (sacct AllocTRES gres/gpu)' : 'holds no GPU' });
      continue;
    }
    if (byId.has(job.id)) {
      duplicateIds.push(job.id);
      byId.delete(job.id);
    }
    byId.set(job.id, job);
  }
  const kept: Job[] = [];
  for (const job of byId.values()) {
    const size = sizeOf(job);
    if (size > config.nodes) {
      oversized.push({ id: job.id, nodes: size, submitSec: job.submitSec, line: job.line });
      if (config.oversizedJobs === 'drop') continue;
    }
    kept.push(job);
  }
  kept.sort((a, b) => Math.floor(a.submitSec / 60) - Math.floor(b.submitSec / 60) || compareIds(a.id, b.id));

  const count = kept.length;
  const nodes = new Int32Array(count);
  const submitSec = new Float64Array(count);
  const submitMinute = new Float64Array(count);
  const durationSec = new Float64Array(count);
  const limitMinutes = new Float64Array(count);
  const ids: string[] = new Array<string>(count);
  kept.forEach((job, i) => {
    const limit = job.limitMinutes!;
    ids[i] = job.id;
    nodes[i] = sizeOf(job);
    submitSec[i] = job.submitSec;
    submitMinute[i] = Math.floor(job.submitSec / 60);
    durationSec[i] = Math.min(job.endSec! - job.startSec!, limit * 60);
    limitMinutes[i] = limit;
  });
  return { config, count, ids, nodes, submitSec, submitMinute, durationSec, limitMinutes, oversized, unusable, duplicateIds };
}

/** Half-open submit-time ranges whose jobs are left out (the reference's `-job_filter`). */
export interface SubmitRange {
  fromSec: number;
  toSec: number;
}

/** First index whose submit minute is >= minute (the array is sorted by minute). */
function lowerBoundMinute(workload: Workload, minute: number): number {
  let lo = 0;
  let hi = workload.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (workload.submitMinute[mid] < minute) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Indices (in workload order) of the jobs submitted in [fromSec, toSec], both
 * ends included as the reference's `find_jobs` does, outside every excluded range.
 */
export function selectJobs(workload: Workload, fromSec: number, toSec: number, exclude: readonly SubmitRange[] = []): Int32Array {
  const lo = lowerBoundMinute(workload, Math.floor(fromSec / 60));
  const hi = lowerBoundMinute(workload, Math.floor(toSec / 60) + 1);
  const picked = new Int32Array(Math.max(0, hi - lo));
  let n = 0;
  for (let i = lo; i < hi; i++) {
    const sec = workload.submitSec[i];
    if (sec < fromSec || sec > toSec) continue;
    if (exclude.length > 0 && exclude.some((r) => r.fromSec <= sec && sec < r.toSec)) continue;
    picked[n++] = i;
  }
  return picked.subarray(0, n);
}
