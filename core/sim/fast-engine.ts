import type { JobColumns } from './features.js';
import { queueFeaturesInto } from './features.js';
import type { EngineContext, EngineOptions } from './engine.js';
import { EngineBase } from './engine.js';
import { growColumns } from './minute-engine.js';
import type { SampleJobs } from './sample-jobs.js';

/**
 * The fast path: the same minute-step semantics as MinuteEngine, but
 *
 * - it jumps over minutes in which no step can change anything: no
 *   submission, no completion, no first-come pass that could start a job
 *   (after a pass, nothing can start until something is submitted, completes
 *   or starts), no backfill pass with a pending job small enough for the free
 *   nodes (slot 0 of the timeline is exactly the free nodes, since a running
 *   job always ends by its limit);
 * - priorities are looked up in the PriorityTable (identical floats to the
 *   reference's per-step additions) and each minute's submissions are merged
 *   into the ordered queue by binary search instead of re-sorting it (see
 *   enqueue for why that is exactly the reference's stable sort);
 * - a backfill pass stops as soon as no remaining candidate can fit slot 0;
 * - its state is a handful of typed arrays, so clone() is cheap.
 */
export class FastEngine extends EngineBase {
  private feedPos = 0;
  private pending: Int32Array;
  private pendingLen = 0;
  private running: Int32Array;
  private runningLen = 0;
  /** Minute at which the earliest running job completes (Infinity when none runs). */
  private nextEnd = Number.POSITIVE_INFINITY;
  private free: number;
  /** A first-come pass could start a job (the queue or the free nodes changed since the last pass). */
  private dirty = false;
  /** Smallest node count among the jobs a backfill pass tests; -1 when stale. */
  private smallestTested = -1;
  private scratch: Scratch | null = null;

  constructor(ctx: EngineContext, jobs: SampleJobs, options: EngineOptions, copyFrom?: FastEngine) {
    super(ctx, jobs, options, copyFrom);
    if (copyFrom) {
      this.feedPos = copyFrom.feedPos;
      this.pending = copyFrom.pending.slice();
      this.pendingLen = copyFrom.pendingLen;
      this.running = copyFrom.running.slice();
      this.runningLen = copyFrom.runningLen;
      this.nextEnd = copyFrom.nextEnd;
      this.free = copyFrom.free;
      this.dirty = copyFrom.dirty;
      this.smallestTested = copyFrom.smallestTested;
      return;
    }
    this.free = ctx.constants.nodes;
    this.pending = new Int32Array(Math.max(16, jobs.count));
    this.running = new Int32Array(Math.max(16, jobs.count));
    this.snapshotAt(this.minute);
  }

  clone(): FastEngine {
    return new FastEngine(this.ctx, this.jobs, this.options, this);
  }

  /**
   * An engine at `jobs.originMinute` whose queue already holds jobs: `running`
   * started at the given minutes, `pending` submitted at their submit minutes
   * (any order: queued by their priority now, ties in the order given). No
   * snapshots. What forecast.ts builds from a queue state.
   */
  static seeded(ctx: EngineContext, jobs: SampleJobs, running: readonly { job: number; startMinute: number }[], pending: readonly number[]): FastEngine {
    const engine = new FastEngine(ctx, jobs, { snapshotsFrom: null });
    const t = engine.minute;
    for (const { job, startMinute } of running) {
      engine.started[job] = startMinute;
      engine.free -= jobs.nodes[job];
      engine.running[engine.runningLen++] = job;
      engine.nextEnd = Math.min(engine.nextEnd, startMinute + jobs.holdSteps[job]);
    }
    const priority = (j: number): number => ctx.priorities.value(jobs.nodes[j], t - jobs.submitMinute[j]);
    const ordered = pending.map((job, k) => ({ job, k, p: priority(job) })).sort((a, b) => b.p - a.p || a.k - b.k);
    ordered.forEach(({ job }, k) => (engine.pending[k] = job));
    engine.pendingLen = ordered.length;
    engine.dirty = true;
    engine.smallestTested = -1;
    return engine;
  }

