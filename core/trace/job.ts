/**
 * One normalised job record, whatever trace format it came from.
 *
 * Times are whole seconds on the cluster's local wall clock, encoded as if that
 * clock were UTC (`Date.UTC(y, m, d, h, mi, s) / 1000`). Traces carry no zone,
 * so reading them as UTC keeps every result independent of the host's TZ;
 * `formatClock` turns them back into `YYYY-MM-DDTHH:MM:SS` exactly.
 */
export interface Job {
  /** JobID as the trace spells it (array tasks keep their `123_4` form). */
  id: string;
  name: string;
  user: string;
  partition: string;
  /** Final state when the trace has one (sacct), else ''. */
  state: string;
  submitSec: number;
  /** null when the job never started (pending or cancelled before start). */
  startSec: number | null;
  /**
   * null when unknown (still running, or never started). A job cancelled while
   * pending keeps its cancel time here with startSec null.
   */
  endSec: number | null;
  /** Wall-clock limit in whole minutes; null when unlimited or unknown. */
  limitMinutes: number | null;
  nodes: number;
  /** Priority the scheduler logged, when the trace has one. */
  priority: number | null;
  /** 1-based line of the source file the record came from. */
  line: number;
}

/** A job with a known start and end: the jobs a simulation replays (its duration is min(end - start, limit)). */
export type CompletedJob = Job & { startSec: number; endSec: number };

export function isCompleted(job: Job): job is CompletedJob {
  return job.startSec !== null && job.endSec !== null;
}
