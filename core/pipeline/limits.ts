import { existsSync, statfsSync, statSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { QUEUE_FEATURES } from '../sim/features.js';
import { CHAIN_FEATURES, FEATURE_COUNT } from '../dataset/windows.js';
import { parseSimConfig } from '../sim/config.js';
import type { PipelineConfig } from './config.js';

/**
 * Before a run starts: how much memory and disk will it need, and does this
 * machine have that much? A config that asks for a billion samples must be
 * refused with the numbers, not discovered by the kernel's OOM killer or a V8
 * fatal error minutes later (which in `mirage serve` ends the server and every
 * page on it).
 *
 * The estimates are upper bounds from the data layout, not measurements:
 * - a packed training window (core/dataset/windows.ts) stores at most
 *   windowLength x 34 float32 queue rows (none shared with the previous
 *   window), 8 float32 chain values and 13 int64/float columns: 19,720 bytes
 *   with 144 snapshots; the paper's LS6 dataset (4,788 windows) measures
 *   40.3 MB against the 94.4 MB bound;
 * - an unpacked window (what training and the simulator hand around) is
 *   windowLength x 42 float32: 24,192 bytes;
 * - generation holds, per worker thread, one sample's probes unpacked and
 *   packed, and at the end every record plus the dataset's arrays (2 x packed);
 * - training reads the packed dataset, unpacks every window, and copies the
 *   training and held-out splits (packed + 2 x unpacked);
 * - results (one per sample and policy or probe) are JavaScript objects on the
 *   V8 heap, bounded by the heap limit rather than by the machine.
 */

/** Bytes of the per-example columns of a dataset (sample_index, probe_index, times, reward, ...). */
const COLUMN_BYTES_PER_WINDOW = 13 * 8;
/** A result held as JavaScript objects (one sample's metadata, or one run of a probe or policy), generously. */
const HEAP_BYTES_PER_RESULT = 512;
/** Heap per byte of trace text: a parsed job (strings, numbers, the object) is a few times its line. */
const HEAP_BYTES_PER_TRACE_BYTE = 6;
/** The process itself, the simulator's workload and the model code: kept free besides the estimate. */
const BASE_MEMORY_BYTES = 512 * 1024 * 1024;
/** Written besides the dataset: model, calibration, report, charts. */
const BASE_DISK_BYTES = 64 * 1024 * 1024;
/** Disk per validated sample and policy: a reward.log line, a rewards.csv row, the summary's share. */
const DISK_BYTES_PER_RESULT = 400;

export interface WorkEstimate {
  /** Off-heap and heap memory at the peak (the larger of generation and training). */
  memoryBytes: number;
  /** Of memoryBytes: JavaScript objects on the V8 heap of the process starting the run. */
  heapBytes: number;
  diskBytes: number;
  /** What drives the estimate, for the message: `684 samples x 7 probes = 4,788 windows`. */
  basis: string[];
}

/** What this machine can give a new run now. */
export interface MachineRoom {
  /** Available memory (the kernel's MemAvailable, capped by a container limit). */
  memoryBytes: number;
  /** Room left on the V8 heap of this process. */
  heapBytes: number;
  /** Free space of the file system holding the output folder; null when it cannot be told. */
  diskBytes: number | null;
}

export function packedWindowBytes(windowLength: number): number {
  return windowLength * QUEUE_FEATURES * 4 + CHAIN_FEATURES * 4 + COLUMN_BYTES_PER_WINDOW;
}

export function unpackedWindowBytes(windowLength: number): number {
  return windowLength * FEATURE_COUNT * 4;
}

export interface ChainWork {
  samples: number;
  /** Runs simulated per sample: the probes, or 1 for a baseline. */
  runsPerSample: number;
  /** Snapshots per window when features are recorded; 0 when they are not. */
  windowLength: number;
  threads: number;
}

/**
 * Simulating a schedule and keeping every sample's result (`mirage chain`,
 * validation); with a window length, also every run's features, written as a
 * dataset (`mirage dataset generate`).
 */
export function estimateChain(work: ChainWork): WorkEstimate {
  const results = work.samples * (1 + work.runsPerSample);
  const heapBytes = results * HEAP_BYTES_PER_RESULT;
  let featureBytes = 0;
  let diskBytes = 0;
  if (work.windowLength > 0) {
    const packed = results * packedWindowBytes(work.windowLength);
    featureBytes = work.threads * work.runsPerSample * (unpackedWindowBytes(work.windowLength) + packedWindowBytes(work.windowLength)) + 2 * packed;
    diskBytes = 2 * packed;
  }
  return {
    memoryBytes: heapBytes + featureBytes,
    heapBytes,
    diskBytes,
    basis: [`${count(work.samples)} samples x ${count(work.runsPerSample)} run(s) each${work.windowLength > 0 ? `, with windows of up to ${bytes(packedWindowBytes(work.windowLength))}` : ''}`],
  };
}

export interface PipelineWorkOptions {
  /** Worker threads of the simulation (config.workers, 0: every core). */
  threads?: number;
  /** Size of the trace file, bytes (its parse is held in memory). */
  traceBytes?: number;
}

/** The whole of `mirage run` for this config: dataset, training, validation. */
export function estimatePipeline(config: PipelineConfig, options: PipelineWorkOptions = {}): WorkEstimate {
  const threads = options.threads ?? (config.workers > 0 ? config.workers : availableParallelism());
  const windowLength = parseSimConfig(config.sim).snapshotWindow;
  const windows = config.dataset.samples * config.dataset.probes;
  const packed = windows * packedWindowBytes(windowLength);
  const unpacked = windows * unpackedWindowBytes(windowLength);
  const inFlight = threads * config.dataset.probes * (unpackedWindowBytes(windowLength) + packedWindowBytes(windowLength));
  const generation = inFlight + 2 * packed;
  const training = packed + 2 * unpacked;
  const policies = 1 + new Set(['reactive', ...config.validation.baselines]).size;
  const validationResults = config.validation.samples * policies;
  const heapBytes =
    (config.dataset.samples + windows + validationResults + config.validation.samples) * HEAP_BYTES_PER_RESULT + (options.traceBytes ?? 0) * HEAP_BYTES_PER_TRACE_BYTE;
  return {
    memoryBytes: Math.max(generation, training) + heapBytes,
    heapBytes,
    diskBytes: 2 * packed + validationResults * DISK_BYTES_PER_RESULT + BASE_DISK_BYTES,
    basis: [
      `dataset.samples ${count(config.dataset.samples)} x dataset.probes ${count(config.dataset.probes)} = ${count(windows)} training windows of up to ${bytes(packedWindowBytes(windowLength))} each`,
      `${threads} simulation thread(s) holding ${count(config.dataset.probes)} probes each`,
      `validation.samples ${count(config.validation.samples)} x ${policies} policies`,
    ],
  };
}

/** The nearest existing folder at or above `path` (the output folder may not exist yet). */
function existingAncestor(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir)) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dir;
}

