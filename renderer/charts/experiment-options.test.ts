import { describe, expect, it } from 'vitest';
import type { CompareData } from '../../core/api/experiment.js';
import { rewardBoxOption, rewardCdfOption } from '../../core/charts/index.js';
import { emptyCurves } from '../lib/train-curves.js';
import { compareOptions, recordsByPolicy, sampleAtTimelinePoint } from './compare-options.js';
import { lossData, themedReportOption, windowsOption } from './experiment-options.js';
import { darkChartTheme, lightChartTheme } from './theme.js';

const stats = { n: 2, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours: 1, meanOverlapHours: 0, meanAbsRewardHours: 1, zeroInterruptionShare: 0.5, within1hShare: 0.5, maxInterruptionHours: 2, maxOverlapHours: 0 };
const policy = (name: string, isBaseline: boolean) => ({ ...stats, policy: name, runId: 'r1', runPolicy: name, isBaseline, loadLevels: { low: stats, medium: null, heavy: null } });
const H = 3600;
const data: CompareData = {
  runs: [{ id: 'r1', name: 'quick', modelPolicy: 'model-default' }],
  policies: [policy('model-default', false), policy('reactive', true)],
  loadLevelCounts: { low: 2, medium: 0, heavy: 0 },
  // Out of order on purpose: sample 1 starts before sample 0 here.
  records: [
    { policy: 'reactive', index: 1, sampleStartSec: 100, submitSec: 0, succStartSec: 0, rewardSeconds: 2 * H },
    { policy: 'model-default', index: 0, sampleStartSec: 200, submitSec: 0, succStartSec: 0, rewardSeconds: -H },
    { policy: 'model-default', index: 1, sampleStartSec: 100, submitSec: 0, succStartSec: 0, rewardSeconds: H },
    { policy: 'reactive', index: 0, sampleStartSec: 200, submitSec: 0, succStartSec: 0, rewardSeconds: 0 },
  ],
  notes: [],
};

describe('comparison charts', () => {
  it("feed core/charts' builders as the CLI report does, and keep their data and colours in the app's theme", () => {
    expect(recordsByPolicy(data).map(([p, rows]) => [p, rows.map((r) => r.index)])).toEqual([
      ['model-default', [0, 1]],
      ['reactive', [0, 1]],
    ]);
    const options = compareOptions(data, darkChartTheme);
    const report = rewardCdfOption([
      { policy: 'model-default', rewardsHours: [-1, 1] },
      { policy: 'reactive', rewardsHours: [0, 2] },
    ]);
    expect((options.cdf.series as { data: unknown }[]).map((s) => s.data)).toEqual((report.series as { data: unknown }[]).map((s) => s.data));
    expect(options.cdf.color).toEqual(report.color);
    expect(options.cdf.backgroundColor).toBe('transparent');
    expect((options.cdf.textStyle as { color: string }).color).toBe(darkChartTheme.text);
    // The box plot's boxes: the report's values, filled with the theme's surface instead of white.
    const box = (options.box.series as { type: string; data: { value: number[]; itemStyle: { color: string; borderColor: string } }[] }[])[0];
    const reportBox = (rewardBoxOption([{ policy: 'model-default', rewardsHours: [-1, 1] }, { policy: 'reactive', rewardsHours: [0, 2] }]).series as typeof box[])[0];
    expect(box.data.map((d) => d.value)).toEqual(reportBox.data.map((d) => d.value));
    expect(box.data[0].itemStyle).toEqual({ color: darkChartTheme.surface, borderColor: reportBox.data[0].itemStyle.borderColor });
  });

  it('map a click on the reward-per-sample chart (sorted by start) back to the sample', () => {
    expect(sampleAtTimelinePoint(data, 'model-default', 0)).toBe(1);
    expect(sampleAtTimelinePoint(data, 'model-default', 1)).toBe(0);
    expect(sampleAtTimelinePoint(data, 'model-default', 2)).toBeNull();
  });
});

describe('experiment charts', () => {
  it('shade the training and validation windows on the utilisation chart', () => {
    const series = { startSec: 0, stepSec: 3600, submitted: [1, 2], runningNodes: [3, 4], queuedJobs: [0, 0] };
    const option = windowsOption(series, 88, [{ kind: 'training', name: 'training (dataset)', samples: 24, fromSec: 10, lastSampleSec: 20, toSec: 30 }, null], lightChartTheme);
    const area = (option.series as { markArea: { data: [{ xAxis: number; name: string }, { xAxis: number }][] } }[])[0].markArea;
    expect(area.data).toHaveLength(1);
    expect(area.data[0][0]).toMatchObject({ xAxis: 10_000, name: 'training (24 samples)' });
    expect(area.data[0][1]).toEqual({ xAxis: 30_000 });
  });

  it('send only series data on updates, and leave non-positive losses off a log axis', () => {
    const curves = { ...emptyCurves(), stepLoss: [[1, 0.5], [2, 0], [3, 0.25]] as [number, number][], heldOutLoss: [[3, 0.4]] as [number, number][] };
    const linear = lossData(curves, { smoothing: 0, logScale: false });
    expect(Object.keys(linear)).toEqual(['series']);
    expect((linear.series as { id: string; data: unknown[] }[]).map((s) => [s.id, s.data.length])).toEqual([
      ['step-raw', 3],
      ['step-smooth', 3],
      ['held-out', 1],
    ]);
    const log = lossData(curves, { smoothing: 0, logScale: true });
    expect((log.series as { data: unknown[] }[])[0].data).toEqual([
      [1, 0.5],
      [3, 0.25],
    ]);
  });

  it('theme any report option without touching its series', () => {
    const option = themedReportOption({ backgroundColor: '#ffffff', xAxis: { type: 'category', data: ['a'] }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: [1] }] }, darkChartTheme);
    expect(option.series).toEqual([{ type: 'bar', data: [1] }]);
    expect((option.xAxis as { data: string[]; axisLabel: { color: string } }[])[0]).toMatchObject({ data: ['a'], axisLabel: { color: darkChartTheme.muted, interval: 0 } });
  });
});
