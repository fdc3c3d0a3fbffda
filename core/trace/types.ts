import type { Job } from './job.js';

export type TraceFormat = 'mirage' | 'sacct' | 'swf';
export const TRACE_FORMATS: readonly TraceFormat[] = ['mirage', 'sacct', 'swf'];

export interface LoadOptions {
  /** 'auto' (default) detects the format from the first lines. */
  format?: 'auto' | TraceFormat;
  /** SWF only: processors per node, to map SWF processor counts to nodes. Default: the header's MaxProcs / MaxNodes, else 1. */
  processorsPerNode?: number;
  /** Cap run times at the time limit, as the reference does (default true). */
  capDurations?: boolean;
  /** Most rejected rows kept with their text (all are counted in rejectedCount). Default 10,000. */
  maxRejectedKept?: number;
  /**
   * Limit, whole minutes, for every job the trace gives none (SWF requested
   * time -1, sacct UNLIMITED or Partition_Limit); such jobs are otherwise not
   * simulated, except SWF rows with a run time (see TraceAssumptions).
   */
  defaultLimitMinutes?: number;
  /**
   * Keep only the jobs of these partitions (a pending job listing several
   * matches any of them); the others are counted in skipped.otherPartitions.
   * A name the trace never uses is an error naming those it does.
   */
  partitions?: readonly string[];
}

/**
 * What the loader assumed where the trace is silent, by kind: the rule of
 * each, so a user can tell which results rest on it.
 */
export interface TraceAssumptions {
  /** Run time known, start unknown (SWF wait -1): simulated from submit, run time, size and limit; left out of wait statistics. */
  startUnknown: number;
  /** SWF requested time unknown and no default limit given: the limit is the run time rounded up to a whole minute. */
  limitFromRunTime: number;
  /** No limit in the trace: the default limit given (LoadOptions.defaultLimitMinutes, `--default-limit`). */
  limitFromDefault: number;
}

/** A row that did not become a job, and why. */
export interface RejectedRow {
  file: string;
  /** 1-based line in the file. */
  line: number;
  reason: string;
  /** The row as read (cut at 300 characters). */
  text: string;
}

/** How many jobs were changed on the way in, by kind of change. */
export interface TraceRepairs {
  /** Ran longer than the limit: end set to start + limit (the reference does the same). */
  durationCapped: number;
  /** Ended before it started: end set to start (the reference's simulator runs such a job for one step). */
  endBeforeStart: number;
  /** Started before it was submitted: start and end moved to the submit time, keeping the duration. */
  startBeforeSubmit: number;
  /** Never started but ended (cancelled while pending) before its submit time: end set to submit. */
  endBeforeSubmit: number;
}

/** Rows that are not jobs of their own and were counted, not kept. */
export interface TraceSkips {
  /** sacct job steps (`123.batch`, `123.extern`, `123.0`). */
  jobSteps: number;
  /** SWF partial-execution records (status 2, 3, 4). */
  partialRecords: number;
  /** Jobs of partitions the selection (LoadOptions.partitions) leaves out. */
  otherPartitions: number;
}

export interface LoadedTrace {
  path: string;
  format: TraceFormat;
  jobs: Job[];
  /** Rejected rows in line order (at most maxRejectedKept of them; see rejectedCount). */
  rejected: RejectedRow[];
  rejectedCount: number;
  repairs: TraceRepairs;
  assumptions: TraceAssumptions;
  skipped: TraceSkips;
  /** Extra jobs made by expanding pending sacct array records (`123_[5-9]` is 5 jobs). */
  arrayTasksExpanded: number;
  /** Things a user should know that are not errors (count line disagrees, SWF time zone...). */
  notes: string[];
  /** sha256 of the file's bytes (hex). */
  sha256: string;
  /** Data rows read (header, comment, ruler, count and blank lines excluded). */
  rows: number;
  /** The row count the file's first line declares (TACC dumps), if it has one. */
  declaredRows: number | null;
  /** Cluster size the trace declares (SWF MaxNodes), if any. */
  capacityNodes: number | null;
  /** The same in processors (SWF MaxProcs): the capacity in GPUs when the processors are GPUs. */
  capacityProcessors: number | null;
}

/** The file is not a trace at all (or lacks the columns a trace needs): one clear error, nothing loaded. */
export class TraceFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
    this.name = 'TraceFormatError';
  }
}