  protected queueJobs(): { running: Int32Array; pending: Int32Array } {
    return { running: this.running.subarray(0, this.runningLen), pending: this.pending.subarray(0, this.pendingLen) };
  }

  pendingCount(): number {
    return this.pendingLen;
  }

  advance(target: number, watch?: number): boolean {
    if (watch !== undefined && this.started[watch] >= 0) return true;
    while (this.minute < target) {
      const idleUntil = this.idleUntil(target);
      if (idleUntil > this.minute) {
        this.skipTo(idleUntil);
        continue;
      }
      this.step();
      if (watch !== undefined && this.started[watch] >= 0) return true;
    }
    return false;
  }

  /**
   * The first minute >= now whose step may change something (capped at
   * `target`): a submission, a completion arriving, a first-come pass with
   * something new to look at, a backfill pass with a job that could fit.
   */
  private idleUntil(target: number): number {
    const t = this.minute;
    const feed = this.jobs.feedMinute;
    const nextFeed = this.feedPos < feed.length ? feed[this.feedPos] : Number.POSITIVE_INFINITY;
    if (nextFeed <= t) return t;
    const interval = this.ctx.constants.bfInterval;
    const phase = (t - this.jobs.originMinute) % interval;
    const couldBackfill = this.backfillCouldStart();
    if (phase === 0) {
      if (couldBackfill) return t;
      // A backfill pass that cannot start anything leaves the head too big for the free nodes.
      this.dirty = false;
    } else if (this.dirty) {
      return t;
    }
    const nextBackfill = couldBackfill ? t + interval - phase : Number.POSITIVE_INFINITY;
    return Math.min(target, nextFeed, this.nextEnd, nextBackfill);
  }

  /** Jumps over idle steps to the top of `until`: only time-dependent things happen (snapshots, completions on arrival). */
  private skipTo(until: number): void {
    const ring = this.snapshots;
    if (ring !== null) {
      const every = this.ctx.constants.snapshotIntervalMinutes;
      const origin = this.jobs.originMinute;
      const from = Math.max(this.minute + 1, this.options.snapshotsFrom!);
      for (let m = origin + Math.ceil((from - origin) / every) * every; m < until; m += every) this.snapshotAt(m);
    }
    this.minute = until;
    this.arrive();
  }

