import type { EChartsOption } from 'echarts';
import type { Histogram, TimeSeries } from '../../core/api/trace.js';
import type { ChartTheme } from './theme.js';
import { chartFrame, tooltipColors } from './theme.js';

/**
 * ECharts options of the trace overview: pure functions of the data and the
 * theme (no DOM, no state), so they are unit-tested and can move to
 * core/charts if a report wants them. Times are trace clock seconds encoded
 * as UTC: every time axis draws in UTC (`useUTC`).
 */

/** Milliseconds of the i-th point of a regular series. */
function timeAxis(series: TimeSeries): number[] {
  const out = new Array<number>(series.runningNodes.length);
  for (let i = 0; i < out.length; i++) out[i] = (series.startSec + i * series.stepSec) * 1000;
  return out;
}

function pairs(times: readonly number[], values: readonly number[]): [number, number][] {
  const out = new Array<[number, number]>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = [times[i], values[i]];
  return out;
}

/** An hour-by-hour count as a stepped line over a shaded area. */
function hourlyArea(name: string, color: string, area: string, data: [number, number][]) {
  return { name, type: 'line' as const, step: 'end' as const, showSymbol: false, sampling: 'lttb' as const, lineStyle: { width: 1.2, color }, itemStyle: { color }, areaStyle: { color: area }, data };
}

function base(theme: ChartTheme): EChartsOption {
  return {
    ...chartFrame(theme),
    useUTC: true,
    tooltip: {
      trigger: 'axis',
      ...tooltipColors(theme),
      axisPointer: { type: 'line', lineStyle: { color: theme.muted, type: 'dashed' } },
    },
    grid: { left: 52, right: 16, top: 28, bottom: 28, containLabel: false },
  };
}

function valueAxis(theme: ChartTheme, name?: string): EChartsOption['yAxis'] {
  return {
    type: 'value',
    name,
    nameTextStyle: { color: theme.muted, fontSize: 11, align: 'left' },
    nameGap: 10,
    axisLabel: { color: theme.muted, fontSize: 11 },
    splitLine: { lineStyle: { color: theme.grid } },
    axisLine: { show: false },
    axisTick: { show: false },
  };
}

function timeXAxis(theme: ChartTheme): EChartsOption['xAxis'] {
  return {
    type: 'time',
    axisLabel: { color: theme.muted, fontSize: 11, hideOverlap: true },
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { lineStyle: { color: theme.axis } },
    splitLine: { show: false },
  };
}

function categoryXAxis(theme: ChartTheme, labels: readonly string[], name?: string): EChartsOption['xAxis'] {
  return {
    type: 'category',
    data: [...labels],
    name,
    nameLocation: 'middle',
    nameGap: 26,
    nameTextStyle: { color: theme.muted, fontSize: 11 },
    // Every bar of a short histogram keeps its label (hiding "overlapping" ones left a 2-job bar
    // labelled and its neighbour not); long category lists thin out their labels.
    axisLabel: { color: theme.muted, fontSize: labels.length > 8 ? 10 : 11, ...(labels.length <= 14 ? { interval: 0, hideOverlap: false } : { hideOverlap: true }) },
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { alignWithLabel: true, lineStyle: { color: theme.axis } },
  };
}

/** Zoom by wheel/drag inside the plot and with a slim slider under it. */
function dataZoom(theme: ChartTheme, slider: boolean): EChartsOption['dataZoom'] {
  const inside = { type: 'inside' as const, xAxisIndex: 0, filterMode: 'none' as const };
  if (!slider) return [inside];
  return [
    inside,
    {
      type: 'slider',
      xAxisIndex: 0,
      height: 18,
      bottom: 6,
      filterMode: 'none',
      borderColor: theme.axis,
      fillerColor: theme.accentArea,
      handleStyle: { color: theme.surface, borderColor: theme.muted },
      moveHandleStyle: { color: theme.axis },
      textStyle: { color: theme.muted, fontSize: 10 },
      dataBackground: { lineStyle: { color: theme.axis }, areaStyle: { color: theme.grid } },
      labelFormatter: '',
    },
  ];
}

/** Nodes in use hour by hour against the cluster's capacity. */
export function utilisationOption(series: TimeSeries, capacityNodes: number, theme: ChartTheme): EChartsOption {
  const times = timeAxis(series);
  return {
    ...base(theme),
    grid: { left: 52, right: 16, top: 30, bottom: 52 },
    legend: {
      top: 0,
      right: 8,
      itemWidth: 14,
      itemHeight: 8,
      textStyle: { color: theme.muted, fontSize: 11 },
      data: ['running nodes', 'capacity'],
    },
    xAxis: timeXAxis(theme),
    // The capacity series is part of the data, so the axis always shows it.
    yAxis: valueAxis(theme, 'nodes'),
    dataZoom: dataZoom(theme, true),
    series: [
      hourlyArea('running nodes', theme.accent, theme.accentArea, pairs(times, series.runningNodes)),
      {
        name: 'capacity',
        type: 'line',
        showSymbol: false,
        lineStyle: { width: 1.2, type: 'dashed', color: theme.capacity },
        itemStyle: { color: theme.capacity },
        data: times.length ? [[times[0], capacityNodes], [times[times.length - 1], capacityNodes]] : [],
        tooltip: { show: false },
      },
    ],
  };
}

/** Jobs waiting in the queue, hour by hour. */
export function queueOption(series: TimeSeries, theme: ChartTheme): EChartsOption {
  const times = timeAxis(series);
  return {
    ...base(theme),
    xAxis: timeXAxis(theme),
    yAxis: valueAxis(theme, 'queued jobs'),
    dataZoom: dataZoom(theme, false),
    series: [
      hourlyArea('queued jobs', theme.queue, theme.queueArea, pairs(times, series.queuedJobs)),
    ],
  };
}

/** Submissions per hour. */
export function submissionsOption(series: TimeSeries, theme: ChartTheme): EChartsOption {
  const times = timeAxis(series);
  return {
    ...base(theme),
    xAxis: timeXAxis(theme),
    yAxis: valueAxis(theme, 'jobs / hour'),
    dataZoom: dataZoom(theme, false),
    series: [
      {
        name: 'submitted',
        type: 'bar',
        barWidth: '90%',
        large: true,
        itemStyle: { color: theme.bars },
        data: pairs(times, series.submitted),
      },
    ],
  };
}

/** A labelled histogram (wait times, node counts, time limits). */
export function histogramOption(histogram: Histogram, theme: ChartTheme, axisName: string, color = theme.bars): EChartsOption {
  return {
    ...base(theme),
    tooltip: { ...(base(theme).tooltip as object), axisPointer: { type: 'shadow' } },
    grid: { left: 52, right: 12, top: 28, bottom: 40 },
    xAxis: categoryXAxis(theme, histogram.labels, axisName),
    yAxis: valueAxis(theme, 'jobs'),
    series: [
      {
        name: 'jobs',
        type: 'bar',
        barMaxWidth: 28,
        barCategoryGap: '25%',
        itemStyle: { color, borderRadius: [2, 2, 0, 0] },
        data: [...histogram.counts],
      },
    ],
  };
}
