import { tryParseClock } from '../clock.js';
import type { JobCollector } from '../collector.js';
import type { Job } from '../job.js';
import { parseSlurmLimit } from '../limits.js';
import { TraceFormatError } from '../types.js';

/**
 * Rows of Slurm accounting data, whichever way they are laid out (TACC dump
 * or sacct --parsable2): columns found by header name, one row to one job.
 */

/** Header names each field may go by, case-insensitive, most specific first. */
const ALIASES = {
  id: ['jobid'],
  name: ['jobname', 'name'],
  user: ['uid', 'user', 'username'],
  partition: ['partition'],
  state: ['state'],
  submit: ['submit'],
  start: ['start'],
  end: ['end'],
  limit: ['timelimitr', 'timelimitraw', 'timelimit'],
  priority: ['priority'],
  nodes: ['nnodes', 'allocnodes', 'reqnodes', 'nodes'],
  allocTres: ['alloctres'],
  reqTres: ['reqtres'],
} as const;

type Field = keyof typeof ALIASES;
const REQUIRED: readonly Field[] = ['id', 'submit', 'start', 'end', 'limit', 'nodes'];
const REQUIRED_LABEL: Record<string, string> = { id: 'JobID', submit: 'Submit', start: 'Start', end: 'End', limit: 'Timelimit (or TimelimitR)', nodes: 'NNodes (or AllocNodes/ReqNodes)' };

export interface SlurmColumns {
  /** Column index per field, -1 when absent. */
  index: Record<Field, number>;
  /** Every node-count column present, in preference order (NNodes, AllocNodes, ReqNodes). */
  nodeColumns: number[];
  names: string[];
}

/** Maps header names to columns; throws a TraceFormatError naming the missing ones. */
export function slurmColumns(names: string[], file: string, line: number): SlurmColumns {
  const lower = names.map((n) => n.trim().toLowerCase());
  const index = {} as Record<Field, number>;
  for (const field of Object.keys(ALIASES) as Field[]) {
    index[field] = -1;
    for (const alias of ALIASES[field]) {
      const at = lower.indexOf(alias);
      if (at >= 0) {
        index[field] = at;
        break;
      }
    }
  }
  const missing = REQUIRED.filter((f) => index[f] < 0);
  if (missing.length > 0) {
    throw new TraceFormatError(file, line, `the header lacks the column(s) ${missing.map((f) => REQUIRED_LABEL[f]).join(', ')}; it has: ${names.map((n) => n.trim()).join(' ')}`);
  }
  const nodeColumns = ALIASES.nodes.map((alias) => lower.indexOf(alias)).filter((i) => i >= 0);
  return { index, nodeColumns, names: names.map((n) => n.trim()) };
}

const NOT_A_TIME = new Set(['unknown', 'none', 'n/a']);

/**
 * GPUs in a TRES list (`billing=8,cpu=8,gres/gpu=2,gres/gpu:a100=2,mem=64G,node=1`):
 * the `gres/gpu` total, else the sum of the typed `gres/gpu:TYPE` counts, else 0;
 * null for an empty list (nothing allocated yet); undefined when unreadable.
 */
export function gpusFromTres(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  let total: number | null = null;
  let typed = 0;
  for (const item of t.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) return undefined;
    const key = item.slice(0, eq).trim().toLowerCase();
    if (key !== 'gres/gpu' && !key.startsWith('gres/gpu:')) continue;
    const value = item.slice(eq + 1).trim();
    if (!/^\d+$/.test(value)) return undefined;
    if (key === 'gres/gpu') total = Number(value);
    else typed += Number(value);
  }
  return total ?? typed;
}

/** undefined = not a time at all (reject); null = the trace says "no time" (Unknown, None). */
function optionalTime(text: string): number | null | undefined {
  const sec = tryParseClock(text);
  if (sec !== null) return sec;
  return NOT_A_TIME.has(text.toLowerCase()) ? null : undefined;
}

function nodeCount(text: string): number {
  const m = /^(\d+)(?:-\d+)?([KM]?)$/.exec(text);
  if (!m) return 0;
  const scale = m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 * 1024 : 1;
  return Number(m[1]) * scale;
}

/** Expands `5-9`, `1,3,5-7`, `0-15:4`, `1-100%10` into task numbers; null when malformed or too many. */
export function expandArrayTasks(spec: string, maxTasks = 100_000): number[] | null {
  const tasks: number[] = [];
  const body = spec.replace(/%\d+$/, '');
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) return null;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (last < first || step < 1) return null;
    for (let t = first; t <= last; t += step) {
      tasks.push(t);
      if (tasks.length > maxTasks) return null;
    }
  }
  return tasks;
}

const ARRAY_RECORD = /^(\d+)_\[([^\]]+)\]$/;

/**
 * Turns one row's fields into jobs in the collector, or rejects the row with
 * its reason. Job steps are counted and skipped; a pending array record
 * (`123_[5-9]`) becomes one not-started job per task.
 */
