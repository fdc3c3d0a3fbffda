import type { Job } from '../trace/index.js';
import { formatClock } from '../trace/index.js';
import { computeTraceStats } from '../trace/index.js';
import type { ChainSchedule } from './chain.js';
import { sampleStartSec, scheduledSamples } from './chain.js';
import { CHAIN_JOB_MINUTES } from './config.js';
import type { SimConfig } from './config.js';
import type { SubmitRange, Workload } from './workload.js';
import { prepareWorkload, selectJobs } from './workload.js';

/**
 * Checks that tell when a simulation's results would mean nothing, before or
 * beside them: no job to replay, samples outside the trace, a chain job that
 * the trace's cluster could seldom have held. The simulation still runs (a
 * user may want it anyway); the warnings travel with its results.
 */

export type SimWarningCode = 'no-jobs' | 'empty-samples' | 'before-trace' | 'after-trace' | 'oversized-jobs' | 'capacity' | 'job-size';

export interface SimWarning {
  code: SimWarningCode;
  message: string;
}

/** Below this share of the trace's hours with room for the chain job, its size "does not fit most of the history". */
export const FIT_SHARE = 0.5;

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `0-3, 7, 9-11`: sample indices as short ranges. */
function ranges(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(i === j ? String(indices[i]) : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  const shown = parts.slice(0, 6).join(', ');
  return parts.length > 6 ? `${shown}, ...` : shown;
}

/** Why jobs were left out, most common first: `18,066 never started: ..., 3 no time limit`. */
function reasons(workload: Workload): string {
  const counts = new Map<string, number>();
  for (const u of workload.unusable) counts.set(u.reason, (counts.get(u.reason) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${n.toLocaleString('en-US')} ${reason}`)
    .join('; ');
}

/**
 * Warnings for simulating `schedule` on `workload`. `jobs` (the trace the
 * workload came from) lets the checks compare the chain job and the cluster
 * with the load the trace recorded; without it, or when most of its starts
 * are unknown, those checks are skipped.
 */
export function scheduleWarnings(workload: Workload, schedule: ChainSchedule, jobs?: readonly Job[]): SimWarning[] {
  const { config } = workload;
  const unit = config.unit === 'gpus' ? 'GPU' : 'node';
  if (workload.count === 0) {
    const why = workload.unusable.length > 0 ? `: ${plural(workload.unusable.length, 'job')} left out (${reasons(workload)})` : ': it holds no job';
    return [{ code: 'no-jobs', message: `no job of the trace can be simulated${why}; every sample replays an empty cluster` }];
  }
  const warnings: SimWarning[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < workload.count; i++) {
    first = Math.min(first, workload.submitSec[i]);
    last = Math.max(last, workload.submitSec[i]);
  }
  const span = `${formatClock(first)} .. ${formatClock(last)}`;
  const windowSec = schedule.workloadDays * 86400;
  const exclude = (schedule.exclude ?? []) as SubmitRange[];
  const empty: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  // The predecessor ends no earlier than its submission plus its run time; the successor waits from about then.
  const chainSec = Math.round(schedule.warmupDays * 86400) + (schedule.jobMinutes ?? CHAIN_JOB_MINUTES) * 60;
  const indices = scheduledSamples(schedule);
  for (const index of indices) {
    const start = sampleStartSec(schedule, index);
    if (selectJobs(workload, start, start + windowSec, exclude).length === 0) empty.push(index);
    else if (start < first) before.push(index);
    else if (start + chainSec > last) after.push(index);
  }
  const of = `of ${plural(indices.length, 'sample')}`;
  if (empty.length > 0) {
    warnings.push({
      code: 'empty-samples',
      message:
        `${plural(empty.length, 'sample')} ${of} (${ranges(empty)}) replay no trace job: their windows lie outside the trace's submissions (${span}), ` +
        `so they simulate an empty cluster and their rewards say nothing about it`,
    });
  }
  if (before.length > 0) {
    warnings.push({
      code: 'before-trace',
      message: `${plural(before.length, 'sample')} ${of} (${ranges(before)}) start before the trace's first submission (${formatClock(first)}): their warm-up replays a cluster emptier than it was`,
    });
  }
  if (after.length > 0) {
    warnings.push({
      code: 'after-trace',
      message:
        `${plural(after.length, 'sample')} ${of} (${ranges(after)}) have their predecessor end after the trace's last submission (${formatClock(last)}): ` +
        `no new job arrives while the successor waits, so it waits less than it would`,
    });
  }
  if (workload.oversized.length > 0) {
    const o = workload.oversized[0];
    warnings.push({
      code: 'oversized-jobs',
      message:
        `${plural(workload.oversized.length, 'job')} ask for more than the cluster's ${config.nodes} ${unit}s and can never start (first: ${o.id}, ${o.nodes} ${unit}s, line ${o.line})` +
        (config.oversizedJobs === 'keep' ? '; they stay at the head of the queue, as in the reference, and block first-come passes' : '; left out'),
    });
  }
  if (jobs !== undefined) warnings.push(...historyWarnings(jobs, workload, schedule));
  return warnings;
}

