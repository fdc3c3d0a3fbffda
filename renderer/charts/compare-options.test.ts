import { describe, expect, it } from 'vitest';
import type { CompareData } from '../../core/api/experiment.js';
import { identicalPolicies, showIdentical } from './compare-options.js';
import { wrapLabel } from './experiment-options.js';

const record = (policy: string, index: number, rewardSeconds: number) => ({ policy, index, sampleStartSec: index * 3600, submitSec: 0, succStartSec: 0, rewardSeconds });

function data(rewards: Record<string, number[]>): CompareData {
  return {
    runs: [],
    policies: Object.keys(rewards).map((policy) => ({ policy })),
    loadLevelCounts: { low: 0, medium: 0, heavy: 0 },
    records: Object.entries(rewards).flatMap(([policy, values]) => values.map((v, i) => record(policy, i, v))),
    notes: [],
  } as unknown as CompareData;
}

describe('identical series', () => {
  it('finds policies whose every reward equals an earlier one, and only those', () => {
    const same = identicalPolicies(data({ model: [0, 60, -30], reactive: [0, 60, -30], average: [0, 60, -31], other: [0, 60, -30] }));
    expect([...same]).toEqual([
      ['reactive', 'model'],
      ['other', 'model'],
    ]);
    expect(identicalPolicies(data({ a: [1, 2], b: [2, 1] })).size).toBe(0);
  });

  it('draws the later one dashed over the first, and says so in the legend', () => {
    const option = {
      legend: { data: ['model', 'reactive'] },
      series: [
        { name: 'model', type: 'line', symbol: 'none', lineStyle: { width: 2 }, data: [[0, 1]] },
        { name: 'reactive', type: 'line', symbol: 'none', lineStyle: { width: 2 }, data: [[0, 1]] },
      ],
    };
    const out = showIdentical(option as never, new Map([['reactive', 'model']])) as { series: { lineStyle: { type: unknown }; z?: number }[]; legend: { formatter: (n: string) => string } };
    expect(out.series[0].lineStyle.type).toBeUndefined();
    expect(Array.isArray(out.series[1].lineStyle.type)).toBe(true);
    expect(out.series[1].z).toBeGreaterThan(0);
    expect(out.legend.formatter('reactive')).toBe('reactive (= model)');
    expect(out.legend.formatter('model')).toBe('model');
  });
});

describe('category labels', () => {
  it('wrap after hyphens and at spaces, never inside a word', () => {
    expect(wrapLabel('model-wait-linear', 13)).toBe('model-wait-\nlinear');
    expect(wrapLabel('reactive', 13)).toBe('reactive');
    expect(wrapLabel('model-default (quick)', 13)).toBe('model-default\n(quick)');
    expect(wrapLabel('averylongwordwithoutbreaks', 8)).toBe('averylongwordwithoutbreaks');
    for (const label of ['model-wait-linear (paper-ls6)', 'quantile q=0.5 n=100']) {
      const lines = wrapLabel(label, 13).split('\n');
      expect(lines.join(' ').replace(/- /g, '-')).toBe(label);
      expect(lines.every((l) => l.length <= 13)).toBe(true);
    }
  });
});