/** The room this machine has now for a run writing under `outDir`. */
export function machineRoom(outDir: string): MachineRoom {
  let memoryBytes = freemem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  // A container limit (cgroup) binds before the host's free memory does.
  if (constrained && constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) memoryBytes = Math.min(memoryBytes, Math.max(0, constrained - process.memoryUsage().rss));
  const heap = getHeapStatistics();
  let diskBytes: number | null;
  try {
    const fs = statfsSync(existingAncestor(outDir));
    // A pseudo file system (/proc, /sys) has no blocks at all: creating the folder will say what is wrong.
    diskBytes = fs.blocks > 0 ? fs.bavail * fs.bsize : null;
  } catch {
    diskBytes = null; // a file system that cannot say (some network mounts): disk is not checked
  }
  return { memoryBytes, heapBytes: Math.max(0, heap.heap_size_limit - heap.used_heap_size), diskBytes };
}

/** Refused because it would not fit: the message carries the estimate, the room and what to lower. */
export class RunTooLargeError extends Error {
  constructor(
    message: string,
    readonly estimate: WorkEstimate,
    readonly room: MachineRoom,
  ) {
    super(message);
    this.name = 'RunTooLargeError';
  }
}

/**
 * Throws RunTooLargeError when `estimate` exceeds `room`; `what` names the
 * work and `lower` says which settings to reduce.
 */
export function checkFits(what: string, estimate: WorkEstimate, room: MachineRoom, lower: string): void {
  const problems: string[] = [];
  if (estimate.memoryBytes + BASE_MEMORY_BYTES > room.memoryBytes) {
    problems.push(`about ${bytes(estimate.memoryBytes)} of memory, and ${bytes(room.memoryBytes)} is available (with ${bytes(BASE_MEMORY_BYTES)} kept for the program itself)`);
  } else if (estimate.heapBytes > room.heapBytes) {
    problems.push(`about ${bytes(estimate.heapBytes)} of JavaScript heap for its results, and ${bytes(room.heapBytes)} is left (node --max-old-space-size raises it)`);
  }
  if (room.diskBytes !== null && estimate.diskBytes > room.diskBytes) {
    problems.push(`about ${bytes(estimate.diskBytes)} of disk, and the output folder's file system has ${bytes(room.diskBytes)} free`);
  }
  if (problems.length === 0) return;
  throw new RunTooLargeError(`${what} would need ${problems.join('; and ')}. Estimated from ${estimate.basis.join('; ')}. Lower ${lower}.`, estimate, room);
}

/** `mirage run` and the server's runs.start / runs.resume: refuses a config this machine cannot hold. */
export function checkPipelineFits(config: PipelineConfig, outDir: string, options: PipelineWorkOptions & { tracePath?: string; room?: MachineRoom } = {}): WorkEstimate {
  let traceBytes = options.traceBytes;
  if (traceBytes === undefined && options.tracePath) {
    try {
      traceBytes = statSync(options.tracePath).size;
    } catch {
      traceBytes = 0; // a missing trace is reported by the trace stage, with its path
    }
  }
  const estimate = estimatePipeline(config, { ...options, traceBytes });
  checkFits('this experiment', estimate, options.room ?? machineRoom(outDir), 'dataset.samples, dataset.probes or validation.samples (or free memory and disk)');
  return estimate;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Bytes in binary units, three significant figures: `94.4 MiB`. */
export function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toPrecision(3)} ${units[unit]}`;
}
