import type { EChartsOption } from 'echarts';
import { CHART_TEXT, policyColors, Y_NAME } from './palette.js';

/**
 * Chart specifications of a validation run, as ECharts options. Pure data in,
 * plain objects out (no callbacks, no DOM, no Node): the report renders them
 * to SVG in Node, the GUI draws the very same objects.
 */

export interface PolicyRewards {
  policy: string;
  rewardsHours: readonly number[];
}

export interface PolicyRewardSeries {
  policy: string;
  /** One point per sample: when the sample's workload starts, and its reward. */
  points: readonly { sampleStartSec: number; rewardHours: number }[];
}

export interface ChartText {
  title?: string;
}

const round = (x: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function base(title: string | undefined): EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { ...CHART_TEXT },
    title: title ? { text: title, left: 'center', textStyle: { fontSize: 14 } } : undefined,
    tooltip: { trigger: 'axis' },
    grid: { left: 72, right: 32, top: title ? 72 : 48, bottom: 56 },
  };
}

/** Empirical CDF points (x = reward, y = share of samples <= x), one step per distinct value. */
export function empiricalCdf(values: readonly number[]): [number, number][] {
  const s = [...values].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i + 1] === s[i]) continue;
    out.push([round(s[i]), round((i + 1) / s.length)]);
  }
  return out;
}

/** CDF of rewards per policy; the further left and the steeper at 0, the better. */
export function rewardCdfOption(series: readonly PolicyRewards[], text: ChartText & { xMinHours?: number; xMaxHours?: number } = {}): EChartsOption {
  const colors = policyColors(series.map((s) => s.policy));
  return {
    ...base(text.title ?? 'CDF of rewards (successor start - predecessor end)'),
    color: colors,
    legend: { top: text.title === '' ? 8 : 30, data: series.map((s) => s.policy) },
    xAxis: { type: 'value', name: 'reward (h): < 0 overlap, > 0 interruption', nameLocation: 'middle', nameGap: 30, min: text.xMinHours, max: text.xMaxHours },
    yAxis: { type: 'value', name: 'share of samples', ...Y_NAME, min: 0, max: 1 },
    series: series.map((s, i) => ({
      name: s.policy,
      type: 'line',
      step: 'end',
      symbol: 'none',
      lineStyle: { width: 2 },
      data: [[round(s.rewardsHours.reduce((a, b) => Math.min(a, b), 0) - 0.5), 0] as [number, number], ...empiricalCdf(s.rewardsHours)],
      markLine: i === 0 ? { silent: true, symbol: 'none', lineStyle: { color: '#9ca3af', type: 'dashed' }, data: [{ xAxis: 0 }], label: { show: false } } : undefined,
    })),
  };
}

/** Five-number box (matplotlib's convention: whiskers at the last value within 1.5 IQR) plus outliers and mean. */
export function boxStats(values: readonly number[]): { box: [number, number, number, number, number]; outliers: number[]; mean: number } {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const iqr = q3 - q1;
  const inside = s.filter((v) => v >= q1 - 1.5 * iqr && v <= q3 + 1.5 * iqr);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return {
    box: [inside[0], q1, q(0.5), q3, inside[inside.length - 1]].map((v) => round(v)) as [number, number, number, number, number],
    outliers: s.filter((v) => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr).map((v) => round(v)),
    mean: round(mean),
  };
}

/** Box plot per policy (the paper's figure), with the mean as a diamond. */
export function rewardBoxOption(series: readonly PolicyRewards[], text: ChartText = {}): EChartsOption {
  const stats = series.map((s) => boxStats(s.rewardsHours));
  const colors = policyColors(series.map((s) => s.policy));
  return {
    ...base(text.title ?? 'Reward per policy'),
    tooltip: { trigger: 'item' },
    legend: { top: 30, data: ['mean', 'outliers'] },
    xAxis: { type: 'category', data: series.map((s) => s.policy) },
    yAxis: { type: 'value', name: 'reward (h)', ...Y_NAME },
    series: [
      {
        name: 'rewards',
        type: 'boxplot',
        data: stats.map((st, i) => ({ value: st.box, itemStyle: { color: '#ffffff', borderColor: colors[i] } })),
      },
      {
        name: 'outliers',
        type: 'scatter',
        symbolSize: 5,
        itemStyle: { color: '#9ca3af' },
        data: stats.flatMap((st, i) => st.outliers.map((v) => [i, v])),
      },
      {
        name: 'mean',
        type: 'scatter',
        symbol: 'diamond',
        symbolSize: 9,
        itemStyle: { color: '#111827' },
        data: stats.map((st, i) => [i, st.mean]),
      },
    ],
  };
}

/** Reward of every sample over the validation period, one line per policy. */
export function rewardTimelineOption(series: readonly PolicyRewardSeries[], text: ChartText = {}): EChartsOption {
  const colors = policyColors(series.map((s) => s.policy));
  return {
    ...base(text.title ?? 'Reward per sample over time'),
    // Clock values are the cluster's local time encoded as UTC: show them as such.
    useUTC: true,
    color: colors,
    legend: { top: 30, data: series.map((s) => s.policy) },
    xAxis: { type: 'time', name: 'sample start', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: 'reward (h)', ...Y_NAME },
    series: series.map((s) => ({
      name: s.policy,
      type: 'line',
      symbol: 'circle',
      symbolSize: 4,
      lineStyle: { width: 1.5 },
      data: [...s.points].sort((a, b) => a.sampleStartSec - b.sampleStartSec).map((p) => [p.sampleStartSec * 1000, round(p.rewardHours)]),
    })),
  };
}
