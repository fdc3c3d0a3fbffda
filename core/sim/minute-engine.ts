import type { JobColumns } from './features.js';
import { jobColumns, queueFeaturesInto } from './features.js';
import type { EngineContext, EngineOptions } from './engine.js';
import { EngineBase } from './engine.js';
import type { SampleJobs } from './sample-jobs.js';

/**
 * The reference path: the reference scheduler transcribed step by step, one
 * minute at a time, every pending job's priority a float updated every step,
 * the queue stably re-sorted after every submission, the backfill timeline
 * rebuilt slot by slot. Obviously right and slow; the fast engine is tested
 * against it.
 */
export class MinuteEngine extends EngineBase {
  private feedPos = 0;
  private pending: number[] = [];
  private running: number[] = [];
  private free: number;
  private readonly priority: Float64Array;
  private readonly runSec: Float64Array;
  private pendingCols: JobColumns | null = null;
  private runningCols: JobColumns | null = null;

  constructor(ctx: EngineContext, jobs: SampleJobs, options: EngineOptions, copyFrom?: MinuteEngine) {
    super(ctx, jobs, options, copyFrom);
    if (copyFrom) {
      this.feedPos = copyFrom.feedPos;
      this.pending = copyFrom.pending.slice();
      this.running = copyFrom.running.slice();
      this.free = copyFrom.free;
      this.priority = copyFrom.priority.slice();
      this.runSec = copyFrom.runSec.slice();
      return;
    }
    this.free = ctx.constants.nodes;
    this.priority = new Float64Array(jobs.count);
    this.runSec = new Float64Array(jobs.count);
    this.arrive();
  }

  clone(): MinuteEngine {
    return new MinuteEngine(this.ctx, this.jobs, this.options, this);
  }

  protected queueJobs(): { running: number[]; pending: number[] } {
    return { running: this.running, pending: this.pending };
  }

  pendingCount(): number {
    return this.pending.length;
  }

  advance(target: number, watch?: number): boolean {
    if (watch !== undefined && this.started[watch] >= 0) return true;
    while (this.minute < target) {
      this.step();
      if (watch !== undefined && this.started[watch] >= 0) return true;
    }
    return false;
  }

  protected enqueue(batch: number[]): void {
    if (batch.length === 0) return;
    for (const j of batch) {
      this.priority[j] = this.ctx.priorities.initial(this.jobs.nodes[j]);
      this.pending.push(j);
    }
    // Array.prototype.sort is stable, as Python's sorted(..., reverse=True) is.
    const p = this.priority;
    this.pending.sort((a, b) => p[b] - p[a]);
  }

  private step(): void {
    const t = this.minute;
    const { feed, feedMinute } = this.jobs;
    const batch: number[] = [];
    while (this.feedPos < feed.length && feedMinute[this.feedPos] <= t) batch.push(feed[this.feedPos++]);
    this.enqueue(batch);

    const chosen = (t - this.jobs.originMinute) % this.ctx.constants.bfInterval === 0 ? this.backfillPass(t) : this.firstComePass();
    for (const j of chosen) {
      this.pending.splice(this.pending.indexOf(j), 1);
      this.waits.record((t - this.submitMin[j]) * 60);
      this.started[j] = t;
    }
    for (const j of chosen) {
      this.running.push(j);
      this.runSec[j] = 0;
      this.free -= this.jobs.nodes[j];
    }

    this.minute = t + 1;
    const inc = this.ctx.constants.ageIncrement;
    for (const j of this.pending) this.priority[j] = this.priority[j] + inc;
    const stillRunning: number[] = [];
    for (const j of this.running) {
      if (this.runSec[j] + 60 >= this.jobs.durationSec[j]) {
        this.runSec[j] = this.jobs.durationSec[j];
        this.free += this.jobs.nodes[j];
      } else {
        this.runSec[j] += 60;
        stillRunning.push(j);
      }
    }
    this.running = stillRunning;
    this.arrive();
  }

  private firstComePass(): number[] {
    const chosen: number[] = [];
    let nodesLeft = this.free;
    for (const j of this.pending) {
      if (nodesLeft < this.jobs.nodes[j]) break;
      chosen.push(j);
      nodesLeft -= this.jobs.nodes[j];
    }
    return chosen;
  }

  private backfillPass(t: number): number[] {
    const { bfSlots: slots, bfResolutionSec: res, bfMaxJobTest, nodes: total } = this.ctx.constants;
    const { nodes, limitMinutes } = this.jobs;
    const timeline = new Array<number>(slots).fill(total);
    for (const j of this.running) {
      const limitEndSec = (this.started[j] + limitMinutes[j]) * 60;
      for (let i = 0; i < slots; i++) if (t * 60 + i * res < limitEndSec) timeline[i] -= nodes[j];
    }
    const chosen: number[] = [];
    const tested = Math.min(this.pending.length, bfMaxJobTest);
    for (let i = 0; i < tested; i++) {
      const j = this.pending[i];
      const need = nodes[j];
      let endIndex = 0;
      let curr = 0;
      let scheduled = true;
      for (;;) {
        if (timeline[curr] >= need) {
          const startIndex = curr;
          let longest = Math.ceil((limitMinutes[j] * 60) / res);
          if (longest + curr > slots) longest = slots - curr;
          for (let s = 0; s < longest; s++) {
            if (timeline[curr + s] < need) {
              curr = curr + s + 1;
              scheduled = false;
              break;
            }
            endIndex = curr + s;
          }
          if (scheduled) {
            for (let k = startIndex; k <= endIndex; k++) timeline[k] -= need;
            if (startIndex === 0) {
              if (i !== 0) this.backfilled[j] = t;
              chosen.push(j);
            }
            break;
          }
          if (curr >= slots) break;
          scheduled = true;
        } else {
          curr++;
          if (curr >= slots) break;
        }
      }
    }
    return chosen;
  }

  private arrive(): void {
    const ring = this.snapshots;
    const t = this.minute;
    if (ring === null || t < this.options.snapshotsFrom! || (t - this.jobs.originMinute) % this.ctx.constants.snapshotIntervalMinutes !== 0) return;
    const { nodes, limitMinutes } = this.jobs;
    const pc = (this.pendingCols = growColumns(this.pendingCols, this.pending.length));
    const rc = (this.runningCols = growColumns(this.runningCols, this.running.length));
    pc.count = this.pending.length;
    pc.nodesSum = 0;
    this.pending.forEach((j, k) => {
      pc.limitMinutes[k] = limitMinutes[j];
      pc.nodesSum += nodes[j];
      pc.waitSec[k] = (t - this.submitMin[j]) * 60;
      pc.runSec[k] = 0;
    });
    rc.count = this.running.length;
    rc.nodesSum = 0;
    this.running.forEach((j, k) => {
      rc.limitMinutes[k] = limitMinutes[j];
      rc.nodesSum += nodes[j];
      rc.waitSec[k] = (this.started[j] - this.submitMin[j]) * 60;
      rc.runSec[k] = this.runSec[j];
    });
    const { rows, at } = ring.push(t);
    queueFeaturesInto(pc, rc, rows, at);
  }
}

export function growColumns(cols: JobColumns | null, need: number): JobColumns {
  if (cols !== null && cols.limitMinutes.length >= need) return cols;
  return jobColumns(Math.max(need, (cols?.limitMinutes.length ?? 0) * 2, 64));
}
