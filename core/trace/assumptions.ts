import type { TraceAssumptions } from './types.js';

const jobs = (n: number): string => (n === 1 ? '1 job' : `${n.toLocaleString('en-US')} jobs`);

/**
 * One line per kind of assumption the loader made, each with its rule: the
 * loader's notes, the first block of `mirage trace info`, and what the chain
 * commands print before simulating all read these same lines.
 */
export function assumptionNotes(a: TraceAssumptions, defaultLimitMinutes: number | null): string[] {
  const lines: string[] = [];
  if (a.startUnknown > 0) {
    lines.push(
      `${jobs(a.startUnknown)} with a run time but no wait time (SWF -1): start unknown; simulated from submit, run time, size and limit, ` +
        `left out of wait statistics, and drawn in the load series as if started at submit`,
    );
  }
  if (a.limitFromRunTime > 0) {
    lines.push(`${jobs(a.limitFromRunTime)} without a requested time (SWF -1): limit = run time rounded up to a whole minute (--default-limit MINUTES sets one value instead)`);
  }
  if (a.limitFromDefault > 0) lines.push(`${jobs(a.limitFromDefault)} without a time limit: given the default limit of ${defaultLimitMinutes} minutes (--default-limit)`);
  return lines;
}
