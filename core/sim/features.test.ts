import { describe, expect, it } from 'vitest';
import type { Snapshot } from './features.js';
import { FEATURE_NAMES, FEATURES_PER_SNAPSHOT, percentileSorted, snapshotFeatures } from './features.js';

const five = (values: number[]): number[] => {
  const sorted = Float64Array.from(values).sort();
  return [0, 25, 50, 75, 100].map((q) => percentileSorted(sorted, sorted.length, q));
};

describe('numpy linear percentiles', () => {
  it('interpolates between closest ranks', () => {
    // np.percentile([30, 2880, 60, 480, 5], q) and np.percentile([1, 2, 3, 4], q)
    expect(five([30, 2880, 60, 480, 5])).toEqual([5, 30, 60, 480, 2880]);
    expect(five([1, 2, 3, 4])).toEqual([1, 1.75, 2.5, 3.25, 4]);
    expect(five([7])).toEqual([7, 7, 7, 7, 7]);
  });

  it('matches numpy to the last bit, lerping from the upper neighbour past the midpoint', () => {
    // numpy 1.24 / 2.x: np.percentile(x, [0, 25, 50, 75, 100]); a + (b - a) * 0.75 would give ...21 at 75.
    const x = [84713.4765826215, 89350.0245521601, 30280.93296725163, 33433.340565076185, 54422.54141821842, 57898.54363170839];
    expect(five(x)).toEqual([30280.93296725163, 38680.64077836175, 56160.5425249634, 78009.74334489323, 89350.0245521601]);
    expect(five([0.1, 0.7, 1e16 + 2, 3.3])).toEqual([0.1, 0.5499999999999999, 2.0, 2500000000000003.0, 1.0000000000000002e16]);
  });
});

describe('snapshot features', () => {
  it('names 42 features', () => {
    expect(FEATURE_NAMES).toHaveLength(FEATURES_PER_SNAPSHOT);
    expect(new Set(FEATURE_NAMES).size).toBe(42);
    expect(FEATURE_NAMES.slice(0, 3)).toEqual(['pending_count', 'pending_nodes', 'pending_limit_min_p0']);
    expect(FEATURE_NAMES.slice(34)).toEqual(['pred_limit_min', 'pred_nodes', 'pred_wait_s', 'pred_run_s', 'succ_limit_min', 'succ_nodes', 'succ_wait_s', 'succ_run_s']);
  });

  it('computes counts, node sums and percentiles per set, then the chain tuples', () => {
    const snapshot: Snapshot = {
      pending: [
        [60, 2, 600, 0],
        [30, 1, 120, 0],
      ],
      running: [
        [2880, 1, 0, 3600],
        [120, 4, 60, 60],
        [600, 2, 1200, 7200],
      ],
      pred: [2880, 1, 300, 1800],
      succ: [2880, 1, 0, 0],
    };
    expect(Array.from(snapshotFeatures(snapshot))).toEqual([
      2, 3, 30, 37.5, 45, 52.5, 60, 120, 240, 360, 480, 600, 0, 0, 0, 0, 0,
      3, 7, 120, 360, 600, 1740, 2880, 0, 30, 60, 630, 1200, 60, 1830, 3600, 5400, 7200,
      2880, 1, 300, 1800, 2880, 1, 0, 0,
    ]);
  });

  it('counts an empty set as the single value 0', () => {
    const empty: Snapshot = { pending: [], running: [], pred: [2880, 8, 0, 0], succ: [2880, 8, 0, 0] };
    expect(Array.from(snapshotFeatures(empty))).toEqual([...new Array<number>(34).fill(0), 2880, 8, 0, 0, 2880, 8, 0, 0]);
  });
});
