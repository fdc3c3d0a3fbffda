import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { atomicTempPath, atomicWriteError } from '../files/atomic.js';
import { formatClock } from './clock.js';
import type { Job } from './job.js';
import { computeTraceStats } from './stats.js';

/* ---------- the TACC / Mirage dump ---------- */

export interface MirageDumpOptions {
  /**
   * 'tab': fields split by TABs, as the public traces are (lossless).
   * 'spaces': aligned columns split by spaces, the filtered-*.log layout the
   * reference code reads; values holding spaces get `_`, empty ones `-`.
   */
  layout?: 'tab' | 'spaces';
  /** Start with a line holding the row count, as the public LS6 dump does (the reference cannot read it). */
  countLine?: boolean;
}

interface DumpColumn {
  name: string;
  value: (job: Job) => string;
  rightAlign: boolean;
}

const timeOrUnknown = (sec: number | null): string => (sec === null ? 'Unknown' : formatClock(sec));

function dumpColumns(jobs: readonly Job[], layout: 'tab' | 'spaces'): DumpColumn[] {
  const columns: DumpColumn[] = [
    { name: 'JobID', value: (j) => j.id, rightAlign: false },
    { name: 'JobName', value: (j) => j.name, rightAlign: true },
    { name: 'UID', value: (j) => j.user, rightAlign: true },
    { name: 'Start', value: (j) => timeOrUnknown(j.startSec), rightAlign: true },
    { name: 'Submit', value: (j) => formatClock(j.submitSec), rightAlign: true },
    { name: 'End', value: (j) => timeOrUnknown(j.endSec), rightAlign: true },
    { name: 'Priority', value: (j) => (j.priority === null ? '' : String(j.priority)), rightAlign: true },
    { name: 'TimelimitR', value: (j) => (j.limitMinutes === null ? 'UNLIMITED' : String(j.limitMinutes)), rightAlign: true },
    { name: 'NNodes', value: (j) => String(j.nodes), rightAlign: true },
  ];
  // Columns the source had only when some job fills them, so LS6 round-trips to its own shape.
  if (jobs.some((j) => j.partition !== '')) columns.push({ name: 'Partition', value: (j) => j.partition, rightAlign: true });
  if (jobs.some((j) => j.state !== '')) columns.push({ name: 'State', value: (j) => j.state, rightAlign: true });
  // GPU counts travel as sacct's TRES; the reference's space layout has no such column.
  if (layout === 'tab' && jobs.some((j) => j.gpus !== undefined)) {
    columns.push({ name: 'AllocTRES', value: (j) => (j.gpus === undefined ? '' : `gres/gpu=${j.gpus}`), rightAlign: true });
  }
  return columns;
}

