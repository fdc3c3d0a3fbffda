import type { EChartsOption } from 'echarts';
import type { CompareData, CompareRecord } from '../../core/api/experiment.js';
import { loadLevelOption, policyMetricsOption, rewardBoxOption, rewardCdfOption, rewardTimelineOption, tradeoffOption, zeroInterruptionOption } from '../../core/charts/index.js';
import type { TradeoffData } from '../../core/charts/index.js';
import type { ChartTheme } from './theme.js';
import { themedReportOption } from './experiment-options.js';

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
  const same = identicalPolicies(data);
  return {
    cdf: showIdentical(themed(rewardCdfOption(rewards)), same),
    box: themed(rewardBoxOption(rewards)),
    timeline: showIdentical(themed(rewardTimelineOption(timeline)), same),
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

/**
 * Policies whose every sample's reward equals an earlier policy's (a model
 * that learned to act as reactive, say), by policy: the earlier one. Drawn
 * plainly, the later line would hide the earlier one exactly.
 */
export function identicalPolicies(data: CompareData): Map<string, string> {
  const groups = recordsByPolicy(data);
  const key = (rows: CompareRecord[]) => rows.map((r) => `${r.index}:${r.rewardSeconds}`).join(',');
  const firstByKey = new Map<string, string>();
  const same = new Map<string, string>();
  for (const [policy, rows] of groups) {
    if (rows.length === 0) continue;
    const k = key(rows);
    const first = firstByKey.get(k);
    if (first === undefined) firstByKey.set(k, policy);
    else same.set(policy, first);
  }
  return same;
}

/** Dash patterns for the 1st, 2nd... series drawn over an identical one: each stays visible through the others' gaps. */
const DASHES: number[][] = [
  [6, 4],
  [2, 4],
  [10, 4, 2, 4],
];

/**
 * Both of two identical series visible: the later one dashed, with hollow
 * symbols, drawn over the earlier solid one, and its legend entry says
 * "= reactive".
 */
export function showIdentical(option: EChartsOption, same: ReadonlyMap<string, string>): EChartsOption {
  if (same.size === 0) return option;
  const list = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  const order = [...same.keys()];
  const series = list.map((s) => {
    const item = s as Record<string, unknown>;
    const name = typeof item.name === 'string' ? item.name : '';
    if (!same.has(name)) return item;
    const dash = DASHES[order.indexOf(name) % DASHES.length];
    const lineStyle = { ...(item.lineStyle as object), type: dash, width: 2.5 };
    return item.type === 'scatter'
      ? { ...item, symbol: 'emptyCircle', symbolSize: 8, z: 5 }
      : { ...item, lineStyle, symbol: item.symbol === 'none' ? 'none' : 'emptyCircle', z: 5 };
  });
  const legend = option.legend as Record<string, unknown> | undefined;
  return {
    ...option,
    series: series as EChartsOption['series'],
    legend: legend ? { ...legend, formatter: (name: string) => (same.has(name) ? `${name} (= ${same.get(name)})` : name) } : legend,
  };
}

/**
 * The first run's trade-off chart (interruption against overlap, the model's
 * curve over its threshold, the chosen rule marked, intervals as error bars),
 * the same specification the report renders; null when the run has none.
 */
export function tradeoffChartOption(data: CompareData, theme: ChartTheme): EChartsOption | null {
  const tradeoff = data.evidence?.tradeoff as TradeoffData | null | undefined;
  if (!tradeoff || !Array.isArray(tradeoff.baselines) || !Array.isArray(tradeoff.curves)) return null;
  return themedReportOption(tradeoffOption(tradeoff, { title: '' }), theme);
}
