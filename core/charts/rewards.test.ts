import { describe, expect, it } from 'vitest';
import { boxStats, empiricalCdf, rewardCdfOption, rewardTimelineOption } from './rewards.js';

describe('chart data', () => {
  it('CDF steps once per distinct value and ends at 1', () => {
    expect(empiricalCdf([0, 2, 0, -1])).toEqual([
      [-1, 0.25],
      [0, 0.75],
      [2, 1],
    ]);
  });

  it('box: quartiles by linear interpolation, whiskers at the last value within 1.5 IQR', () => {
    const s = boxStats([1, 2, 3, 4, 100]);
    expect(s.box).toEqual([1, 2, 3, 4, 4]);
    expect(s.outliers).toEqual([100]);
    expect(s.mean).toBe(22);
  });

  it('options are plain JSON (the GUI receives them over IPC)', () => {
    const cdf = rewardCdfOption([{ policy: 'reactive', rewardsHours: [0, 1] }]);
    expect(JSON.parse(JSON.stringify(cdf))).toEqual(cdf);
    const timeline = rewardTimelineOption([{ policy: 'model', points: [{ sampleStartSec: 86400, rewardHours: -0.5 }] }]);
    expect(timeline.useUTC).toBe(true);
    expect((timeline.series as { data: unknown }[])[0].data).toEqual([[86400000, -0.5]]);
  });
});
