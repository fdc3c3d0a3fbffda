import type { EChartsOption } from 'echarts';
import type { SampleTimeline } from '../../core/api/experiment.js';
import type { TimeSeries } from '../../core/api/trace.js';
import type { SampleWindow } from '../lib/windows.js';
import type { Point, TrainCurves } from '../lib/train-curves.js';
import { smooth } from '../lib/train-curves.js';
import type { ChartTheme } from './theme.js';
import { chartFrame, fourDigits, tooltipColors } from './theme.js';
import { utilisationOption } from './trace-options.js';

/**
 * ECharts options of the experiment pages: the trace's load with the
 * experiment's windows on it, the live loss curves, a sample's timeline, and
 * the theme applied to core/charts' report options (the CLI's SVG charts).
 * Pure functions of data and theme.
 */

export const WINDOW_COLORS = { training: '#16a34a', validation: '#f59e0b' } as const;

/** The utilisation chart with the training and validation windows shaded on it. */
export function windowsOption(series: TimeSeries, capacityNodes: number, windows: readonly (SampleWindow | null)[], theme: ChartTheme): EChartsOption {
  const option = utilisationOption(series, capacityNodes, theme);
  const all = option.series as Record<string, unknown>[];
  const areas = windows.filter((w): w is SampleWindow => w !== null);
  all[0] = {
    ...all[0],
    markArea: {
      silent: true,
      label: { color: theme.text, fontSize: 11, position: 'insideTop' },
      data: areas.map((w) => [
        {
          name: `${w.kind} (${w.samples} samples)`,
          xAxis: w.fromSec * 1000,
          itemStyle: { color: w.kind === 'training' ? 'rgba(22, 163, 74, 0.16)' : 'rgba(245, 158, 11, 0.2)', borderColor: WINDOW_COLORS[w.kind], borderWidth: 1 },
        },
        { xAxis: w.toSec * 1000 },
      ]),
    },
  };
  return option;
}

export interface LossView {
  smoothing: number;
  logScale: boolean;
}

/** The frame of the loss chart (axes, zoom, legend); the data comes with lossData, merged in as it arrives. */
export function lossFrame(theme: ChartTheme, view: LossView): EChartsOption {
  const axisLabel = { color: theme.muted, fontSize: 11 };
  return {
    ...chartFrame(theme),
    tooltip: { trigger: 'axis', ...tooltipColors(theme), valueFormatter: fourDigits },
    legend: { top: 0, right: 8, itemWidth: 14, itemHeight: 8, textStyle: { color: theme.muted, fontSize: 11 }, data: ['train loss', 'train loss (smoothed)', 'held-out loss'] },
    grid: { left: 56, right: 16, top: 30, bottom: 58 },
    xAxis: {
      type: 'value',
      name: 'step',
      nameLocation: 'middle',
      nameGap: 24,
      nameTextStyle: { color: theme.muted, fontSize: 11 },
      min: 'dataMin',
      max: 'dataMax',
      minInterval: 1,
      // Steps are whole numbers, also at the ends of a zoomed window (and in the tooltip's header).
      axisLabel: { ...axisLabel, formatter: (v: number) => String(Math.round(v)) },
      axisPointer: { label: { formatter: (p: { value: unknown }) => String(Math.round(Number(p.value))) } },
      axisLine: { lineStyle: { color: theme.axis } },
      splitLine: { show: false },
    },
    yAxis: {
      type: view.logScale ? 'log' : 'value',
      name: 'loss',
      nameTextStyle: { color: theme.muted, fontSize: 11, align: 'left' },
      scale: true,
      axisLabel: { ...axisLabel, formatter: (v: number) => (Math.abs(v) >= 100 || v === 0 ? String(v) : v.toPrecision(2)) },
      splitLine: { lineStyle: { color: theme.grid } },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      {
        type: 'slider',
        xAxisIndex: 0,
        height: 16,
        bottom: 4,
        filterMode: 'none',
        borderColor: theme.axis,
        fillerColor: theme.accentArea,
        handleStyle: { color: theme.surface, borderColor: theme.muted },
        textStyle: { color: theme.muted, fontSize: 10 },
        showDataShadow: false,
      },
    ],
    series: [
      { id: 'step-raw', name: 'train loss', type: 'line', showSymbol: false, lineStyle: { width: 1, color: theme.accent, opacity: 0.3 }, itemStyle: { color: theme.accent }, data: [] },
      { id: 'step-smooth', name: 'train loss (smoothed)', type: 'line', showSymbol: false, lineStyle: { width: 2, color: theme.accent }, itemStyle: { color: theme.accent }, data: [] },
      { id: 'held-out', name: 'held-out loss', type: 'line', symbol: 'circle', symbolSize: 5, lineStyle: { width: 2, color: theme.warn }, itemStyle: { color: theme.warn }, data: [] },
    ],
  };
}

