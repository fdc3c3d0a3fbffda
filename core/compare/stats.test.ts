import { describe, expect, it } from 'vitest';
import { averageRanks, blockBootstrapMean, blocksOf, mcNemarExact, rocAuc, spearman } from './stats.js';

describe('block bootstrap', () => {
  it('cuts a group into consecutive blocks, the last one shorter', () => {
    expect(blocksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('gives a point interval when every block has the same mean', () => {
    const ci = blockBootstrapMean([[1, 3, 2, 2, 0, 4]], 2, { resamples: 200 });
    expect(ci).toEqual({ estimate: 2, low: 2, high: 2, level: 0.95, blocks: 3 });
  });

  it('two blocks: the resampled means are a, (a+b)/2 or b, so the 95 % interval is [a, b]', () => {
    // Blocks [0, 0] and [1, 1]: each resample of two blocks has mean 0 (1/4), 0.5 (1/2) or 1 (1/4).
    const ci = blockBootstrapMean([[0, 0, 1, 1]], 2, { resamples: 4000, seed: 7 });
    expect(ci.estimate).toBe(0.5);
    expect(ci.low).toBe(0);
    expect(ci.high).toBe(1);
  });

  it('resamples within each group, keeping each group\'s size', () => {
    // Group A is constant 10, group B constant -10 with twice the samples: every resample's pooled mean is (2*10 - 4*10) / 6.
    const ci = blockBootstrapMean([[10, 10], [-10, -10, -10, -10]], 1, { resamples: 100 });
    expect(ci.low).toBeCloseTo(-10 / 3, 12);
    expect(ci.high).toBeCloseTo(-10 / 3, 12);
  });

  it('is deterministic for a seed', () => {
    const values = [[0.3, -1, 2, 0, 0, 5, -2, 1]];
    expect(blockBootstrapMean(values, 2, { seed: 3 })).toEqual(blockBootstrapMean(values, 2, { seed: 3 }));
  });
});

describe('McNemar exact test', () => {
  it('counts the discordant pairs and computes the binomial tail by hand', () => {
    // 5 discordant pairs, 1 against 4: p = 2 * (C(5,0) + C(5,1)) / 2^5 = 2 * 6 / 32 = 0.375.
    const first = [true, true, true, true, false, true, false];
    const second = [false, false, false, false, true, true, false];
    expect(mcNemarExact(first, second)).toEqual({ onlyFirst: 4, onlySecond: 1, pValue: 0.375 });
  });

  it('gives p = 1 with no discordant pair and a small p for a one-sided split', () => {
    expect(mcNemarExact([true, false], [true, false]).pValue).toBe(1);
    // 10 to 0: p = 2 / 1024.
    expect(mcNemarExact(Array(10).fill(true), Array(10).fill(false)).pValue).toBeCloseTo(2 / 1024, 15);
  });
});

describe('rank statistics', () => {
  it('gives tied values their mean rank', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('Spearman: 1 for any increasing relation, -1 for a decreasing one, by hand with a tie', () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 100])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [8, 4, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks x = 1, 2, 3; y = 1.5, 1.5, 3: sxy = 1.5, sxx = 2, syy = 1.5, so rho = 1.5 / sqrt(3) = 0.866...
    expect(spearman([1, 2, 3], [0, 0, 5])).toBeCloseTo(1.5 / Math.sqrt(3), 12);
  });

  it('ROC AUC: pairs counted by hand, ties half', () => {
    // Positives score 3 and 1, negatives 2 and 0: of the 4 pairs, (3,2) (3,0) (1,0) are right, (1,2) wrong: 3/4.
    expect(rocAuc([3, 1, 2, 0], [true, true, false, false])).toBe(0.75);
    // A tie between a positive and a negative counts half: (1,1) 0.5 + (1,0) 1 = 1.5 of 2.
    expect(rocAuc([1, 1, 0], [true, false, false])).toBe(0.75);
    expect(rocAuc([1, 2], [false, false])).toBeNaN();
  });
});
