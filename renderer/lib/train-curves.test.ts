import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../core/train/browser.js';
import { CurveBuilder, smooth } from './train-curves.js';

const start = (phase: string, resumedFromEpoch = 0): TrainEvent => ({
  type: 'start', phase, elapsedSec: 0, backend: 'wasm', modelKind: 'default', parameters: 10, trainableParameters: 10,
  trainRows: 8, heldOutRows: 2, epochs: 3, stepsPerEpoch: 2, batchSize: 4, resumedFromEpoch,
});
const step = (phase: string, globalStep: number, loss: number): TrainEvent => ({
  type: 'step', phase, elapsedSec: 0, epoch: Math.ceil(globalStep / 2), step: globalStep, globalStep, loss, learningRate: 0.01, gradNorm: 1, samplesPerSec: 100 + globalStep,
});
const epoch = (phase: string, n: number, heldOutLoss: number): TrainEvent => ({
  type: 'epoch', phase, elapsedSec: 0, epoch: n, epochs: 3, trainLoss: 1 / n, heldOutLoss, heldOutMaeHours: 10 / n, heldOutRmseHours: 12 / n, learningRate: 0.01,
  samplesPerSec: 90, etaSec: 3 - n, best: true, numTensors: 5,
});

describe('training curves from the event stream', () => {
  it('draws steps and epochs on one step axis, with backend and throughput', () => {
    const b = new CurveBuilder([start('main'), step('main', 1, 0.9), step('main', 2, 0.7), epoch('main', 1, 0.8)]);
    b.add([step('main', 3, 0.6), step('main', 4, 0.5), epoch('main', 2, 0.6)]);
    const c = b.value;
    expect(c.stepLoss).toEqual([[1, 0.9], [2, 0.7], [3, 0.6], [4, 0.5]]);
    expect(c.heldOutLoss).toEqual([[2, 0.8], [4, 0.6]]);
    expect(c.heldOutMaeHours).toEqual([[2, 10], [4, 5]]);
    expect(c).toMatchObject({ backend: 'wasm', nativeSteps: false, epoch: 2, epochs: 3, etaSec: 1, bestHeldOutLoss: 0.6, samplesPerSec: 90, earlyStop: null });
    b.add([{ type: 'early-stop', phase: 'main', elapsedSec: 1, epoch: 2, bestEpoch: 1, reason: 'patience' }]);
    expect(b.value.earlyStop).toEqual({ epoch: 2, bestEpoch: 1 });
  });

  it('says whether the steps ran native (logs from before that field say nothing: tfjs)', () => {
    const native = new CurveBuilder([{ ...(start('main') as Extract<TrainEvent, { type: 'start' }>), native: true }]);
    expect(native.value.nativeSteps).toBe(true);
    native.add([{ ...(start('gate') as Extract<TrainEvent, { type: 'start' }>), native: false }]);
    expect(native.value.nativeSteps).toBe(false);
  });

  it('replaces the steps a resumed run repeats, and puts later phases after earlier ones', () => {
    const b = new CurveBuilder([start('main'), step('main', 1, 0.9), step('main', 2, 0.7), epoch('main', 1, 0.8), step('main', 3, 0.65)]);
    // Resumed from the epoch-1 checkpoint: step 3 comes again.
    b.add([start('main', 1), step('main', 3, 0.6), step('main', 4, 0.5)]);
    expect(b.value.stepLoss).toEqual([[1, 0.9], [2, 0.7], [3, 0.6], [4, 0.5]]);
    expect(b.value.epoch).toBe(1);
    b.add([start('gate'), step('gate', 1, 2)]);
    expect(b.value.stepLoss.at(-1)).toEqual([5, 2]);
  });

  it("counts a policy agent's updates as its epochs, after its base's", () => {
    const b = new CurveBuilder([start('main'), epoch('main', 3, 0.5)]);
    b.add([
      { ...(start('policy') as Extract<TrainEvent, { type: 'start' }>), modelKind: 'policy', epochs: 60 },
      { type: 'update', phase: 'policy', elapsedSec: 5, update: 2, updates: 60, loss: 0.1, entropy: 0.6, meanReturn: -30, meanAbsRewardHours: 0.5, etaSec: 140 },
    ]);
    expect(b.value).toMatchObject({ modelKind: 'policy', phase: 'policy', epoch: 2, epochs: 60, etaSec: 140 });
  });

  it('smooths like TensorBoard: debiased, 0 leaves the points as they are', () => {
    const pts: [number, number][] = [[1, 10], [2, 10], [3, 10]];
    expect(smooth(pts, 0.9).map((p) => p[1])).toEqual([10, 10, 10].map((v) => expect.closeTo(v, 9)));
    expect(smooth([[1, 0], [2, 10]], 0.5)).toEqual([[1, 0], [2, expect.closeTo(20 / 3, 9)]]);
    expect(smooth(pts, 0)).toEqual(pts);
  });
});