/** A log axis cannot show zero or less: such points are left out there. */
const positive = (points: readonly Point[]): Point[] => points.filter((p) => p[1] > 0);

/** Only the series data: merged into the chart, it keeps the user's zoom and the frame. */
export function lossData(curves: TrainCurves, view: LossView): EChartsOption {
  const keep = view.logScale ? positive : (p: readonly Point[]) => p as Point[];
  return {
    series: [
      { id: 'step-raw', data: keep(curves.stepLoss) },
      { id: 'step-smooth', data: keep(smooth(curves.stepLoss, view.smoothing)) },
      { id: 'held-out', data: keep(curves.heldOutLoss) },
    ],
  };
}

/**
 * core/charts' options (the CLI report's) in the app's theme: the same data,
 * series, axes and policy colours, with the colours of text, axes and
 * background taken from the theme, and the title left to the panel.
 */
export function themedReportOption(option: EChartsOption, theme: ChartTheme): EChartsOption {
  const axis = (a: unknown) => {
    const list = Array.isArray(a) ? a : a ? [a] : [];
    return list.map((x: Record<string, unknown>) => ({
      ...x,
      nameTextStyle: { color: theme.muted, fontSize: 11 },
      // Every category named, long names wrapped at their hyphens and spaces (never mid-word), in the narrow panels.
      axisLabel: {
        ...(x.axisLabel as object),
        color: theme.muted,
        fontSize: 11,
        hideOverlap: x.type !== 'category',
        // Wrapped labels need their own line height, or the lines overlap.
        lineHeight: 13,
        ...(x.type === 'category' ? { interval: 0, formatter: (v: string) => wrapLabel(v, 13) } : {}),
      },
      axisLine: { lineStyle: { color: theme.axis } },
      splitLine: { ...(x.splitLine as object), lineStyle: { color: theme.grid } },
    }));
  };
  const grid = (option.grid ?? {}) as Record<string, unknown>;
  const legend = option.legend as Record<string, unknown> | undefined;
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []).map((s) => {
    const item = s as Record<string, unknown>;
    if (item.type === 'boxplot') {
      const data = (item.data as { value: unknown; itemStyle: Record<string, unknown> }[]).map((d) => ({ ...d, itemStyle: { ...d.itemStyle, color: theme.surface } }));
      return { ...item, data };
    }
    if (item.name === 'mean') return { ...item, itemStyle: { color: theme.text } };
    // Value labels (75 %) in the theme's text colour, without the light outline the SVG report gives them.
    if (item.label && typeof item.label === 'object') return { ...item, label: { ...(item.label as object), color: theme.text, textBorderWidth: 0 } };
    return item;
  });
  return {
    ...option,
    backgroundColor: 'transparent',
    textStyle: { ...(option.textStyle as object), color: theme.text, fontFamily: theme.fontFamily },
    title: { show: false },
    // One scrollable legend line: a legend that wraps would cover the plot and its axis numbers.
    legend: legend ? { ...legend, type: 'scroll', top: 4, left: 8, right: 8, pageIconColor: theme.muted, pageTextStyle: { color: theme.muted }, textStyle: { color: theme.muted, fontSize: 11 } } : undefined,
    grid: { ...grid, top: 40, left: 64, right: 20, bottom: 56 },
    tooltip: { ...(option.tooltip as object), ...tooltipColors(theme) },
    xAxis: axis(option.xAxis) as EChartsOption['xAxis'],
    yAxis: axis(option.yAxis) as EChartsOption['yAxis'],
    series: series as EChartsOption['series'],
  };
}

/**
 * A category label over several lines of at most about `width` characters,
 * broken after a hyphen or at a space ("model-wait-" / "linear"), never inside
 * a word; a word longer than the width keeps its own line.
 */
