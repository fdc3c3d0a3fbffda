import type { EChartsOption } from 'echarts';
import { CHART_TEXT, policyColors, Y_NAME } from './palette.js';

/**
 * The trade-off chart: mean interruption against mean overlap (hours per
 * sample). Each baseline is a point; each model is a curve over its submit
 * threshold (a lower threshold submits earlier: less interruption, more
 * overlap), with the rule that was chosen (on held-out training samples, never
 * on these) marked; intervals, where given, are drawn as error bars. Pure
 * data in, a plain ECharts option out, for the SVG report and the GUI alike.
 */

export interface TradeoffInterval {
  low: number;
  high: number;
}

export interface TradeoffPoint {
  interruptionHours: number;
  overlapHours: number;
  interruptionInterval?: TradeoffInterval;
  overlapInterval?: TradeoffInterval;
}

export interface TradeoffBaseline extends TradeoffPoint {
  policy: string;
}

export interface TradeoffCurve {
  policy: string;
  /** One point per threshold, in threshold order. */
  points: (TradeoffPoint & { threshold: number })[];
  chosen?: TradeoffPoint;
}

export interface TradeoffData {
  baselines: TradeoffBaseline[];
  curves: TradeoffCurve[];
  /** Hours of overlap worth one of interruption: the iso-cost line through the chosen point has slope -1/R. */
  overlapHoursPerInterruptionHour?: number;
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function errorBars(p: TradeoffPoint, color: string): NonNullable<EChartsOption['series']> {
  const bars: { data: [number, number][] }[] = [];
  if (p.overlapInterval) bars.push({ data: [[r4(p.overlapInterval.low), r4(p.interruptionHours)], [r4(p.overlapInterval.high), r4(p.interruptionHours)]] });
  if (p.interruptionInterval) bars.push({ data: [[r4(p.overlapHours), r4(p.interruptionInterval.low)], [r4(p.overlapHours), r4(p.interruptionInterval.high)]] });
  return bars.map((b) => ({ type: 'line', data: b.data, symbol: 'none', lineStyle: { color, width: 1 }, silent: true, tooltip: { show: false } }));
}

export function tradeoffOption(data: TradeoffData, text: { title?: string } = {}): EChartsOption {
  const names = [...data.baselines.map((b) => b.policy), ...data.curves.map((c) => c.policy)];
  const colors = policyColors(names);
  const colorOf = (name: string): string => colors[names.indexOf(name)];
  const series: NonNullable<EChartsOption['series']> & unknown[] = [];
  for (const b of data.baselines) {
    series.push({ name: b.policy, type: 'scatter', symbolSize: 12, itemStyle: { color: colorOf(b.policy) }, data: [[r4(b.overlapHours), r4(b.interruptionHours)]] });
    series.push(...(errorBars(b, colorOf(b.policy)) as unknown[]));
  }
  for (const c of data.curves) {
    series.push({
      name: c.policy,
      type: 'line',
      symbolSize: 5,
      itemStyle: { color: colorOf(c.policy) },
      lineStyle: { color: colorOf(c.policy) },
      data: c.points.map((p) => ({ value: [r4(p.overlapHours), r4(p.interruptionHours)], name: `threshold ${p.threshold}` })),
    });
    if (c.chosen) {
      series.push({
        name: c.policy,
        type: 'scatter',
        symbol: 'diamond',
        symbolSize: 16,
        itemStyle: { color: colorOf(c.policy), borderColor: '#111827', borderWidth: 1 },
        label: { show: true, formatter: 'chosen', position: 'right' },
        data: [[r4(c.chosen.overlapHours), r4(c.chosen.interruptionHours)]],
      });
      series.push(...(errorBars(c.chosen, colorOf(c.policy)) as unknown[]));
    }
  }
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { ...CHART_TEXT },
    title: { text: text.title ?? 'Interruption against overlap (closer to the origin is better)', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'item' },
    legend: { top: 30, data: names },
    grid: { left: 72, right: 48, top: 72, bottom: 56 },
    xAxis: { type: 'value', name: 'mean overlap per sample (h)', nameLocation: 'middle', nameGap: 30, min: 0 },
    yAxis: { type: 'value', name: 'mean interruption per sample (h)', ...Y_NAME, min: 0 },
    series,
  };
}
