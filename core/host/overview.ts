import type { CapacitySource, Histogram, TraceOverview } from '../api/trace.js';
import type { Job } from '../trace/index.js';
import { describePartitions } from '../trace/index.js';
import { computeTraceStats } from '../trace/index.js';

const HOUR = 3600;

/** Wait-time bins (upper bounds in seconds, exclusive), readable at a glance. */
const WAIT_BINS: Array<[string, number]> = [
  ['<1m', 60],
  ['1-10m', 600],
  ['10m-1h', HOUR],
  ['1-3h', 3 * HOUR],
  ['3-6h', 6 * HOUR],
  ['6-12h', 12 * HOUR],
  ['12-24h', 24 * HOUR],
  ['1-2d', 48 * HOUR],
  ['2-4d', 96 * HOUR],
  ['>4d', Infinity],
];

export function waitHistogram(jobs: readonly Job[]): Histogram {
  const counts = WAIT_BINS.map(() => 0);
  for (const job of jobs) {
    // A start the trace does not give is no wait of 0.
    if (job.startSec === null || job.startUnknown) continue;
    const wait = job.startSec - job.submitSec;
    counts[WAIT_BINS.findIndex(([, upper]) => wait < upper)]++;
  }
  return { labels: WAIT_BINS.map(([label]) => label), counts };
}

/**
 * What the overview page draws, from the trace module's statistics (levels,
 * histograms, percentiles) plus the few things it does not compute (users,
 * wait-time bins). `capacityNodes` undefined: the peak the trace reaches.
 */
export function buildOverview(jobs: readonly Job[], capacityNodes?: number | null, source: Exclude<CapacitySource, 'inferred'> = 'given'): TraceOverview {
  const stats = computeTraceStats(jobs, { capacityNodes });
  const capacitySource: CapacitySource = stats.capacitySource === 'option' ? source : 'inferred';
  const users = new Set<string>();
  let firstSubmit = Infinity;
  let lastEnd = -Infinity;
  for (const job of jobs) {
    users.add(job.user);
    firstSubmit = Math.min(firstSubmit, job.submitSec);
    lastEnd = Math.max(lastEnd, job.submitSec, job.startSec ?? -Infinity, job.endSec ?? -Infinity);
  }
  const limitBins = stats.limitMinutes.histogram;
  const limitHistogram: Histogram = {
    labels: limitBins.map((b) => b.label),
    counts: limitBins.map((b) => b.count),
  };
  if (stats.limitMinutes.unlimited > 0) {
    limitHistogram.labels.push('none');
    limitHistogram.counts.push(stats.limitMinutes.unlimited);
  }
  const w = stats.waitSeconds;
  return {
    capacityNodes: stats.capacityNodes,
    capacitySource,
    partitions: describePartitions(jobs, 'nodes').map((p) => ({
      name: p.name,
      jobCount: p.jobs,
      simulatableCount: p.simulatable,
      medianNodes: p.size.median,
      maxNodes: p.size.max,
      peakRunningNodes: p.peakRunning,
      capacityNodes: p.capacity.value,
      capacityInferred: p.capacity.inferred,
    })),
    startUnknownCount: stats.startUnknown,
    jobCount: stats.jobs,
    startedCount: stats.jobs - stats.notStarted,
    userCount: users.size,
    firstSubmitSec: jobs.length ? firstSubmit : null,
    lastEndSec: jobs.length ? lastEnd : null,
    nodeHours: stats.nodeHours,
    utilisation: stats.meanUtilisation,
    wait: { meanSec: w.mean, p50Sec: w.p50, p90Sec: w.p90, p99Sec: w.p99, maxSec: w.p100 },
    nodeHistogram: { labels: stats.nodes.histogram.map((b) => b.label), counts: stats.nodes.histogram.map((b) => b.count) },
    limitHistogram,
    waitHistogram: waitHistogram(jobs),
    series: {
      startSec: stats.hourly.startSec,
      stepSec: HOUR,
      submitted: stats.hourly.submittedJobs,
      runningNodes: stats.hourly.meanRunningNodes,
      queuedJobs: stats.hourly.meanQueuedJobs,
    },
  };
}
