import { formatClock } from './clock.js';
import type { Job, SizeUnit } from './job.js';
import { jobSize } from './job.js';

/** A histogram bin: values in [min, max] (max null = no upper bound). */
export interface HistogramBin {
  label: string;
  min: number;
  max: number | null;
  count: number;
}

export interface Percentiles {
  count: number;
  mean: number;
  p0: number;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p100: number;
}

/** Statistics of a trace, from the trace alone. Plain JSON: the CLI prints it, the GUI charts it. */
export interface TraceStats {
  jobs: number;
  /** Started and ended: the jobs a simulation replays. */
  complete: number;
  notStarted: number;
  /** Started, no end (running when the trace was taken). */
  noEnd: number;
  /** Complete jobs whose start the trace does not give (SWF wait -1): out of waitSeconds; in the series from their submit. */
  startUnknown: number;
  /** What sizes, capacity and peaks count: nodes, or GPUs (jobs without a GPU count then count 0). */
  unit: SizeUnit;
  /** Jobs with no size in `unit` (no GPU count in the trace), counted as 0. */
  unsized: number;
  span: {
    firstSubmit: string | null;
    lastSubmit: string | null;
    /** The last moment any job is known to hold nodes or wait. */
    last: string | null;
    days: number;
  };
  nodes: { histogram: HistogramBin[]; mean: number; max: number };
  limitMinutes: { histogram: HistogramBin[]; unlimited: number };
  /** start - submit of started jobs whose start is known. */
  waitSeconds: Percentiles;
  /** end - start of complete jobs (after the trace's repairs). */
  runSeconds: Percentiles;
  nodeHours: number;
  capacityNodes: number;
  /** 'option': given; 'peak': not given, so the most nodes the trace ever has running. */
  capacitySource: 'option' | 'peak';
  peakRunningNodes: number;
  /** Node-hours used / (capacity x span). */
  meanUtilisation: number;
  hourly: HourlySeries;
}

/** One value per hour from `start` (hour-aligned): counts, and time-weighted means and peaks. */
export interface HourlySeries {
  start: string | null;
  startSec: number;
  hours: number;
  submittedJobs: number[];
  meanRunningNodes: number[];
  peakRunningNodes: number[];
  /** meanRunningNodes / capacityNodes. */
  utilisation: number[];
  meanQueuedJobs: number[];
  peakQueuedJobs: number[];
}

export interface TraceStatsOptions {
  /** Nodes (or GPUs) in the cluster, for utilisation; default: the peak the trace reaches. */
  capacityNodes?: number | null;
  /** Count nodes (default) or GPUs. */
  unit?: SizeUnit;
}

const HOUR = 3600;
/** About 114 years: longer hourly series mean a wrong year somewhere, not a real trace. */
const MAX_HOURS = 1_000_000;
const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 100] as const;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Computes a trace's statistics. Queue and cluster levels come from one pass
 * over the jobs' submit, start and end events in time order; a job that never
 * started waits until it ended (cancelled) or the trace's end, a job with no
 * end runs until the trace's end.
 */
export function computeTraceStats(jobs: readonly Job[], options: TraceStatsOptions = {}): TraceStats {
  const unit = options.unit ?? 'nodes';
  const sizes = new Float64Array(jobs.length);
  let unsized = 0;
  jobs.forEach((job, i) => {
    const size = jobSize(job, unit);
    if (size === null) unsized++;
    sizes[i] = size ?? 0;
  });
  let complete = 0;
  let notStarted = 0;
  let noEnd = 0;
  let startUnknown = 0;
  let nodeSeconds = 0;
  let firstSubmit = Infinity;
  let lastSubmit = -Infinity;
  let last = -Infinity;
  let first = Infinity;
  const waits = new Float64Array(jobs.length);
  const runs = new Float64Array(jobs.length);
  let nWaits = 0;
  let nRuns = 0;
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    firstSubmit = Math.min(firstSubmit, job.submitSec);
    lastSubmit = Math.max(lastSubmit, job.submitSec);
    last = Math.max(last, job.submitSec, job.startSec ?? -Infinity, job.endSec ?? -Infinity);
    // Loaded traces never start or end a job before its submit time; hand-made job lists might.
    first = Math.min(first, job.submitSec, job.startSec ?? Infinity, job.endSec ?? Infinity);
    if (job.startSec === null) {
      notStarted++;
      continue;
    }
    if (job.startUnknown) startUnknown++;
    else waits[nWaits++] = job.startSec - job.submitSec;
    if (job.endSec === null) {
      noEnd++;
      continue;
    }
    complete++;
    runs[nRuns++] = job.endSec - job.startSec;
    nodeSeconds += sizes[i] * (job.endSec - job.startSec);
  }
  const empty = jobs.length === 0;
  const startSec = empty ? 0 : Math.floor(first / HOUR) * HOUR;
  const hours = empty ? 0 : Math.floor(last / HOUR) - startSec / HOUR + 1;
  if (hours > MAX_HOURS) {
    throw new RangeError(`the trace spans ${formatClock(first)} .. ${formatClock(last)}, over ${MAX_HOURS.toLocaleString('en-US')} hours: is a time wrong?`);
  }
  const series = sweep(jobs, sizes, startSec, hours);
  const capacitySource = options.capacityNodes ? 'option' : 'peak';
  const capacityNodes = options.capacityNodes || series.peakRunning || 1;
  const spanSec = empty ? 0 : last - firstSubmit;
  return {
    jobs: jobs.length,
    complete,
    notStarted,
    noEnd,
    startUnknown,
    unit,
    unsized,
    span: {
      firstSubmit: empty ? null : formatClock(firstSubmit),
      lastSubmit: empty ? null : formatClock(lastSubmit),
      last: empty ? null : formatClock(last),
      days: round3(spanSec / 86_400),
    },
    nodes: nodeHistogram(sizes),
    limitMinutes: limitHistogram(jobs),
    waitSeconds: percentiles(waits.subarray(0, nWaits)),
    runSeconds: percentiles(runs.subarray(0, nRuns)),
    nodeHours: round3(nodeSeconds / HOUR),
    capacityNodes,
    capacitySource,
    peakRunningNodes: series.peakRunning,
    meanUtilisation: spanSec > 0 ? round3(nodeSeconds / (capacityNodes * spanSec)) : 0,
    hourly: {
      start: empty ? null : formatClock(startSec),
      startSec,
      hours,
      submittedJobs: Array.from(series.submitted),
      meanRunningNodes: Array.from(series.runningArea, (a) => round3(a / HOUR)),
      peakRunningNodes: Array.from(series.runningPeak),
      utilisation: Array.from(series.runningArea, (a) => round3(a / HOUR / capacityNodes)),
      meanQueuedJobs: Array.from(series.queuedArea, (a) => round3(a / HOUR)),
      peakQueuedJobs: Array.from(series.queuedPeak),
    },
  };
}