  private backfillCouldStart(): boolean {
    if (this.pendingLen === 0) return false;
    if (this.smallestTested < 0) {
      const nodes = this.jobs.nodes;
      const tested = Math.min(this.pendingLen, this.ctx.constants.bfMaxJobTest);
      let smallest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < tested; i++) smallest = Math.min(smallest, nodes[this.pending[i]]);
      this.smallestTested = smallest;
    }
    return this.smallestTested <= this.free;
  }

  private step(): void {
    const t = this.minute;
    const { feed, feedMinute } = this.jobs;
    if (this.feedPos < feed.length && feedMinute[this.feedPos] <= t) {
      const batch: number[] = [];
      while (this.feedPos < feed.length && feedMinute[this.feedPos] <= t) batch.push(feed[this.feedPos++]);
      this.enqueue(batch);
    }
    let startedAny: boolean;
    if ((t - this.jobs.originMinute) % this.ctx.constants.bfInterval === 0) {
      startedAny = this.backfillCouldStart() && this.backfillPass(t);
      this.dirty = startedAny;
    } else {
      startedAny = this.dirty && this.firstComePass(t);
      this.dirty = false;
    }
    if (startedAny) this.smallestTested = -1;
    this.minute = t + 1;
    this.arrive();
  }

  /** On reaching the top of this.minute: completions of the step just run, then the snapshot. */
  private arrive(): void {
    const t = this.minute;
    if (this.nextEnd <= t) {
      const { nodes, holdSteps } = this.jobs;
      let kept = 0;
      let nextEnd = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.runningLen; i++) {
        const j = this.running[i];
        const end = this.started[j] + holdSteps[j];
        if (end <= t) this.free += nodes[j];
        else {
          this.running[kept++] = j;
          if (end < nextEnd) nextEnd = end;
        }
      }
      this.runningLen = kept;
      this.nextEnd = nextEnd;
      this.dirty = true;
    }
    this.snapshotAt(t);
  }

  /**
   * Puts jobs submitted now where the reference's stable sort by priority
   * (descending) puts them. The queue needs no re-sort: it was sorted when
   * last touched, and since then every pending job received the same float
   * additions; rounding is monotone (x >= y implies fl(x + c) >= fl(y + c)),
   * so it is still in non-increasing order, ties included. A stable sort then
   * keeps the queued jobs' order and places each new job after every job of
   * priority >= its own.
   */
  protected enqueue(batch: number[]): void {
    const t = this.minute;
    const { nodes } = this.jobs;
    const table = this.ctx.priorities;
    if (this.pending.length < this.pendingLen + batch.length) {
      const grown = new Int32Array(Math.max(this.pending.length * 2, this.pendingLen + batch.length));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    const q = this.pending;
    // New jobs have no age: their priority depends on their size alone. Stable: ids keep their order.
    const fresh = batch.length === 1 ? batch : batch.slice().sort((a, b) => table.initial(nodes[b]) - table.initial(nodes[a]));
    for (const j of fresh) {
      const v = table.initial(nodes[j]);
      let lo = 0;
      let hi = this.pendingLen;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const other = q[mid];
        if (table.value(nodes[other], t - this.submitMin[other]) >= v) lo = mid + 1;
        else hi = mid;
      }
      q.copyWithin(lo + 1, lo, this.pendingLen);
      q[lo] = j;
      this.pendingLen++;
    }
    this.dirty = true;
    this.smallestTested = -1;
  }

  private firstComePass(t: number): boolean {
    const { nodes } = this.jobs;
    let count = 0;
    let left = this.free;
    while (count < this.pendingLen && nodes[this.pending[count]] <= left) left -= nodes[this.pending[count++]];
    if (count === 0) return false;
    const chosen = this.pending.slice(0, count);
    this.pending.copyWithin(0, count, this.pendingLen);
    this.pendingLen -= count;
    this.begin(chosen, t);
    return true;
  }

  private backfillPass(t: number): boolean {
    const { bfSlots: slots, bfResolutionSec: res, bfMaxJobTest, nodes: total } = this.ctx.constants;
    const { nodes, limitMinutes } = this.jobs;
    const s = (this.scratch ??= newScratch(slots, this.jobs.count));
    const timeline = s.timeline;
    // Slot i (starting at t + i * res) loses a running job's nodes while it starts before the job's limit end.
    const drop = s.drop;
    drop.fill(0);
    for (let r = 0; r < this.runningLen; r++) {
      const j = this.running[r];
      const untilSec = (this.started[j] + limitMinutes[j] - t) * 60;
      const covered = untilSec > 0 ? Math.min(slots, Math.ceil(untilSec / res)) : 0;
      drop[0] += nodes[j];
      drop[covered] -= nodes[j];
    }
    let held = 0;
    for (let i = 0; i < slots; i++) {
      held += drop[i];
      timeline[i] = total - held;
    }

    const tested = Math.min(this.pendingLen, bfMaxJobTest);
    const smallestFrom = s.smallestFrom;
    let smallest = Number.POSITIVE_INFINITY;
    for (let i = tested - 1; i >= 0; i--) {
      smallest = Math.min(smallest, nodes[this.pending[i]]);
      smallestFrom[i] = smallest;
    }
    const chosenAt = s.chosenAt;
    let chosen = 0;
    for (let i = 0; i < tested; i++) {
      // Reservations only ever lower slot 0: once no later job fits there, none can start.
      if (timeline[0] < smallestFrom[i]) break;
      const j = this.pending[i];
      const need = nodes[j];
      const length = Math.ceil((limitMinutes[j] * 60) / res);
      const at = earliestFit(timeline, slots, need, length);
      if (at < 0) continue;
      const end = Math.min(at + length, slots);
      if (length === 0) {
        // The reference reserves slots start..0 here: slot 0 when the job starts now, nothing otherwise.
        if (at === 0) timeline[0] -= need;
      } else {
        for (let k = at; k < end; k++) timeline[k] -= need;
      }
      if (at === 0) {
        if (i !== 0) this.backfilled[j] = t;
        chosenAt[chosen++] = i;
      }
    }
    if (chosen === 0) return false;
    const picked = new Int32Array(chosen);
    let write = 0;
    let c = 0;
    for (let i = 0; i < this.pendingLen; i++) {
      if (c < chosen && chosenAt[c] === i) picked[c++] = this.pending[i];
      else this.pending[write++] = this.pending[i];
    }
    this.pendingLen = write;
    this.begin(picked, t);
    return true;
  }

  /** Starts jobs (already out of the queue) at minute t, in pass order. */
  private begin(chosen: Int32Array, t: number): void {
    const { nodes, holdSteps } = this.jobs;
    for (const j of chosen) {
      this.waits.record((t - this.submitMin[j]) * 60);
      this.started[j] = t;
      this.free -= nodes[j];
      this.running[this.runningLen++] = j;
      const end = t + holdSteps[j];
      if (end < this.nextEnd) this.nextEnd = end;
    }
  }

  private snapshotAt(t: number): void {
    const ring = this.snapshots;
    if (ring === null || t < this.options.snapshotsFrom! || (t - this.jobs.originMinute) % this.ctx.constants.snapshotIntervalMinutes !== 0) return;
    const { nodes, limitMinutes } = this.jobs;
    const s = (this.scratch ??= newScratch(this.ctx.constants.bfSlots, this.jobs.count));
    const pc = (s.pendingCols = growColumns(s.pendingCols, this.pendingLen));
    const rc = (s.runningCols = growColumns(s.runningCols, this.runningLen));
    pc.count = this.pendingLen;
    pc.nodesSum = 0;
    for (let k = 0; k < this.pendingLen; k++) {
      const j = this.pending[k];
      pc.limitMinutes[k] = limitMinutes[j];
      pc.nodesSum += nodes[j];
      pc.waitSec[k] = (t - this.submitMin[j]) * 60;
      pc.runSec[k] = 0;
    }
    rc.count = this.runningLen;
    rc.nodesSum = 0;
    for (let k = 0; k < this.runningLen; k++) {
      const j = this.running[k];
      rc.limitMinutes[k] = limitMinutes[j];
      rc.nodesSum += nodes[j];
      rc.waitSec[k] = (this.started[j] - this.submitMin[j]) * 60;
      rc.runSec[k] = (t - this.started[j]) * 60;
    }
    const { rows, at } = ring.push(t);
    queueFeaturesInto(pc, rc, rows, at);
  }
}