/** The chain job and the cluster against the load the trace recorded, hour by hour. */
function historyWarnings(jobs: readonly Job[], workload: Workload, schedule: ChainSchedule): SimWarning[] {
  const { config } = workload;
  const unit = config.unit === 'gpus' ? 'GPU' : 'node';
  // Only recorded starts tell the load the cluster carried; a log that mostly lacks them (SWF wait -1) has no such history.
  const recorded = jobs.filter((j) => !j.startUnknown);
  if (recorded.length < jobs.length / 2) return [];
  const stats = computeTraceStats(recorded, { unit: config.unit, capacityNodes: config.nodes });
  const running = stats.hourly.meanRunningNodes;
  if (running.length === 0) return [];
  const warnings: SimWarning[] = [];
  if (stats.peakRunningNodes > config.nodes) {
    warnings.push({
      code: 'capacity',
      message:
        `the trace has up to ${stats.peakRunningNodes} ${unit}s running at once, more than the simulated cluster's ${config.nodes}: ` +
        `the replay queues work the real cluster ran (is the cluster size right?)`,
    });
  }
  let fits = 0;
  for (const level of running) if (level + schedule.jobNodes <= config.nodes) fits++;
  const share = fits / running.length;
  if (share < FIT_SHARE) {
    warnings.push({
      code: 'job-size',
      message:
        `a chain job of ${schedule.jobNodes} ${unit}s fits beside the trace's recorded load in only ${(100 * share).toFixed(1)} % of its ${plural(running.length, 'hour')} ` +
        `(cluster of ${config.nodes} ${unit}s): the chain mostly waits for the cluster to drain, so its rewards say little about this trace`,
    });
  }
  return warnings;
}

/**
 * The warnings of several schedules on one trace (an experiment's training and
 * validation periods), each message prefixed with its schedule's label; a
 * warning about the trace itself (no job) is given once.
 */
export function labelledScheduleWarnings(jobs: readonly Job[], config: SimConfig, schedules: ReadonlyArray<{ label: string; schedule: ChainSchedule }>): SimWarning[] {
  const workload = prepareWorkload(jobs, config);
  const out: SimWarning[] = [];
  const seen = new Set<string>();
  for (const { label, schedule } of schedules) {
    for (const w of scheduleWarnings(workload, schedule, jobs)) {
      // Trace-wide findings read the same for every schedule: say them once, unlabelled.
      const traceWide = w.code === 'no-jobs' || w.code === 'oversized-jobs' || w.code === 'capacity';
      const message = traceWide ? w.message : `${label}: ${w.message}`;
      if (seen.has(message)) continue;
      seen.add(message);
      out.push({ code: w.code, message });
    }
  }
  return out;
}
