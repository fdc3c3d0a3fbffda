import { describe, expect, it } from 'vitest';
import type { SampleReward } from '../validate/summary.js';
import { compareToBaselines, significance } from './compare.js';
import { sampleCostHours } from '../validate/stats.js';

const rec = (policy: string, index: number, hours: number): SampleReward => ({
  policy,
  index,
  sampleStartSec: index * 14400,
  submitSec: 0,
  succStartSec: 0,
  rewardSeconds: Math.round(hours * 3600),
  backfillSec: null,
  expectedReward: null,
});

describe('the model against the baselines', () => {
  it('costs interruption in full and overlap divided by R', () => {
    expect(sampleCostHours(2, 1)).toBe(2);
    expect(sampleCostHours(-2, 1)).toBe(2);
    expect(sampleCostHours(-2, 4)).toBe(0.5);
  });

  it('computes means, ratios, the McNemar counts and the load levels by hand', () => {
    // Reactive: 0, 0, 3, 13 h (low, low, medium, heavy). Model: -1, 0, 1, 5. Average: -2, 0, 2, 12.
    const rows = [
      ...[0, 0, 3, 13].map((h, i) => rec('reactive', i, h)),
      ...[-1, 0, 1, 5].map((h, i) => rec('model', i, h)),
      ...[-2, 0, 2, 12].map((h, i) => rec('average', i, h)),
    ];
    const c = compareToBaselines([rows], { model: 'model', overlapHoursPerInterruptionHour: 2, blockSamples: 1, resamples: 500 });
    // Costs with R = 2: reactive 0+0+3+13 = 16 -> 4; model 0.5+0+1+5 = 6.5 -> 1.625; average 1+0+2+12 = 15 -> 3.75.
    const cost = Object.fromEntries(c.policies.map((p) => [p.policy, p.meanCostHours]));
    expect(cost).toEqual({ reactive: 4, model: 1.625, average: 3.75 });
    expect(c.bestBaseline).toBe('average');
    const reactive = c.baselines.find((b) => b.baseline === 'reactive')!;
    expect(reactive.costDifference.estimate).toBeCloseTo(1.625 - 4, 12);
    expect(reactive.costRatio).toBeCloseTo(1.625 / 4, 12);
    // No interruption: model at samples 0, 1 (2 of 4); reactive at 0, 1; average at 0, 1. No discordant pair.
    expect(reactive.zeroInterruption).toEqual({ model: 0.5, baseline: 0.5, test: { onlyFirst: 0, onlySecond: 0, pValue: 1 } });
    // Low load (samples 0 and 1): model costs 0.5, 0 against reactive's 0, 0: mean difference +0.25.
    expect(reactive.byLoad.low!.estimate).toBeCloseTo(0.25, 12);
    expect(reactive.byLoad.low!.n).toBe(2);
    expect(reactive.byLoad.medium!.estimate).toBeCloseTo(1 - 3, 12);
    expect(reactive.byLoad.heavy!.estimate).toBeCloseTo(5 - 13, 12);
  });

  it('does not call a difference significant from fewer than four blocks', () => {
    expect(significance({ estimate: -1, low: -1, high: -1, level: 0.95, blocks: 1 })).toMatch(/not assessed/);
    expect(significance({ estimate: -1, low: -2, high: -0.5, level: 0.95, blocks: 4 })).toBe('significantly lower');
    expect(significance({ estimate: 0.1, low: -2, high: 0.5, level: 0.95, blocks: 9 })).toBe('not significantly different');
  });

  it('refuses runs whose policies cover different samples', () => {
    const rows = [rec('reactive', 0, 1), rec('reactive', 1, 1), rec('model', 0, 0)];
    expect(() => compareToBaselines([rows], { model: 'model', overlapHoursPerInterruptionHour: 1, blockSamples: 1 })).toThrow(/different samples/);
  });
});
