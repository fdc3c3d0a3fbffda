import type { SimConstants } from './config.js';
import type { QueueState } from './forecast.js';
import type { PriorityTable } from './priority.js';
import type { SampleJobs } from './sample-jobs.js';
import { SnapshotRing } from './snapshots.js';

/**
 * One simulation of the reference's minute-step scheduler, positioned at the
 * top of a minute: the state after every step before it, before that
 * minute's submissions. Two implementations give identical results: the
 * minute-by-minute reference path and the event-skipping fast path.
 *
 * One step at minute T: jobs submitted at T join the queue (on-demand ones
 * first, then the queued ones by id), the scheduler picks jobs (a backfill
 * pass every bf_interval steps counted from the origin, else a first-come
 * pass), they start at T, the clock moves to T+1, pending jobs age, and jobs
 * whose run time is used up complete. A snapshot is taken on arriving at a
 * minute on the snapshot grid (origin + k * interval).
 */
export interface SimEngine {
  readonly jobs: SampleJobs;
  /** The clock (minutes since the epoch): the top of this minute, its step not yet run. */
  readonly minute: number;
  /** Snapshot features, when this simulation records them. */
  readonly snapshots: SnapshotRing | null;
  /** An independent copy that continues from the same state. */
  clone(): SimEngine;
  /** The running and pending jobs now, as a scheduler's start estimate reads them (forecast.ts). */
  queueState(): QueueState;
  /** Submits an on-demand job at the current minute (before this minute's queued submissions). */
  submitNow(job: number): void;
  /**
   * Runs steps until the top of minute `target`, or, when `watch` is given,
   * until the step in which job `watch` starts has run (stopping at the top of
   * the next minute). Returns true when it stopped because `watch` started (or
   * had started already).
   */
  advance(target: number, watch?: number): boolean;
  /** Minute the job started, or -1. */
  startMinute(job: number): number;
  /** Minute a backfill pass started the job while it was not the queue's head, or -1. */
  backfillMinute(job: number): number;
  /** Submit minute of a job (on-demand jobs: once submitted). */
  submitMinuteOf(job: number): number;
  pendingCount(): number;
  /** Mean of the recorded recent waits, seconds (the reference's avg_queue_time); NaN when none. */
  meanRecentWaitSec(): number;
  /** The recorded recent waits, seconds, oldest first (added for the validation's quantile baseline). */
  recentWaitsSec(): number[];
}

export interface EngineOptions {
  /** Record snapshots from this minute on (null: none). */
  snapshotsFrom: number | null;
}

/** What both engines share: the per-config constants and the priority table. */
export interface EngineContext {
  constants: SimConstants;
  priorities: PriorityTable;
}

/** The last `size` waits, oldest overwritten first (the reference's queue_time list). */
export class WaitWindow {
  count = 0;
  private next = 0;

  constructor(
    readonly size: number,
    private readonly values: Float64Array = new Float64Array(size),
  ) {}

  clone(): WaitWindow {
    const copy = new WaitWindow(this.size, this.values.slice());
    copy.count = this.count;
    copy.next = this.next;
    return copy;
  }

  record(waitSec: number): void {
    this.values[this.next] = waitSec;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  /** The recorded waits, oldest first (added for the validation's quantile baseline). */
  toArray(): number[] {
    const out: number[] = [];
    const first = this.count < this.size ? 0 : this.next;
    for (let i = 0; i < this.count; i++) out.push(this.values[(first + i) % this.size]);
    return out;
  }

  /** sum / count as the reference computes it (waits are whole minutes in seconds, so any summing order is exact). */
  mean(): number {
    if (this.count === 0) return Number.NaN;
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.values[i];
    return sum / this.count;
  }
}

/**
 * What both engines keep per job and answer from it: start, backfill and
 * submit minutes, the recent waits, the snapshots; the queue itself and the
 * stepping are each engine's own. A copy (clone) continues independently.
 */
export abstract class EngineBase implements SimEngine {
  minute: number;
  snapshots: SnapshotRing | null;
  protected readonly started: Float64Array;
  protected readonly backfilled: Float64Array;
  protected readonly submitMin: Float64Array;
  protected waits: WaitWindow;

  constructor(
    protected readonly ctx: EngineContext,
    readonly jobs: SampleJobs,
    protected readonly options: EngineOptions,
    copyFrom?: EngineBase,
  ) {
    if (copyFrom) {
      this.minute = copyFrom.minute;
      this.started = copyFrom.started.slice();
      this.backfilled = copyFrom.backfilled.slice();
      this.submitMin = copyFrom.submitMin.slice();
      this.waits = copyFrom.waits.clone();
      this.snapshots = copyFrom.snapshots?.clone() ?? null;
      return;
    }
    this.minute = jobs.originMinute;
    this.started = new Float64Array(jobs.count).fill(-1);
    this.backfilled = new Float64Array(jobs.count).fill(-1);
    this.submitMin = jobs.submitMinute.slice();
    this.waits = new WaitWindow(ctx.constants.waitWindow);
    this.snapshots = options.snapshotsFrom === null ? null : new SnapshotRing(ctx.constants.snapshotWindow);
  }

  abstract clone(): SimEngine;
  abstract advance(target: number, watch?: number): boolean;
  abstract pendingCount(): number;
  /** Puts jobs submitted at this minute into the queue. */
  protected abstract enqueue(batch: number[]): void;
  /** The running jobs, then the pending ones in queue order (job indices). */
  protected abstract queueJobs(): { running: ArrayLike<number>; pending: ArrayLike<number> };

  startMinute(job: number): number {
    return this.started[job];
  }

  backfillMinute(job: number): number {
    return this.backfilled[job];
  }

  submitMinuteOf(job: number): number {
    return this.submitMin[job];
  }

  meanRecentWaitSec(): number {
    return this.waits.mean();
  }

  recentWaitsSec(): number[] {
    return this.waits.toArray();
  }

  submitNow(job: number): void {
    this.submitMin[job] = this.minute;
    this.enqueue([job]);
  }

  queueState(): QueueState {
    const { nodes, limitMinutes } = this.jobs;
    const { running, pending } = this.queueJobs();
    return {
      minute: this.minute,
      running: Array.from(running, (j) => ({ nodes: nodes[j], limitMinutes: limitMinutes[j], startMinute: this.started[j] })),
      pending: Array.from(pending, (j) => ({ nodes: nodes[j], limitMinutes: limitMinutes[j], submitMinute: this.submitMin[j] })),
    };
  }
}