export function addSlurmRow(fields: string[], cols: SlurmColumns, lineNo: number, text: string, out: JobCollector): void {
  const at = cols.index;
  const id = fields[at.id].trim();
  if (id === '') return out.reject(lineNo, text, 'empty JobID');
  if (id.includes('.')) {
    // `123.batch`, `123.extern`, `123.0`, `123_4.batch`, `123+0.0`: steps run inside their job's allocation.
    out.skipped.jobSteps++;
    return;
  }
  const submitText = fields[at.submit].trim();
  const submitSec = tryParseClock(submitText);
  if (submitSec === null) return out.reject(lineNo, text, `Submit '${submitText}' is not a time (YYYY-MM-DDTHH:MM:SS)`);
  const startText = fields[at.start].trim();
  const startSec = optionalTime(startText);
  if (startSec === undefined) return out.reject(lineNo, text, `Start '${startText}' is not a time (YYYY-MM-DDTHH:MM:SS, Unknown or None)`);
  const endText = fields[at.end].trim();
  const endSec = optionalTime(endText);
  if (endSec === undefined) return out.reject(lineNo, text, `End '${endText}' is not a time (YYYY-MM-DDTHH:MM:SS, Unknown or None)`);
  const limitText = fields[at.limit].trim();
  const limit = parseSlurmLimit(limitText);
  if (limit === null) return out.reject(lineNo, text, `${cols.names[at.limit]} '${limitText}' is not a time limit (minutes, [D-]HH:MM:SS, UNLIMITED)`);
  let nodes = 0;
  for (const c of cols.nodeColumns) {
    nodes = nodeCount(fields[c].trim());
    if (nodes > 0) break;
  }
  if (nodes <= 0) {
    const shown = cols.nodeColumns.map((c) => `${cols.names[c]} '${fields[c].trim()}'`).join(', ');
    return out.reject(lineNo, text, `no positive node count (${shown})`);
  }
  let gpus: number | null = null;
  for (const c of [at.allocTres, at.reqTres]) {
    if (c < 0) continue;
    const read = gpusFromTres(fields[c]);
    if (read === undefined) return out.reject(lineNo, text, `${cols.names[c]} '${fields[c].trim()}' is not a TRES list (name=count,...)`);
    if (read !== null) {
      gpus = read;
      break;
    }
  }
  const priorityText = at.priority >= 0 ? fields[at.priority].trim() : '';
  const priority = /^-?\d+(\.\d+)?$/.test(priorityText) ? Number(priorityText) : null;
  const stateText = at.state >= 0 ? fields[at.state].trim() : '';
  // "CANCELLED by 1234" -> "CANCELLED": the actor is not a state.
  const state = out.intern(stateText.split(' ', 1)[0].toUpperCase());
  const base: Job = {
    id,
    name: at.name >= 0 ? out.intern(fields[at.name].trim()) : '',
    user: at.user >= 0 ? out.intern(fields[at.user].trim()) : '',
    partition: at.partition >= 0 ? out.intern(fields[at.partition].trim()) : '',
    state,
    submitSec,
    startSec,
    endSec,
    limitMinutes: limit.kind === 'minutes' ? limit.minutes : null,
    nodes,
    ...(gpus !== null ? { gpus } : {}),
    priority,
    line: lineNo,
  };
  const array = ARRAY_RECORD.exec(id);
  if (!array) return out.add(base);
  const tasks = expandArrayTasks(array[2]);
  if (tasks === null) return out.reject(lineNo, text, `array job ${id}: task list '${array[2]}' is malformed or names more than 100,000 tasks`);
  out.arrayTasksExpanded += tasks.length - 1;
  for (const task of tasks) out.add({ ...base, id: `${array[1]}_${task}` });
}

/**
 * For a row with one field too many: the fields that, once removed, leave a
 * row whose id, times, limit and node count all read. One candidate names the
 * extra value; several (neighbours, as text fields all fit) are named together,
 * e.g. "one extra value among 'xaa' '00326' '810653' (header: JobName UID)".
 */
export function explainExtraField(fields: string[], cols: SlurmColumns): string | null {
  const at = cols.index;
  const fits: number[] = [];
  for (let k = 0; k < fields.length; k++) {
    const rest = fields.filter((_, i) => i !== k).map((f) => f.trim());
    if (!/^\d/.test(rest[at.id]) || tryParseClock(rest[at.submit]) === null) continue;
    if (optionalTime(rest[at.start]) === undefined || optionalTime(rest[at.end]) === undefined) continue;
    if (parseSlurmLimit(rest[at.limit]) === null) continue;
    if (!cols.nodeColumns.some((c) => nodeCount(rest[c]) > 0)) continue;
    fits.push(k);
  }
  if (fits.length === 0) return null;
  const value = (k: number): string => `'${fields[k].trim()}'`;
  if (fits.length === 1) {
    const k = fits[0];
    return k === 0 ? `an extra value ${value(0)} before ${cols.names[0]}` : `an extra value ${value(k)} after ${cols.names[k - 1]}`;
  }
  const lo = fits[0];
  const hi = fits[fits.length - 1];
  return `one extra value among ${fits.map(value).join(' ')} (header: ${cols.names.slice(lo, hi).join(' ')})`;
}