const KIND_SUBMIT = 0;
const KIND_START = 1;
const KIND_END = 2;

interface SweepResult {
  submitted: Int32Array;
  runningArea: Float64Array;
  runningPeak: Float64Array;
  queuedArea: Float64Array;
  queuedPeak: Int32Array;
  peakRunning: number;
}

/** One pass over the time-ordered events, accumulating hourly areas (level x seconds) and peaks. */
function sweep(jobs: readonly Job[], sizes: Float64Array, startSec: number, hours: number): SweepResult {
  const result: SweepResult = {
    submitted: new Int32Array(hours),
    runningArea: new Float64Array(hours),
    runningPeak: new Float64Array(hours),
    queuedArea: new Float64Array(hours),
    queuedPeak: new Int32Array(hours),
    peakRunning: 0,
  };
  if (hours === 0) return result;
  const endSec = startSec + hours * HOUR;
  const events = sortedEvents(jobs, startSec, endSec);
  let running = 0;
  let queued = 0;
  let t = startSec;
  let i = 0;
  while (i < events.count) {
    const now = events.time[i];
    advance(result, t, now, running, queued, startSec);
    t = now;
    // Apply every event of this second before reading levels, so a job submitted and started at once never counts as queued.
    for (; i < events.count && events.time[i] === now; i++) {
      const job = jobs[events.job[i]];
      const size = sizes[events.job[i]];
      const kind = events.kind[i];
      if (kind === KIND_SUBMIT) {
        queued++;
        if (now < endSec) result.submitted[Math.floor((now - startSec) / HOUR)]++;
      } else if (kind === KIND_START) {
        queued--;
        if (!job.runUnknown) running += size;
      } else if (job.startSec === null) {
        queued--;
      } else {
        running -= size;
      }
    }
    if (now < endSec) {
      const h = Math.floor((now - startSec) / HOUR);
      if (running > result.runningPeak[h]) result.runningPeak[h] = running;
      if (queued > result.queuedPeak[h]) result.queuedPeak[h] = queued;
    }
    if (running > result.peakRunning) result.peakRunning = running;
  }
  advance(result, t, endSec, running, queued, startSec);
  return result;
}

/** Adds constant levels over [from, to) to the hours they cover; an hour entered with a level has it as a peak candidate. */
function advance(r: SweepResult, from: number, to: number, running: number, queued: number, startSec: number): void {
  let t = from;
  while (t < to) {
    const h = Math.floor((t - startSec) / HOUR);
    const hourEnd = startSec + (h + 1) * HOUR;
    const until = Math.min(to, hourEnd);
    r.runningArea[h] += running * (until - t);
    r.queuedArea[h] += queued * (until - t);
    if (t === startSec + h * HOUR) {
      if (running > r.runningPeak[h]) r.runningPeak[h] = running;
      if (queued > r.queuedPeak[h]) r.queuedPeak[h] = queued;
    }
    t = until;
  }
}

interface EventList {
  count: number;
  time: Float64Array;
  job: Uint32Array;
  kind: Uint8Array;
}

/**
 * Submit, start and end events sorted by time. Each event is packed into one
 * float64 (time, kind, job index) so a typed-array sort orders them without a
 * comparator; when the numbers do not fit in 53 bits, a comparator sort is used.
 */
