import { describe, expect, it } from 'vitest';
import { reportCharts } from './svg.js';
import { summarizeRecords } from './summary.js';
import type { SampleReward } from './summary.js';

function records(policy: string, rewards: number[]): SampleReward[] {
  return rewards.map((r, index) => ({
    policy,
    index,
    sampleStartSec: 1677628800 + index * 14400,
    submitSec: 1677628800 + index * 14400 + 86400,
    succStartSec: 1677628800 + index * 14400 + 86400 + r,
    rewardSeconds: r,
    backfillSec: null,
    expectedReward: null,
  }));
}

describe('report charts', () => {
  const rows = [
    ...records('reactive', [0, 0, 3600, 9 * 3600, 20 * 3600, 0]),
    ...records('average', [-600, 0, 3000, 8 * 3600, 19 * 3600, -300]),
    ...records('transformer', [-60, 0, 600, 3600, 2 * 3600, 0]),
  ];
  const summary = summarizeRecords(rows, { version: 'test' });
  const charts = reportCharts(rows, summary);

  it('renders every chart to an SVG document', () => {
    expect(charts.map((c) => c.file)).toEqual(['cdf.svg', 'box.svg', 'timeline.svg', 'metrics.svg', 'zero-interruption.svg', 'load-levels.svg']);
    for (const c of charts) {
      expect(c.svg.startsWith('<svg')).toBe(true);
      expect(c.svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
  });

  it('shows every policy by name in the CDF, box plot, timeline and comparisons', () => {
    for (const file of ['cdf.svg', 'box.svg', 'timeline.svg', 'metrics.svg', 'zero-interruption.svg', 'load-levels.svg']) {
      const svg = charts.find((c) => c.file === file)!.svg;
      for (const policy of ['reactive', 'average', 'transformer']) expect(svg, `${file} names ${policy}`).toContain(`>${policy}<`);
    }
    expect(charts.find((c) => c.file === 'load-levels.svg')!.svg).toContain('heavy (&gt; 12 h, n=1)');
  });

  it('is deterministic', () => {
    expect(reportCharts(rows, summary).map((c) => c.svg)).toEqual(charts.map((c) => c.svg));
  });
});