/**
 * First slot from which `length` slots (cut at the end of the timeline) all
 * have `need` nodes free, scanning as the reference does; -1 when none.
 */
function earliestFit(timeline: Int32Array, slots: number, need: number, length: number): number {
  let curr = 0;
  while (curr < slots) {
    if (timeline[curr] < need) {
      curr++;
      continue;
    }
    const end = Math.min(curr + length, slots);
    let ok = true;
    for (let k = curr + 1; k < end; k++) {
      if (timeline[k] < need) {
        curr = k + 1;
        ok = false;
        break;
      }
    }
    if (ok) return curr;
  }
  return -1;
}

/** Per-engine work buffers (never shared between clones: each creates its own on first use). */
interface Scratch {
  timeline: Int32Array;
  drop: Int32Array;
  smallestFrom: Float64Array;
  chosenAt: Int32Array;
  pendingCols: JobColumns | null;
  runningCols: JobColumns | null;
}

function newScratch(slots: number, jobs: number): Scratch {
  return {
    timeline: new Int32Array(slots),
    drop: new Int32Array(slots + 1),
    smallestFrom: new Float64Array(Math.max(1, jobs)),
    chosenAt: new Int32Array(Math.max(1, jobs)),
    pendingCols: null,
    runningCols: null,
  };
}
