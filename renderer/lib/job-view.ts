import type { JobColumns } from '../../core/api/trace.js';

/**
 * Sorting and filtering of the job table: pure functions over the columns,
 * returning the row indices to show. A 25k-row trace sorts in milliseconds
 * because keys are compared as plain numbers or strings, never localeCompare.
 */

export type JobColumnKey =
  | 'line'
  | 'id'
  | 'name'
  | 'user'
  | 'partition'
  | 'state'
  | 'nodes'
  | 'submitSec'
  | 'startSec'
  | 'endSec'
  | 'waitSec'
  | 'runSec'
  | 'limitMinutes';

export type SortDir = 'asc' | 'desc';

export interface JobViewSpec {
  sortKey: JobColumnKey;
  sortDir: SortDir;
  /** Filter text: words (all must match) like `alice`, `user:alice`, `nodes>=8`, `wait>2h`, `limit<=24h`, `state:pending`. */
  query: string;
}

export function waitSec(c: JobColumns, i: number): number | null {
  const start = c.startSec[i];
  return start === null ? null : start - c.submitSec[i];
}

export function runSec(c: JobColumns, i: number): number | null {
  const start = c.startSec[i];
  const end = c.endSec[i];
  return start === null || end === null ? null : end - start;
}

/** The value a column sorts by (null sorts last in either direction). */
export function cellValue(c: JobColumns, i: number, key: JobColumnKey): string | number | null {
  switch (key) {
    case 'waitSec':
      return waitSec(c, i);
    case 'runSec':
      return runSec(c, i);
    default:
      return c[key][i];
  }
}

type Predicate = (c: JobColumns, i: number) => boolean;

const NUMERIC_FIELDS: Record<string, { get: (c: JobColumns, i: number) => number | null; unitSec: number }> = {
  nodes: { get: (c, i) => c.nodes[i], unitSec: 0 },
  wait: { get: waitSec, unitSec: 3600 },
  run: { get: runSec, unitSec: 3600 },
  limit: { get: (c, i) => (c.limitMinutes[i] === null ? null : c.limitMinutes[i]! * 60), unitSec: 3600 },
  line: { get: (c, i) => c.line[i], unitSec: 0 },
};

const TEXT_FIELDS: Record<string, (c: JobColumns, i: number) => string> = {
  id: (c, i) => c.id[i],
  name: (c, i) => c.name[i],
  user: (c, i) => c.user[i],
  partition: (c, i) => c.partition[i],
  state: (c, i) => (c.state[i] || (c.startSec[i] === null ? 'pending' : '')),
};

/** `2h` -> 7200, `30m` -> 1800, `1d` -> 86400, bare numbers in the field's default unit. */
function parseAmount(text: string, unitSec: number): number | null {
  const m = /^(-?\d+(?:\.\d+)?)([smhd]?)$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unitSec === 0) return unit ? null : value;
  const scale = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : unit === 'd' ? 86400 : unitSec;
  return value * scale;
}

/** Parses the filter text; words it cannot read are reported, not silently ignored. */
export function parseQuery(query: string): { predicates: Predicate[]; errors: string[] } {
  const predicates: Predicate[] = [];
  const errors: string[] = [];
  for (const word of query.trim().split(/\s+/).filter(Boolean)) {
    const cmp = /^([a-z]+)(>=|<=|=|>|<)(.+)$/i.exec(word);
    if (cmp && NUMERIC_FIELDS[cmp[1].toLowerCase()]) {
      const field = NUMERIC_FIELDS[cmp[1].toLowerCase()];
      const amount = parseAmount(cmp[3], field.unitSec);
      if (amount === null) {
        errors.push(word);
        continue;
      }
      const op = cmp[2];
      predicates.push((c, i) => {
        const v = field.get(c, i);
        if (v === null) return false;
        return op === '>=' ? v >= amount : op === '<=' ? v <= amount : op === '>' ? v > amount : op === '<' ? v < amount : v === amount;
      });
      continue;
    }
    const fieldMatch = /^([a-z]+):(.*)$/i.exec(word);
    if (fieldMatch && TEXT_FIELDS[fieldMatch[1].toLowerCase()]) {
      const get = TEXT_FIELDS[fieldMatch[1].toLowerCase()];
      const needle = fieldMatch[2].toLowerCase();
      predicates.push((c, i) => get(c, i).toLowerCase().includes(needle));
      continue;
    }
    if (cmp) {
      errors.push(word);
      continue;
    }
    const needle = word.toLowerCase();
    predicates.push(
      (c, i) => c.id[i].toLowerCase().includes(needle) || c.name[i].toLowerCase().includes(needle) || c.user[i].toLowerCase().includes(needle),
    );
  }
  return { predicates, errors };
}

/** Row indices to show, filtered and sorted; ties keep file order. */
export function computeJobView(c: JobColumns, spec: JobViewSpec): Uint32Array {
  const { predicates } = parseQuery(spec.query);
  const rows: number[] = [];
  for (let i = 0; i < c.count; i++) {
    let keep = true;
    for (const p of predicates) {
      if (!p(c, i)) {
        keep = false;
        break;
      }
    }
    if (keep) rows.push(i);
  }
  const keys = new Array<string | number | null>(c.count);
  for (const i of rows) keys[i] = cellValue(c, i, spec.sortKey);
  const sign = spec.sortDir === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    if (x === y) return a - b;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
  return Uint32Array.from(rows);
}

/** The shown rows as CSV (what Export writes), times as trace clock text. */
export function jobViewCsv(c: JobColumns, rows: Uint32Array, clockText: (sec: number | null) => string): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['line,id,name,user,partition,state,nodes,submit,start,end,wait_sec,run_sec,limit_minutes'];
  for (const i of rows) {
    lines.push(
      [
        c.line[i],
        quote(c.id[i]),
        quote(c.name[i]),
        quote(c.user[i]),
        quote(c.partition[i]),
        quote(c.state[i]),
        c.nodes[i],
        clockText(c.submitSec[i]),
        clockText(c.startSec[i]),
        clockText(c.endSec[i]),
        waitSec(c, i) ?? '',
        runSec(c, i) ?? '',
        c.limitMinutes[i] ?? '',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
