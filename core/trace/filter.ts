import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseClock } from './clock.js';
import type { Job } from './job.js';

/** A cluster time: seconds on the cluster clock, or `YYYY-MM-DDTHH:MM:SS`. */
export type ClockInput = number | string;

export interface TimeRange {
  from: ClockInput;
  to: ClockInput;
}

export interface JobFilter {
  /** Keep jobs submitted at or after this time. */
  from?: ClockInput;
  /** Keep jobs submitted before this time. */
  to?: ClockInput;
  /** Drop jobs submitted in any of these [from, to) ranges (the reference's job_filter). */
  exclude?: readonly TimeRange[];
}

const toSec = (t: ClockInput): number => (typeof t === 'number' ? t : parseClock(t));

/**
 * Jobs whose submit time lies in [from, to) and in none of the exclusion
 * ranges, in their original order. Submit time decides, as in the reference,
 * which drops a job when `from <= submit < to` for a `filter_range` entry.
 */
export function filterJobs(jobs: readonly Job[], filter: JobFilter): Job[] {
  const from = filter.from === undefined ? -Infinity : toSec(filter.from);
  const to = filter.to === undefined ? Infinity : toSec(filter.to);
  const exclude = (filter.exclude ?? []).map((r) => [toSec(r.from), toSec(r.to)] as const);
  return jobs.filter((job) => {
    const t = job.submitSec;
    if (t < from || t >= to) return false;
    for (const [a, b] of exclude) if (a <= t && t < b) return false;
    return true;
  });
}

/** Parses `FROM,TO` or `FROM..TO` (cluster times) into a range; throws a RangeError naming the text. */
export function parseTimeRange(text: string): TimeRange {
  const parts = text.includes('..') ? text.split('..') : text.split(',');
  if (parts.length !== 2) throw new RangeError(`not a time range: '${text}' (expected FROM,TO as YYYY-MM-DDTHH:MM:SS)`);
  const [from, to] = parts.map((p) => parseClock(p));
  if (to <= from) throw new RangeError(`empty time range: '${text}' (TO must come after FROM)`);
  return { from, to };
}

/** The reference's job_filter.json: `{"filter_range": [["FROM", "TO"], ...]}`. */
export const JobFilterFileSchema = z.object({
  filter_range: z.array(z.tuple([z.string(), z.string()])),
});

/** Reads a reference job_filter.json into exclusion ranges (cluster seconds). */
export async function loadJobFilterFile(path: string): Promise<TimeRange[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable JSON file: ${(error as Error).message}`, { cause: error });
  }
  const parsed = JobFilterFileSchema.safeParse(data);
  if (!parsed.success) throw new Error(`${path}: expected {"filter_range": [["FROM", "TO"], ...]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.filter_range.map(([from, to]) => {
    const range = { from: parseClock(from), to: parseClock(to) };
    if (range.to <= range.from) throw new RangeError(`${path}: empty range ${from} .. ${to}`);
    return range;
  });
}
