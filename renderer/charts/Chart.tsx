import type { EChartsOption } from 'echarts';
import { useEffect, useRef } from 'react';
import { echarts } from './echarts.js';

interface ChartProps {
  option: EChartsOption;
  /** Charts in one group zoom together (the time series of a trace). */
  group?: string;
  /** Accessible description of what the chart shows. */
  label: string;
  testId?: string;
  /** A click on a data point (series name and the point's index in that series). */
  onClick?: (point: { seriesName: string; dataIndex: number }) => void;
}

/** Points and sum of the first series: exposed as data attributes for tests and for screen readers' summaries. */
function firstSeriesStats(option: EChartsOption): { points: number; sum: number } {
  const series = Array.isArray(option.series) ? option.series[0] : option.series;
  const data = (series as { data?: unknown[] } | undefined)?.data ?? [];
  let sum = 0;
  for (const d of data) sum += typeof d === 'number' ? d : Array.isArray(d) && typeof d[1] === 'number' ? d[1] : 0;
  return { points: data.length, sum };
}

/** One ECharts instance bound to a div: resized with its box, disposed with the component. */
export function Chart({ option, group, label, testId, onClick }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;

  useEffect(() => {
    const el = ref.current!;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    if (group) {
      chart.group = group;
      echarts.connect(group);
    }
    chart.on('click', (params) => {
      const p = params as { seriesName?: string; dataIndex?: number };
      if (p.seriesName !== undefined && p.dataIndex !== undefined) clickRef.current?.({ seriesName: p.seriesName, dataIndex: p.dataIndex });
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, [group]);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);

  const { points, sum } = firstSeriesStats(option);
  const names = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []).map((s) => (s as { name?: string }).name ?? '');
  return <div ref={ref} className="chart-canvas" role="img" aria-label={label} data-testid={testId} data-points={points} data-sum={sum} data-series={names.join('|')} />;
}