export function wrapLabel(text: string, width: number): string {
  const tokens = text.match(/[^\s-]+-?|\s+/g) ?? [text];
  const lines: string[] = [];
  let line = '';
  for (const token of tokens) {
    if (/^\s+$/.test(token)) {
      if (line) line += ' ';
      continue;
    }
    if (line && (line + token).trimEnd().length > width) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += token;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines.join('\n');
}

/** Colours of the sample chart's three moments (the page's fact list uses them too). */
export function timelineMarkColors(theme: ChartTheme, rewardSeconds: number): Record<'submit' | 'predEnd' | 'succStart', string> {
  return { submit: theme.text, predEnd: theme.accent, succStart: rewardSeconds > 0 ? theme.capacity : theme.warn };
}

/** One sample: the predecessor's and successor's waits and runs above, the queue length below, on one time axis. */
export function sampleTimelineOption(t: SampleTimeline, theme: ChartTheme, colors: { model: string }): EChartsOption {
  const ms = (sec: number) => sec * 1000;
  const queue: Point[] = t.queue.pending.map((n, i) => [ms(t.queue.startSec + i * t.queue.stepSec), n]);
  const lastMs = queue.length ? queue[queue.length - 1][0] : ms(t.succStartSec);
  const succEnd = t.succStartSec + (t.predEndSec - t.predStartSec);
  const bar = (name: string, row: string, from: number, to: number, color: string, width: number, dashed = false) => ({
    name,
    type: 'line' as const,
    xAxisIndex: 0,
    yAxisIndex: 0,
    symbol: 'none',
    lineStyle: { width, color, type: dashed ? ('dashed' as const) : ('solid' as const), cap: 'butt' as const },
    itemStyle: { color },
    data: [
      [ms(from), row],
      [Math.min(ms(to), lastMs), row],
    ],
  });
  const marks = timelineMarkColors(theme, t.rewardSeconds);
  // The moments often coincide (a reactive submission is the predecessor's end): named in the tooltip and the page, not on the lines.
  const mark = (sec: number, name: string, color: string) => ({ name, xAxis: ms(sec), label: { show: false }, lineStyle: { color } });
  return {
    ...chartFrame(theme),
    useUTC: true,
    tooltip: { trigger: 'axis', ...tooltipColors(theme) },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: [
      { left: 86, right: 20, top: 10, height: 62 },
      { left: 86, right: 20, top: 100, bottom: 30 },
    ],
    xAxis: [
      { type: 'time', gridIndex: 0, min: queue[0]?.[0], max: lastMs, axisLabel: { show: false }, axisLine: { lineStyle: { color: theme.axis } }, splitLine: { show: false } },
      { type: 'time', gridIndex: 1, min: queue[0]?.[0], max: lastMs, axisLabel: { color: theme.muted, fontSize: 11, hideOverlap: true }, axisLine: { lineStyle: { color: theme.axis } }, splitLine: { show: false } },
    ],
    yAxis: [
      { type: 'category', gridIndex: 0, data: ['successor', 'predecessor'], axisLabel: { color: theme.text, fontSize: 11 }, axisTick: { show: false }, axisLine: { show: false } },
      { type: 'value', gridIndex: 1, name: 'jobs in queue', nameTextStyle: { color: theme.muted, fontSize: 11, align: 'left' }, axisLabel: { color: theme.muted, fontSize: 11 }, splitLine: { lineStyle: { color: theme.grid } } },
    ],
    series: [
      bar('predecessor waits', 'predecessor', t.predSubmitSec, t.predStartSec, theme.muted, 3, true),
      bar('predecessor runs', 'predecessor', t.predStartSec, t.predEndSec, theme.accent, 12),
      bar('successor waits', 'successor', t.succSubmitSec, t.succStartSec, theme.muted, 3, true),
      bar('successor runs', 'successor', t.succStartSec, succEnd, colors.model, 12),
      {
        name: 'jobs in queue',
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        step: 'end',
        showSymbol: false,
        lineStyle: { width: 1.2, color: theme.queue },
        itemStyle: { color: theme.queue },
        areaStyle: { color: theme.queueArea },
        data: queue,
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', width: 1 },
          data: [
            mark(t.succSubmitSec, 'successor submitted', marks.submit),
            mark(t.predEndSec, 'predecessor ends', marks.predEnd),
            mark(t.succStartSec, 'successor starts', marks.succStart),
          ],
        },
      },
    ],
  };
}
