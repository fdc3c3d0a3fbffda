import { useEffect, useRef } from 'react';
import type { LossView } from '../charts/experiment-options.js';
import { lossData, lossFrame } from '../charts/experiment-options.js';
import { echarts } from '../charts/echarts.js';
import type { ChartTheme } from '../charts/theme.js';
import type { TrainCurves } from '../lib/train-curves.js';

interface LossChartProps {
  curves: TrainCurves;
  view: LossView;
  theme: ChartTheme;
  testId?: string;
}

/**
 * The live loss curves. The frame (axes, legend, zoom) is set once; each
 * batch of training events merges only the series' data into the chart, so
 * the chart does not redraw from scratch and a zoom the user chose stays
 * where it is (held by value: new steps do not move the window).
 */
export function LossChart({ curves, view, theme, testId }: LossChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | null>(null);
  /** The user's zoom window in steps; null: show everything (and follow new points). */
  const zoom = useRef<{ start: number; end: number } | null>(null);
  const latest = useRef({ curves, view });
  latest.current = { curves, view };

  const extent = (c: TrainCurves): [number, number] => {
    const xs = [c.stepLoss[0]?.[0], c.stepLoss.at(-1)?.[0], c.heldOutLoss[0]?.[0], c.heldOutLoss.at(-1)?.[0]].filter((x): x is number => x !== undefined);
    return xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  };

  const applyData = () => {
    const chart = chartRef.current;
    if (!chart) return;
    // One merge: the new data, and the user's zoom window by value (else the window would slide as the axis grows).
    const { start, end } = zoom.current ?? { start: undefined, end: undefined };
    chart.setOption(zoom.current ? { ...lossData(latest.current.curves, latest.current.view), dataZoom: [{ startValue: start, endValue: end }, { startValue: start, endValue: end }] } : lossData(latest.current.curves, latest.current.view));
    showWindow();
  };

  /**
   * The steps in view, as the chart has them (tests and screen readers read it). A window held by value is read
   * back by value: its percentages depend on the axis extent ECharts rounds, which moves as points arrive.
   */
  const showWindow = () => {
    const chart = chartRef.current;
    if (!chart) return;
    const dz = (chart.getOption().dataZoom as { start?: number; end?: number; startValue?: number; endValue?: number }[] | undefined)?.[0];
    const [lo, hi] = extent(latest.current.curves);
    const at = (percent: number | undefined, fallback: number) => Math.round(lo + ((percent ?? fallback) / 100) * (hi - lo));
    const byValue = zoom.current !== null && typeof dz?.startValue === 'number' && typeof dz?.endValue === 'number';
    const window = byValue ? `${Math.round(dz!.startValue!)}-${Math.round(dz!.endValue!)}` : `${at(dz?.start, 0)}-${at(dz?.end, 100)}`;
    if (ref.current) ref.current.dataset.window = window;
  };

  useEffect(() => {
    const el = ref.current!;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    chart.on('datazoom', () => {
      const dz = (chart.getOption().dataZoom as { start?: number; end?: number; startValue?: number; endValue?: number }[] | undefined)?.[0];
      if (!dz || ((dz.start ?? 0) <= 0 && (dz.end ?? 100) >= 100)) {
        zoom.current = null;
      } else {
        // The steps ECharts shows (its own value window, computed over its axis extent), held as whole steps so
        // that the window given back by value is the one read back. Percentages mapped over the data's extent
        // are the fallback: the axis extent can be wider than the data's.
        const [lo, hi] = extent(latest.current.curves);
        const start = Math.round(typeof dz.startValue === 'number' ? dz.startValue : lo + ((dz.start ?? 0) / 100) * (hi - lo));
        const end = Math.round(typeof dz.endValue === 'number' ? dz.endValue : lo + ((dz.end ?? 100) / 100) * (hi - lo));
        zoom.current = { start, end: Math.max(end, start + 1) };
      }
      el.dataset.zoomed = zoom.current ? `${Math.round(zoom.current.start)}-${Math.round(zoom.current.end)}` : '';
      showWindow();
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  // The frame: again only when the theme or the axis type changes.
  useEffect(() => {
    chartRef.current?.setOption(lossFrame(theme, latest.current.view), { notMerge: true });
    applyData();
  }, [theme, view.logScale]);

  useEffect(applyData, [curves, view.smoothing]);

  const points = curves.stepLoss.length + curves.heldOutLoss.length;
  return (
    <div
      ref={ref}
      className="chart-canvas loss-canvas"
      role="img"
      aria-label="Training and held-out loss by step"
      data-testid={testId}
      data-points={points}
      data-steps={curves.stepLoss.length}
      data-epochs={curves.heldOutLoss.length}
    />
  );
}

export function resetZoom(testId: string): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  const chart = el ? echarts.getInstanceByDom(el) : undefined;
  chart?.dispatchAction({ type: 'dataZoom', start: 0, end: 100 });
}

/** A chart on the page as a PNG (base64, for the save dialog), drawn at twice its size. */
export function chartPngBase64(testId: string, background: string): string | null {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  const chart = el ? echarts.getInstanceByDom(el) : undefined;
  if (!chart) return null;
  const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background });
  return url.slice(url.indexOf(',') + 1);
}
