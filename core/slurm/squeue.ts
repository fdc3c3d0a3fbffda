import { parseSlurmLimit } from '../trace/index.js';

/**
 * One job as squeue shows it. Times are Unix epoch seconds: the client runs
 * squeue with SLURM_TIME_FORMAT=%s, so nothing depends on the host's zone.
 */
export interface QueueJob {
  /** `%i`: `123`, or `123_4` for an array task. */
  id: string;
  /** `%A`: the numeric id slurmctld gave this job or task. */
  jobIdRaw: string;
  state: string;
  limitMinutes: number | null;
  nodes: number;
  submitSec: number;
  /** null while pending (squeue shows an estimate or N/A there). */
  startSec: number | null;
  /** Real end once finished; the limit end while running; null while pending. */
  endSec: number | null;
  partition: string;
  user: string;
  /** `--comment`, which the provisioner uses to recognise its own submissions. */
  comment: string;
}

/**
 * squeue `-o` format matching {@link parseSqueue}. The comment goes last
 * because it is free text and may contain the separator.
 */
export const SQUEUE_FORMAT = '%i|%A|%T|%l|%D|%V|%S|%e|%P|%u|%k';

const PENDING_STATES = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SPECIAL_EXIT', 'CONFIGURING']);
const RUNNING_STATES = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT', 'RESIZING', 'SUSPENDED', 'STOPPED']);

export function isPendingState(state: string): boolean {
  return PENDING_STATES.has(state);
}

export function isRunningState(state: string): boolean {
  return RUNNING_STATES.has(state);
}

/** Parses `squeue -h -o SQUEUE_FORMAT` output; `source` names it in errors. */
export function parseSqueue(text: string, source = 'squeue'): QueueJob[] {
  const jobs: QueueJob[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (line === '') continue;
    const f = line.split('|');
    if (f.length < 11) throw new Error(`${source} line ${i + 1}: expected 11 '|'-separated fields, got ${f.length}: '${line}'`);
    const [id, jobIdRaw, state, limit, nodes, submit, start, end, partition, user] = f;
    const where = `${source} line ${i + 1} (job ${id})`;
    const pending = isPendingState(state);
    jobs.push({
      id,
      jobIdRaw,
      state,
      limitMinutes: limitMinutesOrNull(limit, where),
      nodes: parseCount(nodes, where),
      submitSec: parseEpoch(submit, where, 'submit') ?? fail(where, 'no submit time'),
      startSec: pending ? null : parseEpoch(start, where, 'start'),
      endSec: pending ? null : parseEpoch(end, where, 'end'),
      partition,
      user,
      comment: f.slice(10).join('|'),
    });
  }
  return jobs;
}

/** Whole minutes of a Slurm limit; null when unlimited or unknown. */
export function limitMinutesOrNull(text: string, where: string): number | null {
  const limit = parseSlurmLimit(text);
  if (limit === null) fail(where, `time limit '${text}' is not a Slurm duration`);
  return limit.kind === 'minutes' ? limit.minutes : null;
}

function parseEpoch(text: string, where: string, what: string): number | null {
  const t = text.trim();
  if (t === 'N/A' || t === 'Unknown' || t === 'None' || t === '' || t === '0') return null;
  if (!/^\d+$/.test(t)) fail(where, `${what} time '${t}' is not epoch seconds (is SLURM_TIME_FORMAT=%s honoured?)`);
  return Number(t);
}

function parseCount(text: string, where: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(where, `node count '${text}' is not a whole number`);
  return n;
}

function fail(where: string, why: string): never {
  throw new Error(`${where}: ${why}`);
}
