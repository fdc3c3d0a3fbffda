import { describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../core/api/trace.js';
import { histogramOption, queueOption, submissionsOption, utilisationOption } from './trace-options.js';
import { darkChartTheme, lightChartTheme } from './theme.js';

const series: TimeSeries = { startSec: 1_664_928_000, stepSec: 3600, submitted: [3, 0, 5], runningNodes: [10, 20, 30], queuedJobs: [0, 2, 1] };

describe('trace chart options', () => {
  it('plot running nodes on a UTC time axis against a flat capacity line', () => {
    const option = utilisationOption(series, 88, lightChartTheme);
    expect(option.useUTC).toBe(true);
    const [running, capacity] = option.series as Array<{ data: [number, number][] }>;
    expect(running.data).toEqual([
      [1_664_928_000_000, 10],
      [1_664_931_600_000, 20],
      [1_664_935_200_000, 30],
    ]);
    expect(capacity.data).toEqual([
      [1_664_928_000_000, 88],
      [1_664_935_200_000, 88],
    ]);
    expect((option.dataZoom as unknown[]).length).toBe(2); // inside + slider
  });

  it('draw the queue and submissions from the same series, and count their points', () => {
    expect((queueOption(series, lightChartTheme).series as Array<{ data: unknown[] }>)[0].data).toHaveLength(3);
    const submissions = submissionsOption(series, darkChartTheme);
    expect((submissions.series as Array<{ data: [number, number][] }>)[0].data.map((d) => d[1])).toEqual([3, 0, 5]);
  });

  it('draw histograms with their labels, in the theme colours', () => {
    const option = histogramOption({ labels: ['1', '2', '4'], counts: [5, 2, 1] }, darkChartTheme, 'nodes per job');
    expect((option.xAxis as { data: string[] }).data).toEqual(['1', '2', '4']);
    const bars = (option.series as Array<{ data: number[]; itemStyle: { color: string } }>)[0];
    expect(bars.data).toEqual([5, 2, 1]);
    expect(bars.itemStyle.color).toBe(darkChartTheme.bars);
  });
});
