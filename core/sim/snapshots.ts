import type { JobTuple } from './features.js';
import { FEATURES_PER_SNAPSHOT, QUEUE_FEATURES, tupleFeaturesInto } from './features.js';

/**
 * The last `capacity` snapshots' queue features (34 numbers each), computed
 * when the snapshot is taken so no queue is ever stored. The predecessor and
 * successor tuples are the same in every row of one model input (their values
 * at the decision), so they are added when a window is read out.
 */
export class SnapshotRing {
  /** Snapshots taken so far (the ring keeps the last `capacity`). */
  taken = 0;

  constructor(
    readonly capacity: number,
    private readonly rows: Float64Array = new Float64Array(capacity * QUEUE_FEATURES),
    private readonly minutes: Float64Array = new Float64Array(capacity),
  ) {}

  clone(): SnapshotRing {
    const copy = new SnapshotRing(this.capacity, this.rows.slice(), this.minutes.slice());
    copy.taken = this.taken;
    return copy;
  }

  /** Starts a new row for a snapshot at `minute`; returns the buffer and offset to write its 34 features at. */
  push(minute: number): { rows: Float64Array; at: number } {
    const slot = this.taken % this.capacity;
    this.taken++;
    this.minutes[slot] = minute;
    return { rows: this.rows, at: slot * QUEUE_FEATURES };
  }

  get size(): number {
    return Math.min(this.taken, this.capacity);
  }

  /** Minute of the newest snapshot, or NaN before the first. */
  get lastMinute(): number {
    return this.taken === 0 ? Number.NaN : this.minutes[(this.taken - 1) % this.capacity];
  }

  /**
   * The model input: `capacity` rows of 42 features, oldest first. With fewer
   * snapshots than `capacity` the missing oldest rows are zeros.
   */
  window(pred: JobTuple, succ: JobTuple, out: Float32Array = new Float32Array(this.capacity * FEATURES_PER_SNAPSHOT)): Float32Array {
    const size = this.size;
    const missing = this.capacity - size;
    out.fill(0, 0, missing * FEATURES_PER_SNAPSHOT);
    for (let r = 0; r < size; r++) {
      const slot = (this.taken - size + r) % this.capacity;
      const dst = (missing + r) * FEATURES_PER_SNAPSHOT;
      const src = slot * QUEUE_FEATURES;
      for (let f = 0; f < QUEUE_FEATURES; f++) out[dst + f] = this.rows[src + f];
      tupleFeaturesInto(pred, succ, out, dst + QUEUE_FEATURES);
    }
    return out;
  }
}
