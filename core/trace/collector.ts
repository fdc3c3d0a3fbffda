import type { Job } from './job.js';
import type { RejectedRow, TraceAssumptions, TraceRepairs, TraceSkips } from './types.js';

const MAX_TEXT = 300;
const MAX_INTERNED = 100_000;

/**
 * Where the format readers put what they read: keeps jobs (applying the
 * repairs every format shares, and the reference's "a later row with the same
 * JobID replaces the earlier one"), and accounts for every row that did not
 * become a job, so nothing is dropped silently.
 */
export class JobCollector {
  readonly jobs: Job[] = [];
  readonly rejected: RejectedRow[] = [];
  rejectedCount = 0;
  rows = 0;
  arrayTasksExpanded = 0;
  readonly repairs: TraceRepairs = { durationCapped: 0, endBeforeStart: 0, startBeforeSubmit: 0, endBeforeSubmit: 0 };
  readonly assumptions: TraceAssumptions = { startUnknown: 0, limitFromRunTime: 0, limitFromDefault: 0 };
  readonly skipped: TraceSkips = { jobSteps: 0, partialRecords: 0, otherPartitions: 0 };
  readonly notes: string[] = [];
  private readonly indexById = new JobIdIndex();
  private readonly interned = new Map<string, string>();

  constructor(
    readonly file: string,
    private readonly capDurations: boolean,
    private readonly maxRejectedKept: number,
    /** Limit given to jobs the trace gives none (LoadOptions.defaultLimitMinutes); null: none given. */
    readonly defaultLimitMinutes: number | null = null,
    /** Keep only the jobs of these partitions (LoadOptions.partitions); null: all. */
    private readonly partitions: ReadonlySet<string> | null = null,
  ) {}

  /** Partition names seen, selected or not (to name the ones a selection asks for in vain). */
  readonly partitionsSeen = new Set<string>();

  /**
   * Shares one copy of strings that repeat (names, users, partitions, states),
   * so a kept job does not hold on to the text of the line it came from.
   */
  intern(text: string): string {
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    if (this.interned.size < MAX_INTERNED) this.interned.set(text, text);
    return text;
  }

  reject(line: number, text: string, reason: string): void {
    this.rejectedCount++;
    if (this.rejected.length < this.maxRejectedKept) {
      this.rejected.push({ file: this.file, line, reason, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '...' : text });
    }
  }

  /** `limitFromRunTime`: the reader set the limit from the run time, the trace giving none. */
  add(job: Job, how: { limitFromRunTime?: boolean } = {}): void {
    if (this.partitions !== null && !this.selected(job.partition)) {
      this.skipped.otherPartitions++;
      return;
    }
    if (how.limitFromRunTime) this.assumptions.limitFromRunTime++;
    if (job.limitMinutes === null && this.defaultLimitMinutes !== null) {
      job.limitMinutes = this.defaultLimitMinutes;
      this.assumptions.limitFromDefault++;
    }
    if (job.startUnknown) this.assumptions.startUnknown++;
    this.repair(job);
    const earlier = this.indexById.get(job.id);
    if (earlier === undefined) {
      this.indexById.set(job.id, this.jobs.length);
      this.jobs.push(job);
      return;
    }
    // The reference keeps jobs in a dict by JobID: the later row's values, the earlier row's place.
    const replaced = this.jobs[earlier];
    this.jobs[earlier] = job;
    this.reject(replaced.line, '', `duplicate JobID ${job.id}: replaced by the row at line ${job.line} (a later row with the same JobID wins, as in the reference)`);
  }

  /** A pending job's `a,b` list is in the selection when either is. */
  private selected(partition: string): boolean {
    const names = partition.includes(',') ? partition.split(',') : [partition];
    for (const name of names) this.partitionsSeen.add(name);
    return names.some((name) => this.partitions!.has(name));
  }

  private repair(job: Job): void {
    if (job.startSec === null) {
      if (job.endSec !== null && job.endSec < job.submitSec) {
        job.endSec = job.submitSec;
        this.repairs.endBeforeSubmit++;
      }
      return;
    }
    if (job.endSec !== null) {
      if (job.endSec < job.startSec) {
        job.endSec = job.startSec;
        this.repairs.endBeforeStart++;
      } else if (this.capDurations && job.limitMinutes !== null && job.endSec - job.startSec > job.limitMinutes * 60) {
        job.endSec = job.startSec + job.limitMinutes * 60;
        this.repairs.durationCapped++;
      }
    }
    if (job.startSec < job.submitSec) {
      const shift = job.submitSec - job.startSec;
      job.startSec += shift;
      if (job.endSec !== null) job.endSec += shift;
      this.repairs.startBeforeSubmit++;
    }
  }

  /** Rejected rows in line order (duplicates are found late, so they arrive out of order). */
  sortedRejected(): RejectedRow[] {
    return [...this.rejected].sort((a, b) => a.line - b.line);
  }
}

/**
 * JobID -> place in the job list. A Map of a million strings costs over a
 * second, so ids that are plain numbers arriving in increasing order (dumps and
 * sacct list jobs so) go into a sorted array searched by bisection; any other id
 * goes into a Map.
 */
class JobIdIndex {
  private readonly sortedIds: number[] = [];
  private readonly sortedAt: number[] = [];
  private readonly others = new Map<string, number>();

  get(id: string): number | undefined {
    const n = canonicalNumber(id);
    const ids = this.sortedIds;
    if (n >= 0 && ids.length > 0 && n <= ids[ids.length - 1]) {
      let lo = 0;
      let hi = ids.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (ids[mid] === n) return this.sortedAt[mid];
        if (ids[mid] < n) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return this.others.size > 0 ? this.others.get(id) : undefined;
  }

  /** Only for an id get() did not find. */
  set(id: string, at: number): void {
    const n = canonicalNumber(id);
    const ids = this.sortedIds;
    if (n >= 0 && (ids.length === 0 || n > ids[ids.length - 1])) {
      ids.push(n);
      this.sortedAt.push(at);
    } else {
      this.others.set(id, at);
    }
  }
}

/** The value of an id written as a plain number without leading zeros (so the number stands for one spelling), else -1. */
function canonicalNumber(id: string): number {
  const len = id.length;
  if (len === 0 || len > 15 || (len > 1 && id.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
