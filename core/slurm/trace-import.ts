import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { parseClock, tryParseClock } from '../trace/index.js';
import { parseTraceText } from '../trace/index.js';
import type { LoadedTrace } from '../trace/index.js';
import type { CliSlurmClient } from './client.js';

/**
 * The sacct fields a trace needs, in the `--parsable2` layout core/trace reads.
 * AllocTRES carries the GPUs a job held (`gres/gpu=N`), which the simulator
 * counts with `--unit gpus` on shared-node GPU clusters.
 */
export const SACCT_TRACE_FIELDS = ['JobID', 'JobIDRaw', 'JobName', 'User', 'Partition', 'State', 'Submit', 'Start', 'End', 'TimelimitRaw', 'NNodes', 'Priority', 'AllocTRES'];

export interface TraceImportRequest {
  /** Cluster-clock times `YYYY-MM-DDTHH:MM:SS` (or `YYYY-MM-DD`). */
  since: string;
  until: string;
  partition?: string;
  out: string;
  /**
   * The job-completion log, to restore submit times `sacct -c` loses (it shows
   * Submit = Start). Default: JobCompLoc from `scontrol show config`.
   */
  jobcompFile?: string;
}

export interface TraceImportResult {
  loaded: LoadedTrace;
  /** Which database sacct read. */
  source: 'slurmdbd' | 'jobcomp';
  rowsFromSacct: number;
  /** Rows sacct printed that lie outside the window or partition (`sacct -c` does not filter). */
  rowsDropped: number;
  /** Rows whose Submit came from the job-completion log. */
  submitsRestored: number;
  notes: string[];
}

/**
 * Runs `sacct --parsable2 --allocations` over a time window and writes what it
 * printed as a trace file core/trace loads, then loads it for the report.
 */
export async function importTrace(client: CliSlurmClient, request: TraceImportRequest): Promise<TraceImportResult> {
  const sinceSec = parseClock(request.since);
  const untilSec = parseClock(request.until);
  if (untilSec <= sinceSec) throw new Error(`--until (${request.until}) must be after --since (${request.since})`);
  const args = ['--parsable2', '--allocations', '--allusers', '-S', request.since, '-E', request.until, '-o', SACCT_TRACE_FIELDS.join(',')];
  if (request.partition) args.push('-r', request.partition);
  // Cluster-clock text, whatever SLURM_TIME_FORMAT the user has set.
  const text = await client.sacct(args, { ...client.environment, SLURM_TIME_FORMAT: 'standard' });
  const source = client.accountingSource === 'jobcomp' ? 'jobcomp' : 'slurmdbd';
  const notes: string[] = [];

  let jobcomp: Map<string, JobcompFacts> | null = null;
  if (source === 'jobcomp') {
    const file = request.jobcompFile ?? (await jobcompLocation(client));
    if (file !== null) {
      jobcomp = await readJobcomp(file).catch((error: unknown) => {
        notes.push(`could not read the job-completion log ${file} (${(error as Error).message}): Submit = Start for every job, so waits read as 0`);
        return null;
      });
    } else {
      notes.push('no job-completion log found (JobCompLoc): Submit = Start for every job, so waits read as 0');
    }
  }
  const window = { sinceSec, untilSec, partition: request.partition };
  const shaped = shapeSacctText(text, window, jobcomp);
  if (source === 'jobcomp') notes.push(`read the job-completion log with sacct -c (no slurmdbd): finished jobs only`);
  await writeFileAtomic(request.out, shaped.text);
  const loaded = parseTraceText(shaped.text, basename(request.out));
  return { loaded, source, rowsFromSacct: shaped.rows, rowsDropped: shaped.dropped, submitsRestored: shaped.restored, notes };
}

interface Window {
  sinceSec: number;
  untilSec: number;
  partition?: string;
}

/**
 * Keeps the header and the rows of jobs that were in the system during the
 * window (submitted before its end, not ended before its start) in the
 * partition, and puts back the submit times and array task ids `sacct -c`
 * loses, from the job-completion log. A row
 * that does not split into the header's fields is kept as is, for the loader
 * to report.
 */
export function shapeSacctText(text: string, window: Window, jobcomp: Map<string, JobcompFacts> | null): { text: string; rows: number; dropped: number; restored: number } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('sacct printed nothing (not even a header)');
  const header = lines[0].split('|');
  const col = (name: string): number => header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
  const [id, raw, submit, end, partition] = [col('JobID'), col('JobIDRaw'), col('Submit'), col('End'), col('Partition')];
  if (submit < 0 || end < 0) throw new Error(`sacct header lacks Submit/End: '${lines[0]}'`);
  const kept = [lines[0]];
  let dropped = 0;
  let restored = 0;
  for (const line of lines.slice(1)) {
    const f = line.split('|');
    if (f.length !== header.length) {
      kept.push(line);
      continue;
    }
    const facts = raw >= 0 ? jobcomp?.get(f[raw]) : undefined;
    if (facts !== undefined && facts.submit !== f[submit]) {
      f[submit] = facts.submit;
      restored++;
    }
    if (facts?.arrayId && id >= 0 && f[id] === f[raw]) f[id] = facts.arrayId;
    const submitSec = tryParseClock(f[submit]);
    const endSec = tryParseClock(f[end]);
    const outside = (submitSec !== null && submitSec > window.untilSec) || (endSec !== null && endSec < window.sinceSec);
    const otherPartition = window.partition !== undefined && partition >= 0 && !f[partition].split(',').includes(window.partition);
    if (outside || otherPartition) {
      dropped++;
      continue;
    }
    kept.push(f.join('|'));
  }
  return { text: kept.join('\n') + '\n', rows: lines.length - 1, dropped, restored };
}

/** What the job-completion log knows that `sacct -c` does not print right. */
export interface JobcompFacts {
  submit: string;
  /** `123_4` for an array task (sacct -c prints the raw id). */
  arrayId: string | null;
}

/** JobId -> facts from a jobcomp/filetxt log (`JobId=5 ... SubmitTime=... ArrayJobId=4 ArrayTaskId=1`). */
export async function readJobcomp(file: string): Promise<Map<string, JobcompFacts>> {
  const map = new Map<string, JobcompFacts>();
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(line)?.[1];
    const id = field('JobId');
    const submit = field('SubmitTime');
    if (id === undefined || submit === undefined || tryParseClock(submit) === null) continue;
    const arrayJob = field('ArrayJobId');
    const arrayTask = field('ArrayTaskId');
    map.set(id, { submit, arrayId: arrayJob !== undefined && arrayTask !== undefined ? `${arrayJob}_${arrayTask}` : null });
  }
  return map;
}

async function jobcompLocation(client: CliSlurmClient): Promise<string | null> {
  const config = await client.showConfig();
  const type = config.get('JobCompType') ?? '';
  const loc = config.get('JobCompLoc') ?? '';
  return type.includes('filetxt') && loc.startsWith('/') ? loc : null;
}
