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
  /**
   * GPUs the job was allocated, when the trace says (sacct's AllocTRES
   * `gres/gpu`; 0 when it lists no GPU). Absent when the trace has no such
   * column. The simulator counts these instead of nodes with `unit: 'gpus'`.
   */
  gpus?: number;
  /**
   * Processors, as an SWF log counts them (before the mapping to nodes). The
   * archive's GPU logs count GPUs as processors, so with `unit: 'gpus'` these
   * stand for the GPUs of a job that has no `gpus`.
   */
  processors?: number;
  /**
   * True when the trace gives the run time but not the start (SWF rows whose
   * wait time is -1). startSec is then set to submitSec so that endSec -
   * startSec is the run time the simulator replays (it never uses the
   * recorded start); wait statistics leave such jobs out and say so.
   */
  startUnknown?: true;
  /**
   * True when the trace gives the start but says the run time is unknown
   * (SWF rows with a wait and run time -1): endSec is null, yet the job was
   * not running when the log was taken. Neither the simulator nor the load
   * statistics can place it; wait statistics keep it.
   */
  runUnknown?: true;
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

/** What the simulator counts: whole nodes (the reference) or GPUs (shared-node GPU clusters). */
export type SizeUnit = 'nodes' | 'gpus';
export const SIZE_UNITS: readonly SizeUnit[] = ['nodes', 'gpus'];

/** A job's size in a unit; null when the trace does not give it (no GPU column, no SWF processors). */
export function jobSize(job: Job, unit: SizeUnit): number | null {
  return unit === 'nodes' ? job.nodes : (job.gpus ?? job.processors ?? null);
}