/** The dump's lines (no terminators): optional count line, header, ruler, one row per job. */
export function* mirageDumpLines(jobs: readonly Job[], options: MirageDumpOptions = {}): Generator<string> {
  const spaces = options.layout === 'spaces';
  const columns = dumpColumns(jobs, spaces ? 'spaces' : 'tab');
  const cell = spaces ? (text: string): string => (text === '' ? '-' : text.replace(/\s/g, '_')) : (text: string): string => text.replace(/[\t\r\n]/g, ' ');
  const widths = columns.map((c) => Math.max(c.name.length, 8));
  if (spaces) {
    for (const job of jobs) columns.forEach((c, i) => (widths[i] = Math.max(widths[i], cell(c.value(job)).length)));
  }
  const align = (text: string, i: number): string => (columns[i].rightAlign ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  if (options.countLine) yield String(jobs.length);
  yield columns.map((c, i) => c.name.padStart(widths[i])).join(' ');
  yield widths.map((w) => '-'.repeat(w)).join(' ');
  for (const job of jobs) {
    if (spaces) yield columns.map((c, i) => align(cell(c.value(job)), i)).join(' ').trimEnd();
    else yield columns.map((c) => cell(c.value(job))).join('\t');
  }
}

export function formatMirageDump(jobs: readonly Job[], options: MirageDumpOptions = {}): string {
  return joinLines(mirageDumpLines(jobs, options));
}

/** Writes the dump atomically (a temporary file renamed into place). */
export async function writeMirageDump(jobs: readonly Job[], path: string, options: MirageDumpOptions & WorkOptions = {}): Promise<void> {
  await writeLinesAtomic(path, mirageDumpLines(jobs, options), jobs.length, options);
}

/* ---------- the Standard Workload Format ---------- */

export interface SwfWriteOptions {
  /** Processors per node: SWF counts processors (default 1, so processors = nodes). */
  processorsPerNode?: number;
  /** The cluster size for MaxNodes (default: the most nodes the trace ever has running, a lower bound). */
  capacityNodes?: number | null;
  /** Where the jobs came from, for the header's Computer / Note lines. */
  source?: string;
}

const SWF_STATUS: Record<string, number> = {
  COMPLETED: 1, FAILED: 0, TIMEOUT: 0, NODE_FAIL: 0, OUT_OF_MEMORY: 0, BOOT_FAIL: 0, DEADLINE: 0, PREEMPTED: 0, CANCELLED: 5,
};

/** Numbers for labels SWF can only hold as numbers: numeric labels keep their value, others count up from 1. */
function numberer(values: Iterable<string>): { of: (label: string) => number; renamed: Array<[string, number]> } {
  const labels = new Set(values);
  labels.delete('');
  const allNumeric = [...labels].every((l) => /^\d+$/.test(l) && Number.isSafeInteger(Number(l)));
  const renamed: Array<[string, number]> = [];
  const map = new Map<string, number>();
  for (const label of labels) {
    const n = allNumeric ? Number(label) : map.size + 1;
    map.set(label, n);
    if (!allNumeric) renamed.push([label, n]);
  }
  return { of: (label) => map.get(label) ?? -1, renamed };
}

/** SWF lines: header comments, then one record per job in submit order (SWF is sorted by submit time). */
export function* swfLines(jobs: readonly Job[], options: SwfWriteOptions = {}): Generator<string> {
  const ppn = options.processorsPerNode ?? 1;
  const ordered = isSortedBySubmit(jobs) ? jobs : [...jobs].sort((a, b) => a.submitSec - b.submitSec);
  const unixStart = ordered.length > 0 ? ordered[0].submitSec : 0;
  const capacityKnown = options.capacityNodes !== undefined && options.capacityNodes !== null;
  const maxNodes = capacityKnown ? options.capacityNodes! : computeTraceStats(ordered).peakRunningNodes;
  const ids = new Set(ordered.map((j) => j.id));
  const idsAreNumbers = ids.size === ordered.length && [...ids].every((id) => /^\d+$/.test(id) && Number.isSafeInteger(Number(id)));
  const users = numberer(ordered.map((j) => j.user));
  const partitions = numberer(ordered.map((j) => j.partition));

  yield '; Version: 2.2';
  yield `; Computer: ${options.source ?? 'unknown'}`;
  yield `; Conversion: Mirage Workbench${options.source ? ` from ${options.source}` : ''}`;
  yield '; Note: times are the cluster\'s local wall clock; the source trace carries no zone, so TimeZoneString is UTC';
  if (!capacityKnown) yield '; Note: MaxNodes is the most nodes the trace has running at once (the cluster size was not given)';
  if (!idsAreNumbers) yield '; Note: the source job ids are not all distinct numbers: jobs are numbered 1.. in submit order';
  if (users.renamed.length > 0) yield `; Note: users numbered in order of appearance: ${users.renamed.map(([l, n]) => `${n}=${l}`).join(' ')}`;
  for (const [label, n] of partitions.renamed) yield `; Partition: ${n} ${label}`;
  yield `; UnixStartTime: ${unixStart}`;
  yield '; TimeZoneString: UTC';
  yield `; StartTime: ${formatClock(unixStart)}`;
  yield `; MaxJobs: ${ordered.length}`;
  yield `; MaxRecords: ${ordered.length}`;
  yield `; MaxNodes: ${maxNodes}`;
  yield `; MaxProcs: ${maxNodes * ppn}`;
  let n = 0;
  for (const job of ordered) {
    n++;
    const started = job.startSec !== null;
    // An unknown start stays unknown (-1), as the archive log it came from had it.
    const wait = started && !job.startUnknown ? job.startSec! - job.submitSec : -1;
    const run = started && job.endSec !== null ? job.endSec - job.startSec! : -1;
    // An SWF job keeps the processors its log gave; others count whole nodes.
    const procs = job.processors ?? job.nodes * ppn;
    const id = idsAreNumbers ? job.id : n;
    const requestedTime = job.limitMinutes === null ? -1 : job.limitMinutes * 60;
    // job, submit, wait, run, allocated procs, cpu, memory, requested procs, requested time, memory,
    // status, user, group, executable, queue, partition, preceding job, think time
    yield `${id} ${job.submitSec - unixStart} ${wait} ${run} ${started ? procs : -1} -1 -1 ${procs} ${requestedTime} -1 ` +
      `${SWF_STATUS[job.state] ?? -1} ${users.of(job.user)} -1 -1 -1 ${partitions.of(job.partition)} -1 -1`;
  }
}

function isSortedBySubmit(jobs: readonly Job[]): boolean {
  for (let i = 1; i < jobs.length; i++) if (jobs[i].submitSec < jobs[i - 1].submitSec) return false;
  return true;
}

export function formatSwf(jobs: readonly Job[], options: SwfWriteOptions = {}): string {
  return joinLines(swfLines(jobs, options));
}

/** Writes SWF atomically (a temporary file renamed into place). */
export async function writeSwf(jobs: readonly Job[], path: string, options: SwfWriteOptions & WorkOptions = {}): Promise<void> {
  await writeLinesAtomic(path, swfLines(jobs, options), jobs.length, options);
}

/* ---------- shared ---------- */

function joinLines(lines: Iterable<string>): string {
  let text = '';
  for (const line of lines) text += line + '\n';
  return text;
}

const BATCH_CHARS = 1 << 20;

async function writeLinesAtomic(path: string, lines: Iterable<string>, total: number, work: WorkOptions): Promise<void> {
  const temp = atomicTempPath(path);
  const stream = createWriteStream(temp);
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined); // observed through the races below; never unhandled
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) await Promise.race([new Promise<void>((resolve) => stream.once('drain', () => resolve())), failed]);
  };
  try {
    let batch = '';
    let written = 0;
    for (const line of lines) {
      batch += line + '\n';
      written++;
      if (batch.length >= BATCH_CHARS) {
        throwIfAborted(work.signal);
        await write(batch);
        batch = '';
        work.onProgress?.({ stage: 'write', done: Math.min(written, total), total, unit: 'lines' });
      }
    }
    await write(batch);
    await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), failed]);
    await rename(temp, path);
    work.onProgress?.({ stage: 'write', done: total, total, unit: 'lines' });
  } catch (error) {
    stream.destroy();
    await rm(temp, { force: true });
    throw atomicWriteError(error, temp, path);
  }
}
