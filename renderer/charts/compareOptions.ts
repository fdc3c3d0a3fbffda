import type { EChartsOption } from 'echarts';
import type { CompareData, CompareRecord } from '../../core/api/experiment.js';
import { loadLevelOption, policyMetricsOption, rewardBoxOption, rewardCdfOption, rewardTimelineOption, zeroInterruptionOption } from '../../core/charts/index.js';
import type { ChartTheme } from './theme.js';
import { themedReportOption } from './experimentOptions.js';

/**
 * The comparison's charts: core/charts' builders fed exactly as the CLI's
 * report feeds them (core/validate/svg.ts: records grouped by policy in
 * order, each by sample index), then put in the app's theme.
 */

export type CompareChart = 'cdf' | 'box' | 'timeline' | 'metrics' | 'zero' | 'levels';

/** Records by policy, in the comparison's policy order, each sorted by sample index (core/validate's groupByPolicy). */
export function recordsByPolicy(data: CompareData): [string, CompareRecord[]][] {
  const groups = new Map<string, CompareRecord[]>(data.policies.map((p) => [p.policy, []]));
  for (const r of data.records) groups.get(r.policy)?.push(r);
  for (const rows of groups.values()) rows.sort((a, b) => a.index - b.index);
  return [...groups];
}

export function compareOptions(data: CompareData, theme: ChartTheme): Record<CompareChart, EChartsOption> {
  const groups = recordsByPolicy(data);
  const rewards = groups.map(([policy, rows]) => ({ policy, rewardsHours: rows.map((r) => r.rewardSeconds / 3600) }));
  const timeline = groups.map(([policy, rows]) => ({ policy, points: rows.map((r) => ({ sampleStartSec: r.sampleStartSec, rewardHours: r.rewardSeconds / 3600 })) }));
  const themed = (o: EChartsOption) => themedReportOption(o, theme);
  return {
    cdf: themed(rewardCdfOption(rewards)),
    box: themed(rewardBoxOption(rewards)),
    timeline: themed(rewardTimelineOption(timeline)),
    metrics: themed(policyMetricsOption(data.policies)),
    zero: themed(zeroInterruptionOption(data.policies)),
    levels: themed(loadLevelOption(data.policies)),
  };
}

/**
 * The sample behind a click on the reward-per-sample chart: that chart sorts
 * each policy's points by sample start, so the point's index there is its
 * rank by start time.
 */
export function sampleAtTimelinePoint(data: CompareData, policy: string, dataIndex: number): number | null {
  const rows = data.records.filter((r) => r.policy === policy).sort((a, b) => a.sampleStartSec - b.sampleStartSec);
  return rows[dataIndex]?.index ?? null;
}
