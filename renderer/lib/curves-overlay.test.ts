import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../core/train/browser.js';
import { lightChartTheme } from '../charts/theme.js';
import { curveOf, curvesCsv, curvesOption } from './curves-overlay.js';

const epoch = (epochNo: number, elapsedSec: number, trainLoss: number, heldOutLoss: number | null, phase = 'main'): TrainEvent => ({
  type: 'epoch',
  phase,
  elapsedSec,
  epoch: epochNo,
  epochs: 3,
  trainLoss,
  heldOutLoss,
  heldOutMaeHours: null,
  heldOutRmseHours: null,
  learningRate: 1e-3,
  samplesPerSec: 100,
  etaSec: 0,
  best: false,
  numTensors: 0,
});

describe("several runs' curves", () => {
  const a = curveOf('r1', 'quick', [epoch(1, 2, 0.9, 0.8), epoch(2, 4, 0.7, 0.75), epoch(2, 5, 0.69, 0.74)]);
  const b = curveOf('r2', 'wide, "big"', [epoch(1, 10, 1.2, null, 'expert0'), epoch(1, 11, 1.0, 0.9, 'gate')]);

  it('keeps one point an epoch (the last, after a resume), of the main or gate phase', () => {
    expect(a.points).toEqual([
      { epoch: 1, elapsedSec: 2, trainLoss: 0.9, heldOutLoss: 0.8 },
      { epoch: 2, elapsedSec: 5, trainLoss: 0.69, heldOutLoss: 0.74 },
    ]);
    expect(b.points).toEqual([{ epoch: 1, elapsedSec: 11, trainLoss: 1.0, heldOutLoss: 0.9 }]);
  });

  it('writes the CSV a spreadsheet reads (labels quoted)', () => {
    expect(curvesCsv([a, b])).toBe(
      'run,label,epoch,elapsed_sec,train_loss,held_out_loss\nr1,quick,1,2,0.9,0.8\nr1,quick,2,5,0.69,0.74\nr2,"wide, ""big""",1,11,1,0.9\n',
    );
  });

  it('draws each run against the epoch or the wall time', () => {
    const series = (axis: 'epoch' | 'wall') => (curvesOption([a], ['#000'], axis, lightChartTheme).series as { name: string; data: number[][] }[]);
    expect(series('epoch').map((s) => s.name)).toEqual(['quick validation', 'quick train']);
    expect(series('epoch')[0].data).toEqual([
      [1, 0.8],
      [2, 0.74],
    ]);
    expect(series('wall')[0].data).toEqual([
      [2, 0.8],
      [5, 0.74],
    ]);
  });
});
