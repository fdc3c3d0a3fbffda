import type { EChartsOption } from 'echarts';
import type { TrainEvent } from '../../core/train/browser.js';
import type { ChartTheme } from '../charts/theme.js';
import { fourDigits, tooltipColors } from '../charts/theme.js';

/**
 * Several runs' training curves on one chart (TensorBoard's overlay): the
 * epoch-level train and held-out loss of each run, against the epoch or
 * the wall time since its training started, and the same numbers as CSV.
 */

export interface RunCurve {
  runId: string;
  label: string;
  points: { epoch: number; elapsedSec: number; trainLoss: number; heldOutLoss: number | null }[];
}

export type CurveAxis = 'epoch' | 'wall';

/** Epoch events of the main phase (a mixture's gate phase for moe), in order; a resumed run's repeats keep the last. */
export function curveOf(runId: string, label: string, events: readonly TrainEvent[]): RunCurve {
  const byEpoch = new Map<number, RunCurve['points'][number]>();
  const phases = new Set(events.filter((e) => e.type === 'epoch').map((e) => e.phase));
  const phase = phases.has('main') ? 'main' : phases.has('gate') ? 'gate' : ([...phases][0] ?? 'main');
  for (const e of events) {
    if (e.type !== 'epoch' || e.phase !== phase) continue;
    byEpoch.set(e.epoch, { epoch: e.epoch, elapsedSec: e.elapsedSec, trainLoss: e.trainLoss, heldOutLoss: e.heldOutLoss });
  }
  return { runId, label, points: [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch) };
}

export function curvesCsv(curves: readonly RunCurve[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['run,label,epoch,elapsed_sec,train_loss,held_out_loss'];
  for (const c of curves) {
    for (const p of c.points) lines.push([c.runId, quote(c.label), p.epoch, p.elapsedSec, p.trainLoss, p.heldOutLoss ?? ''].join(','));
  }
  return lines.join('\n') + '\n';
}

export function curvesOption(curves: readonly RunCurve[], colors: readonly string[], axis: CurveAxis, theme: ChartTheme): EChartsOption {
  const x = (p: RunCurve['points'][number]) => (axis === 'epoch' ? p.epoch : p.elapsedSec);
  const label = { color: theme.muted, fontSize: 11 };
  return {
    backgroundColor: 'transparent',
    textStyle: { color: theme.text, fontFamily: theme.fontFamily },
    tooltip: { trigger: 'axis', ...tooltipColors(theme), valueFormatter: fourDigits },
    legend: { type: 'scroll', top: 4, left: 8, right: 8, textStyle: label },
    grid: { top: 40, left: 56, right: 20, bottom: 44 },
    xAxis: {
      type: 'value',
      name: axis === 'epoch' ? 'epoch' : 'wall time since training started (s)',
      nameLocation: 'middle',
      nameGap: 26,
      nameTextStyle: label,
      minInterval: axis === 'epoch' ? 1 : undefined,
      min: 'dataMin',
      axisLabel: label,
      axisLine: { lineStyle: { color: theme.axis } },
      splitLine: { show: false },
    },
    // The axis name beside the axis, not above it where the legend is.
    yAxis: { type: 'value', name: 'loss', nameLocation: 'middle', nameRotate: 90, nameGap: 40, scale: true, nameTextStyle: label, axisLabel: label, splitLine: { lineStyle: { color: theme.grid } } },
    series: curves.flatMap((c, i) => [
      {
        name: `${c.label} validation`,
        type: 'line',
        symbolSize: 4,
        lineStyle: { width: 2, color: colors[i] },
        itemStyle: { color: colors[i] },
        data: c.points.filter((p) => p.heldOutLoss !== null).map((p) => [x(p), p.heldOutLoss]),
      },
      {
        name: `${c.label} train`,
        type: 'line',
        symbol: 'none',
        lineStyle: { width: 1.5, type: 'dashed', color: colors[i] },
        itemStyle: { color: colors[i] },
        data: c.points.map((p) => [x(p), p.trainLoss]),
      },
    ]),
  };
}
