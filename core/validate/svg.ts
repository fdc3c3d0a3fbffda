import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { loadLevelOption, policyMetricsOption, rewardBoxOption, rewardCdfOption, rewardTimelineOption, zeroInterruptionOption } from '../charts/index.js';
import { groupByPolicy } from './summary.js';
import type { SampleReward, ValidationSummary } from './summary.js';
import { REPORT_CHARTS } from './report.js';
import type { ReportChartFile } from './report.js';

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
  const charts: Record<ReportChartFile, { option: EChartsOption; width?: number }> = {
    'cdf.svg': { option: rewardCdfOption(rewards) },
    'box.svg': { option: rewardBoxOption(rewards) },
    'timeline.svg': { option: rewardTimelineOption(timeline), width: 1000 },
    'metrics.svg': { option: policyMetricsOption(summary.policies) },
    'zero-interruption.svg': { option: zeroInterruptionOption(summary.policies) },
    'load-levels.svg': { option: loadLevelOption(summary.policies) },
  };
  return REPORT_CHARTS.map((c) => ({ file: c.file, title: c.title, svg: renderChartSvg(charts[c.file].option, { width: charts[c.file].width ?? 800, height: 450 }) }));
}
