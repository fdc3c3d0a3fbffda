import type { EChartsOption } from 'echarts';
import { CHART_TEXT, policyColors, Y_NAME } from './palette.js';

/** The parts of a policy summary these charts read (structurally a core/validate PolicySummary). */
export interface PolicyMetrics {
  policy: string;
  meanInterruptionHours: number;
  meanOverlapHours: number;
  meanAbsRewardHours: number;
  zeroInterruptionShare: number;
  loadLevels: Record<'low' | 'medium' | 'heavy', { n: number; meanAbsRewardHours: number } | null>;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function frame(title: string): EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { ...CHART_TEXT },
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 72, right: 32, top: 72, bottom: 40 },
  };
}

/** Mean interruption, mean overlap and mean |reward| side by side per policy (hours; lower is better). */
export function policyMetricsOption(policies: readonly PolicyMetrics[], title = 'Mean interruption, overlap and |reward| (h)'): EChartsOption {
  return {
    ...frame(title),
    color: policyColors(policies.map((p) => p.policy)),
    legend: { top: 30, data: policies.map((p) => p.policy) },
    xAxis: { type: 'category', data: ['mean interruption', 'mean overlap', 'mean |reward|'] },
    yAxis: { type: 'value', name: 'hours', ...Y_NAME },
    series: policies.map((p) => ({
      name: p.policy,
      type: 'bar',
      data: [round(p.meanInterruptionHours), round(p.meanOverlapHours), round(p.meanAbsRewardHours)],
    })),
  };
}

/** Share of samples with no interruption per policy (higher is better). */
export function zeroInterruptionOption(policies: readonly PolicyMetrics[], title = 'Samples with zero interruption'): EChartsOption {
  const colors = policyColors(policies.map((p) => p.policy));
  return {
    ...frame(title),
    xAxis: { type: 'category', data: policies.map((p) => p.policy) },
    yAxis: { type: 'value', name: 'share of samples (%)', ...Y_NAME, min: 0, max: 100 },
    series: [
      {
        name: 'zero interruption',
        type: 'bar',
        label: { show: true, position: 'top', formatter: '{c} %' },
        data: policies.map((p, i) => ({ value: Math.round(p.zeroInterruptionShare * 1000) / 10, itemStyle: { color: colors[i] } })),
      },
    ],
  };
}

/** Mean |reward| per load level (by the reactive baseline's interruption), one bar per policy. */
export function loadLevelOption(policies: readonly PolicyMetrics[], title = 'Mean |reward| by load level (h)'): EChartsOption {
  const levels = ['low', 'medium', 'heavy'] as const;
  const counts = levels.map((l) => policies[0]?.loadLevels[l]?.n ?? 0);
  const limits = { low: '<= 2 h', medium: '2-12 h', heavy: '> 12 h' };
  return {
    ...frame(title),
    color: policyColors(policies.map((p) => p.policy)),
    legend: { top: 30, data: policies.map((p) => p.policy) },
    xAxis: { type: 'category', data: levels.map((l, i) => `${l} (${limits[l]}, n=${counts[i]})`) },
    yAxis: { type: 'value', name: 'hours', ...Y_NAME },
    series: policies.map((p) => ({
      name: p.policy,
      type: 'bar',
      data: levels.map((l) => {
        const s = p.loadLevels[l];
        return s ? round(s.meanAbsRewardHours) : null;
      }),
    })),
  };
}
