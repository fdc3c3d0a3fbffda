/**
 * Shared-window storage of feature matrices.
 *
 * A training example's input is a window of 144 snapshots (SimConfig.snapshotWindow) x 42 features. The
 * first 34 features describe the queue and the cluster at the snapshot; the
 * last 8 are the predecessor's and successor's (limit, nodes, wait, run)
 * tuples, which the reference takes once per window and repeats on every row.
 * In `decision` mode the probes of one sample replay the same simulation up to
 * their decisions, so their windows are overlapping stretches of one snapshot
 * timeline. We store each distinct stretch once:
 *
 *   snapshots    [M, 34]  queue/cluster rows, sample after sample
 *   chain_state  [N, 8]   the window's pred/succ tuple
 *   window_start [N]      first row of the window in `snapshots`
 *
 *   features[i] = concat(snapshots[window_start[i] + 0..143], repeat(chain_state[i], 144))
 *
 * Packing is exact by construction: rows are shared only where they are
 * bit-identical, so unpacking gives back every window exactly, whatever the
 * simulator does.
 */

import { FEATURES_PER_SNAPSHOT, QUEUE_FEATURES } from '../sim/features.js';

export { QUEUE_FEATURES };
/** Snapshots per window with the reference configuration (SimConfig.snapshotWindow). */
export const DEFAULT_WINDOW_LENGTH = 144;
export const FEATURE_COUNT = FEATURES_PER_SNAPSHOT;
export const CHAIN_FEATURES = FEATURE_COUNT - QUEUE_FEATURES;

export interface PackedWindows {
  /** Snapshots per window (144 with the reference configuration). */
  windowLength: number;
  /** [rows, QUEUE_FEATURES] distinct snapshot rows of one sample (or a whole dataset). */
  snapshots: Float32Array;
  /** [windows, CHAIN_FEATURES]. */
  chainState: Float32Array;
  /** [windows] first snapshot row of each window. */
  windowStart: Int32Array;
}

/**
 * Packs one sample's windows (each [144 * 42], row-major, oldest first) in
 * order. Each window reuses the longest tail of the rows stored so far that
 * equals its own head; `where(k)` names a window in errors.
 */
export function packWindows(windows: readonly Float32Array[], windowLength: number, where: (k: number) => string): PackedWindows {
  const rows = new Float32Array(windows.length * windowLength * QUEUE_FEATURES);
  const rowBits = new Uint32Array(rows.buffer);
  const chainState = new Float32Array(windows.length * CHAIN_FEATURES);
  const windowStart = new Int32Array(windows.length);
  let rowCount = 0;
  windows.forEach((window, k) => {
    if (window.length !== windowLength * FEATURE_COUNT) {
      throw new Error(`${where(k)}: feature matrix has ${window.length} values, expected ${windowLength} x ${FEATURE_COUNT}`);
    }
    checkChainColumnsConstant(window, windowLength, where(k));
    chainState.set(window.subarray(QUEUE_FEATURES, FEATURE_COUNT), k * CHAIN_FEATURES);
    const bits = new Uint32Array(window.buffer, window.byteOffset, window.length);
    const overlap = longestOverlap(rowBits, rowCount, bits, windowLength);
    windowStart[k] = rowCount - overlap;
    for (let r = overlap; r < windowLength; r++) {
      rowBits.set(bits.subarray(r * FEATURE_COUNT, r * FEATURE_COUNT + QUEUE_FEATURES), rowCount * QUEUE_FEATURES);
      rowCount++;
    }
  });
  return { windowLength, snapshots: rows.slice(0, rowCount * QUEUE_FEATURES), chainState, windowStart };
}

/** The largest o such that the last o stored rows equal the window's first o rows (queue columns, bit for bit). */
function longestOverlap(stored: Uint32Array, storedRows: number, window: Uint32Array, windowLength: number): number {
  for (let o = Math.min(windowLength, storedRows); o > 0; o--) {
    let same = true;
    for (let r = 0; r < o && same; r++) {
      const s = (storedRows - o + r) * QUEUE_FEATURES;
      const w = r * FEATURE_COUNT;
      for (let c = 0; c < QUEUE_FEATURES; c++) {
        if (stored[s + c] !== window[w + c]) {
          same = false;
          break;
        }
      }
    }
    if (same) return o;
  }
  return 0;
}

function checkChainColumnsConstant(window: Float32Array, windowLength: number, where: string): void {
  for (let r = 1; r < windowLength; r++) {
    for (let c = QUEUE_FEATURES; c < FEATURE_COUNT; c++) {
      const a = window[c];
      const b = window[r * FEATURE_COUNT + c];
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) {
        throw new Error(
          `${where}: feature ${c} (a pred/succ column) changes inside the window (row 0: ${a}, row ${r}: ${b}); ` +
            'the shared-window layout stores those columns once per window',
        );
      }
    }
  }
}

/** Writes window `k` as [windowLength * 42] into `out` at `outOffset`. */
export function unpackWindow(packed: PackedWindows, k: number, out: Float32Array, outOffset = 0): void {
  const first = packed.windowStart[k];
  const chain = packed.chainState.subarray(k * CHAIN_FEATURES, (k + 1) * CHAIN_FEATURES);
  for (let r = 0; r < packed.windowLength; r++) {
    const at = outOffset + r * FEATURE_COUNT;
    const from = (first + r) * QUEUE_FEATURES;
    out.set(packed.snapshots.subarray(from, from + QUEUE_FEATURES), at);
    out.set(chain, at + QUEUE_FEATURES);
  }
}

/** All windows as one [N * windowLength * 42] array, the plain layout a model consumes. */
export function unpackAll(packed: PackedWindows): Float32Array {
  const count = packed.windowStart.length;
  const size = packed.windowLength * FEATURE_COUNT;
  const out = new Float32Array(count * size);
  for (let k = 0; k < count; k++) unpackWindow(packed, k, out, k * size);
  return out;
}
