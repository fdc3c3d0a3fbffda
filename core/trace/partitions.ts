import type { Job, SizeUnit } from './job.js';
import { jobSize } from './job.js';
import type { LoadedTrace } from './types.js';

/**
 * The partitions of a trace (a multi-partition sacct dump, SWF partition
 * numbers): what each holds and its cluster size, given or inferred. The
 * loader selects partitions (LoadOptions.partitions).
 */

/** A cluster size and where it came from. */
export interface Capacity {
  value: number;
  /**
   * given: by the user; declared: by the trace itself (SWF MaxNodes, or
   * MaxProcs counting GPUs); inferred: the most the trace has running at once
   * (a lower bound); reference: the reference's 88 nodes.
   */
  source: 'given' | 'declared' | 'inferred' | 'reference';
  /** True exactly when source is 'inferred': every display of the size says so. */
  inferred: boolean;
}

/** The reference's cluster (Lonestar6's A100 partition), the size when nothing else tells. */
export const REFERENCE_NODES = 88;

/**
 * The size of the cluster to simulate: the one given; else, for selected
 * partitions, the peak their jobs have running at once (said to be inferred);
 * else the one the trace declares (SWF); else, counting GPUs, the inferred
 * peak (the reference's 88 nodes would be a guess about another cluster);
 * else the reference's 88 nodes.
 */
export function resolveCapacity(trace: Pick<LoadedTrace, 'jobs' | 'capacityNodes' | 'capacityProcessors'>, unit: SizeUnit, given?: number | null, partitionsSelected = false): Capacity {
  if (given !== undefined && given !== null) return { value: given, source: 'given', inferred: false };
  const inferred = (): Capacity => ({ value: Math.max(1, peakRunning(trace.jobs, unit)), source: 'inferred', inferred: true });
  // A trace declares its whole machine, not a partition's share of it.
  if (partitionsSelected) return inferred();
  const declared = unit === 'nodes' ? trace.capacityNodes : trace.capacityProcessors;
  if (declared !== null && declared > 0) return { value: declared, source: 'declared', inferred: false };
  if (unit === 'gpus') return inferred();
  return { value: REFERENCE_NODES, source: 'reference', inferred: false };
}

/** "88 nodes (given)", "352 GPUs (inferred: the most the trace has running at once)". */
export function describeCapacity(capacity: Capacity, unit: SizeUnit): string {
  const what = `${capacity.value.toLocaleString('en-US')} ${unit === 'gpus' ? 'GPUs' : 'nodes'}`;
  switch (capacity.source) {
    case 'given':
      return `${what} (given)`;
    case 'declared':
      return `${what} (declared by the trace)`;
    case 'inferred':
      return `${what} (inferred: the most the trace has running at once, a lower bound; give the real size to be sure)`;
    case 'reference':
      return `${what} (the reference's default; give the real size)`;
  }
}

export interface PartitionInfo {
  /** As the trace names it; '' when the trace has no partition column. */
  name: string;
  jobs: number;
  /** Jobs the simulator can replay in this unit: run time, limit and a size known. */
  simulatable: number;
  /** Job sizes in the unit (jobs with no size left out). */
  size: { min: number; median: number; max: number; mean: number };
  /** Most units the partition's jobs hold at once, from their recorded starts and ends (a start unknown counts from submit). */
  peakRunning: number;
  capacity: Capacity;
}

/**
 * The partition a job is listed under: its own, or for a pending job that
 * names several (`a,b`: Slurm runs it in whichever frees first) the first.
 */
function homePartition(job: Job): string {
  const comma = job.partition.indexOf(',');
  return comma < 0 ? job.partition : job.partition.slice(0, comma);
}

/** Partition names a trace uses, most jobs first (ties by name). */
export function partitionNames(jobs: readonly Job[]): string[] {
  return [...countBy(jobs).entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
}

function countBy(jobs: readonly Job[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(homePartition(job), (counts.get(homePartition(job)) ?? 0) + 1);
  return counts;
}

/** Most `unit`s held at once by the jobs' recorded runs (a job whose start is unknown counts from its submit). */
export function peakRunning(jobs: readonly Job[], unit: SizeUnit): number {
  const deltas: Array<[number, number]> = [];
  for (const job of jobs) {
    const size = jobSize(job, unit);
    if (job.startSec === null || job.endSec === null || !size) continue;
    deltas.push([job.startSec, size], [job.endSec, -size]);
  }
  // Ends before starts at the same second: a job ending as another starts frees its units first.
  deltas.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let level = 0;
  let peak = 0;
  for (const [, d] of deltas) {
    level += d;
    if (level > peak) peak = level;
  }
  return peak;
}

function isSimulatable(job: Job, unit: SizeUnit): boolean {
  return job.startSec !== null && job.endSec !== null && job.limitMinutes !== null && (jobSize(job, unit) ?? 0) > 0;
}

/**
 * One entry per partition, most jobs first; a pending job naming several
 * counts under the first. `given` sizes the named partitions; the others get
 * the peak they have running, said to be inferred.
 */
export function describePartitions(jobs: readonly Job[], unit: SizeUnit, given: ReadonlyMap<string, number> = new Map()): PartitionInfo[] {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const home = homePartition(job);
    const list = groups.get(home);
    if (list) list.push(job);
    else groups.set(home, [job]);
  }
  return partitionNames(jobs).map((name) => {
    const list = groups.get(name)!;
    const sizes = list.map((j) => jobSize(j, unit)).filter((s): s is number => s !== null).sort((a, b) => a - b);
    const peak = peakRunning(list, unit);
    const g = given.get(name);
    return {
      name,
      jobs: list.length,
      simulatable: list.filter((j) => isSimulatable(j, unit)).length,
      size: {
        min: sizes[0] ?? 0,
        median: sizes.length === 0 ? 0 : sizes[Math.floor((sizes.length - 1) / 2)],
        max: sizes[sizes.length - 1] ?? 0,
        mean: sizes.length === 0 ? 0 : Math.round((sizes.reduce((s, x) => s + x, 0) / sizes.length) * 1000) / 1000,
      },
      peakRunning: peak,
      capacity: g !== undefined ? { value: g, source: 'given', inferred: false } : { value: Math.max(peak, 1), source: 'inferred', inferred: true },
    };
  });
}

/**
 * Reads a capacity option: a number (the whole cluster) or `name=size,...`
 * (per partition). Throws a RangeError naming the part that does not read.
 */
export function parseCapacitySpec(text: string): { total: number | null; byPartition: Map<string, number> } {
  const t = text.trim();
  const whole = (s: string, what: string): number => {
    const n = Number(s);
    if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what}: '${s}' is not a whole number >= 1`);
    return n;
  };
  if (!t.includes('=')) return { total: whole(t, 'capacity'), byPartition: new Map() };
  const byPartition = new Map<string, number>();
  for (const part of t.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq < 0 || name === '') throw new RangeError(`capacity: '${part}' is not partition=size`);
    byPartition.set(name, whole(part.slice(eq + 1), `capacity of ${name}`));
  }
  return { total: null, byPartition };
}
