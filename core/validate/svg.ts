import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { loadLevelOption, policyMetricsOption, rewardBoxOption, rewardCdfOption, rewardTimelineOption, zeroInterruptionOption } from '../charts/index.js';
import { groupByPolicy } from './summary.js';
import type { SampleReward, ValidationSummary } from './summary.js';

/** Renders one chart specification to an SVG document with ECharts' server-side renderer. */
export function renderChartSvg(option: EChartsOption, size: { width: number; height: number } = { width: 800, height: 450 }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption(option);
    return renumberClasses(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * zrender names its CSS classes and ids with process-wide counters (`zr5-cls-27`):
 * renumber them by first appearance so equal charts give equal bytes.
 */
function renumberClasses(svg: string): string {
  const names = new Map<string, string>();
  const classed = svg.replace(/\bzr\d+-cls-\d+\b/g, (name) => {
    let renamed = names.get(name);
    if (!renamed) {
      renamed = `zr0-cls-${names.size}`;
      names.set(name, renamed);
    }
    return renamed;
  });
  // Ids of clip paths and gradients carry the instance number alone (zr6-c0); one instance per document.
  return classed.replace(/\bzr\d+-/g, 'zr0-');
}

/** Every chart of a validation report, by file name (`cdf.svg`...), in report order. */
export function reportCharts(records: readonly SampleReward[], summary: ValidationSummary): { file: string; title: string; svg: string }[] {
  const groups = [...groupByPolicy(records)];
  const rewards = groups.map(([policy, rows]) => ({ policy, rewardsHours: rows.map((r) => r.rewardSeconds / 3600) }));
  const timeline = groups.map(([policy, rows]) => ({
    policy,
    points: rows.map((r) => ({ sampleStartSec: r.sampleStartSec, rewardHours: r.rewardSeconds / 3600 })),
  }));
  const charts: { file: string; title: string; option: EChartsOption; width?: number }[] = [
    { file: 'cdf.svg', title: 'CDF of rewards', option: rewardCdfOption(rewards) },
    { file: 'box.svg', title: 'Box plot of rewards', option: rewardBoxOption(rewards) },
    { file: 'timeline.svg', title: 'Reward per sample over time', option: rewardTimelineOption(timeline), width: 1000 },
    { file: 'metrics.svg', title: 'Mean interruption, overlap and |reward|', option: policyMetricsOption(summary.policies) },
    { file: 'zero-interruption.svg', title: 'Samples with zero interruption', option: zeroInterruptionOption(summary.policies) },
    { file: 'load-levels.svg', title: 'Mean |reward| by load level', option: loadLevelOption(summary.policies) },
  ];
  return charts.map((c) => ({ file: c.file, title: c.title, svg: renderChartSvg(c.option, { width: c.width ?? 800, height: 450 }) }));
}