function sortedEvents(jobs: readonly Job[], startSec: number, endSec: number): EventList {
  const capacity = jobs.length * 3;
  const times = new Float64Array(capacity);
  const payload = new Float64Array(capacity);
  let count = 0;
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index];
    times[count] = job.submitSec - startSec;
    payload[count++] = index * 4 + KIND_SUBMIT;
    if (job.startSec !== null) {
      times[count] = job.startSec - startSec;
      payload[count++] = index * 4 + KIND_START;
    }
    // A job still running when the trace was taken runs until its limit at most (without a limit, to the end).
    // A record of unknown run time (SWF -1) adds no load at all (see the sweep): scattered through years of an
    // archive log, such records piled up as load for ever (SDSC-BLUE-2000 showed 125,473 of 144 nodes running).
    const end = job.endSec ?? (job.startSec !== null && job.limitMinutes !== null && !job.runUnknown ? job.startSec + job.limitMinutes * 60 : null);
    // Events at or past the end of the series change nothing inside it.
    if (end !== null && end < endSec) {
      times[count] = end - startSec;
      payload[count++] = index * 4 + KIND_END;
    }
  }
  const out: EventList = { count, time: new Float64Array(count), job: new Uint32Array(count), kind: new Uint8Array(count) };
  const decode = (i: number, time: number, packed: number): void => {
    out.time[i] = startSec + time;
    out.job[i] = Math.floor(packed / 4);
    out.kind[i] = packed % 4;
  };
  const jobBits = Math.max(1, Math.ceil(Math.log2(jobs.length + 1)));
  const spanBits = Math.ceil(Math.log2(endSec - startSec + 1));
  if (spanBits + 2 + jobBits <= 53) {
    const scale = 2 ** (jobBits + 2);
    const keys = new Float64Array(count);
    for (let i = 0; i < count; i++) keys[i] = times[i] * scale + payload[i];
    keys.sort();
    for (let i = 0; i < count; i++) decode(i, Math.floor(keys[i] / scale), keys[i] % scale);
    return out;
  }
  const order = new Uint32Array(count).map((_, i) => i);
  order.sort((a, b) => times[a] - times[b] || payload[a] - payload[b]);
  for (let i = 0; i < count; i++) decode(i, times[order[i]], payload[order[i]]);
  return out;
}

/** numpy's default percentile: linear interpolation between closest ranks. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const at = (p: number): number => {
    if (n === 0) return 0;
    const pos = (p / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    return round3(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo));
  };
  let sum = 0;
  for (const v of sorted) sum += v;
  const out = { count: n, mean: n === 0 ? 0 : round3(sum / n) } as Percentiles;
  for (const p of PERCENTILES) out[`p${p}`] = at(p);
  return out;
}

function nodeHistogram(sizes: Float64Array): TraceStats['nodes'] {
  const counts = new Map<number, number>();
  let sum = 0;
  let max = 0;
  for (const size of sizes) {
    counts.set(size, (counts.get(size) ?? 0) + 1);
    sum += size;
    max = Math.max(max, size);
  }
  const mean = sizes.length === 0 ? 0 : round3(sum / sizes.length);
  // Few distinct sizes (GPU clusters): one bin each. Many (SWF processor counts): powers of two.
  if (counts.size <= 32) {
    const histogram = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([n, count]) => ({ label: String(n), min: n, max: n, count }));
    return { histogram, mean, max };
  }
  // Size 0: jobs without a GPU when counting GPUs.
  const histogram: HistogramBin[] = counts.has(0) ? [{ label: '0', min: 0, max: 0, count: 0 }] : [];
  for (let lo = 1; lo <= max; lo *= 2) {
    const hi = lo === 1 ? 1 : lo * 2 - 1;
    histogram.push({ label: lo === hi ? String(lo) : `${lo}-${hi}`, min: lo, max: hi, count: 0 });
  }
  for (const [n, count] of counts) {
    const bin = histogram.find((b) => n >= b.min && n <= (b.max ?? Infinity));
    if (bin) bin.count += count;
  }
  return { histogram, mean, max };
}

const LIMIT_BINS: Array<[string, number, number | null]> = [
  ['<=15m', 0, 15],
  ['16m-30m', 16, 30],
  ['31m-1h', 31, 60],
  ['1h-2h', 61, 120],
  ['2h-4h', 121, 240],
  ['4h-8h', 241, 480],
  ['8h-12h', 481, 720],
  ['12h-24h', 721, 1440],
  ['24h-48h', 1441, 2880],
  ['>48h', 2881, null],
];

function limitHistogram(jobs: readonly Job[]): TraceStats['limitMinutes'] {
  const histogram = LIMIT_BINS.map(([label, min, max]) => ({ label, min, max, count: 0 }));
  let unlimited = 0;
  for (const job of jobs) {
    if (job.limitMinutes === null) {
      unlimited++;
      continue;
    }
    const bin = histogram.find((b) => job.limitMinutes! <= (b.max ?? Infinity));
    bin!.count++;
  }
  return { histogram, unlimited };
}
