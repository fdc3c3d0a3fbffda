import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatRewardsCsv, parseRewardsCsv } from './rewards-csv.js';
import { loadLevelOf, median, rewardStats } from './stats.js';
import { summarizeRecords, summarySchema } from './summary.js';
import type { SampleReward } from './summary.js';

interface Golden {
  samples: { index: number; sampleStart: string; avgWaitMinutes: number; rewardSeconds: number[] }[];
}

function goldenRecords(policy: 'reactive' | 'average'): SampleReward[] {
  const url = new URL(`../testdata/golden/ls6-${policy}-2023-03-01.json`, import.meta.url);
  const golden = JSON.parse(readFileSync(url, 'utf8')) as Golden;
  return golden.samples.map((s) => {
    const sampleStartSec = Date.parse(s.sampleStart + 'Z') / 1000;
    const predEndSec = sampleStartSec + 2 * 86400 + 2880 * 60; // placeholder clock: summaries read only rewards
    const submitSec = policy === 'reactive' ? predEndSec : predEndSec - s.avgWaitMinutes * 60;
    return {
      policy,
      index: s.index,
      sampleStartSec,
      submitSec,
      succStartSec: predEndSec + s.rewardSeconds[0],
      rewardSeconds: s.rewardSeconds[0],
      backfillSec: null,
      expectedReward: null,
    };
  });
}

describe('reward statistics', () => {
  it('median is numpy\'s (mean of the two middle values)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('splits a hand-made set into interruption and overlap', () => {
    const s = rewardStats([-2, 0, 0.5, 3]);
    expect(s.meanRewardHours).toBeCloseTo(0.375, 12);
    expect(s.meanInterruptionHours).toBeCloseTo(0.875, 12);
    expect(s.meanOverlapHours).toBeCloseTo(0.5, 12);
    expect(s.meanAbsRewardHours).toBeCloseTo(1.375, 12);
    expect(s.zeroInterruptionShare).toBe(0.5);
    expect(s.within1hShare).toBe(0.5);
    expect(s.maxInterruptionHours).toBe(3);
    expect(s.maxOverlapHours).toBe(2);
  });

  it('takes the largest interruption and overlap of more rewards than a call can spread as arguments', () => {
    // 300,000 samples: Math.max(...rewards) throws "Maximum call stack size exceeded" at this size.
    const rewards = Array.from({ length: 300_000 }, (_, i) => (i === 123_456 ? 7 : i === 200_000 ? -5 : 0.5));
    const s = rewardStats(rewards);
    expect(s.maxInterruptionHours).toBe(7);
    expect(s.maxOverlapHours).toBe(5);
  });

  it('classifies load the way the reference plots do', () => {
    expect([0, 2, 2.01, 12, 12.01].map(loadLevelOf)).toEqual(['low', 'low', 'medium', 'medium', 'heavy']);
  });
});

describe('summary of the golden LS6 baselines (156 samples from 2023-03-01)', () => {
  const records = [...goldenRecords('reactive'), ...goldenRecords('average')];
  const summary = summarizeRecords(records, { version: 'test' });
  const [reactive, average] = summary.policies;

  it('reproduces the golden README numbers', () => {
    expect(reactive.policy).toBe('reactive');
    expect(reactive.n).toBe(156);
    expect(reactive.meanInterruptionHours.toFixed(3)).toBe('0.455');
    expect(reactive.meanOverlapHours).toBe(0);
    expect(reactive.meanAbsRewardHours.toFixed(3)).toBe('0.455');
    expect((reactive.zeroInterruptionShare * 100).toFixed(1)).toBe('81.4');
    expect(average.n).toBe(156);
    expect(average.meanInterruptionHours.toFixed(3)).toBe('0.382');
    expect(average.meanOverlapHours.toFixed(3)).toBe('0.265');
    expect(average.meanAbsRewardHours.toFixed(3)).toBe('0.647');
    expect((average.zeroInterruptionShare * 100).toFixed(1)).toBe('83.3');
  });

  it('breaks samples down by the reactive interruption, the same levels for every policy', () => {
    const { low, medium, heavy } = summary.loadLevelCounts;
    expect(low + medium + heavy).toBe(156);
    for (const p of summary.policies) {
      expect(p.loadLevels.low?.n ?? 0).toBe(low);
      expect(p.loadLevels.medium?.n ?? 0).toBe(medium);
      expect(p.loadLevels.heavy?.n ?? 0).toBe(heavy);
      // The breakdown partitions the samples: weighted means add back up to the whole.
      const parts = [p.loadLevels.low, p.loadLevels.medium, p.loadLevels.heavy].filter((s) => s !== null);
      const total = parts.reduce((acc, s) => acc + s.meanAbsRewardHours * s.n, 0);
      expect(total / 156).toBeCloseTo(p.meanAbsRewardHours, 10);
    }
    // Reactive never overlaps, so its low level is exactly its samples with <= 2 h interruption.
    expect(reactive.loadLevels.low!.maxInterruptionHours).toBeLessThanOrEqual(2);
  });

  it('is recomputed identically from rewards.csv', () => {
    const csv = formatRewardsCsv(records);
    expect(csv.split('\n')[0]).toBe('policy,index,sample_start,submission,succ_start,reward_seconds,reward_hours,backfill,expected_reward');
    expect(csv.trim().split('\n')).toHaveLength(1 + 312);
    const reparsed = parseRewardsCsv(csv);
    expect(reparsed).toEqual(records);
    expect(summarizeRecords(reparsed, { version: 'test' })).toEqual(summary);
    expect(summarySchema.parse(JSON.parse(JSON.stringify(summary)))).toEqual(summary);
  });

  it('refuses a policy that misses samples of the load reference', () => {
    expect(() => summarizeRecords([...records, { ...records[0], policy: 'model' }], { version: 't' })).toThrow(/'model' has 1 samples/);
    expect(() => summarizeRecords(goldenRecords('average'), { version: 't' })).toThrow(/no 'reactive' rewards/);
  });
});

describe('rewards.csv', () => {
  it('names the line of a bad row', () => {
    const csv = formatRewardsCsv(goldenRecords('reactive').slice(0, 3)).replace(/,0,0,/, ',zero,0,');
    expect(() => parseRewardsCsv(csv, 'r.csv')).toThrow(/r\.csv:2: reward_seconds/);
  });
});
