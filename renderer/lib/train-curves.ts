import type { TrainEvent } from '../../core/train/browser.js';

/**
 * Training curves built from the run's event stream as it arrives: the loss
 * of every step, train and held-out loss per epoch, throughput, the
 * backend. x is the global step; a mixture's later phases continue after the
 * earlier ones. A resumed run repeats the steps after its last checkpoint:
 * those replace the points they repeat.
 */

export type Point = [number, number];

export interface TrainCurves {
  backend: string | null;
  /** The steps' gradients came from the native addon (core/train/native.ts), not tfjs. */
  nativeSteps: boolean;
  modelKind: string | null;
  parameters: number | null;
  phase: string | null;
  stepLoss: Point[];
  epochTrainLoss: Point[];
  heldOutLoss: Point[];
  heldOutMaeHours: Point[];
  samplesPerSec: number | null;
  epoch: number;
  epochs: number;
  etaSec: number | null;
  bestHeldOutLoss: number | null;
  /** Training stopped before its last epoch: no better held-out loss for `patience` epochs. */
  earlyStop: { epoch: number; bestEpoch: number } | null;
  done: boolean;
}

export const emptyCurves = (): TrainCurves => ({
  backend: null,
  nativeSteps: false,
  modelKind: null,
  parameters: null,
  phase: null,
  stepLoss: [],
  epochTrainLoss: [],
  heldOutLoss: [],
  heldOutMaeHours: [],
  samplesPerSec: null,
  epoch: 0,
  epochs: 0,
  etaSec: null,
  bestHeldOutLoss: null,
  earlyStop: null,
  done: false,
});

/** Appends (x, y), first dropping any points at or after x (a resumed run repeating itself). */
function put(series: Point[], x: number, y: number): Point[] {
  let keep = series.length;
  while (keep > 0 && series[keep - 1][0] >= x) keep--;
  const out = keep === series.length ? series : series.slice(0, keep);
  out.push([x, y]);
  return out;
}

export class CurveBuilder {
  private curves = emptyCurves();
  private readonly phaseOffset = new Map<string, number>();
  private stepsPerEpoch = 1;
  private lastX = 0;

  constructor(events: readonly TrainEvent[] = []) {
    this.add(events);
  }

  add(events: readonly TrainEvent[]): void {
    if (events.length === 0) return;
    const c = { ...this.curves };
    // Series are copied once per batch (not per point): a batch is one chart update.
    c.stepLoss = [...c.stepLoss];
    c.epochTrainLoss = [...c.epochTrainLoss];
    c.heldOutLoss = [...c.heldOutLoss];
    c.heldOutMaeHours = [...c.heldOutMaeHours];
    for (const e of events) {
      if (!this.phaseOffset.has(e.phase)) this.phaseOffset.set(e.phase, this.lastX);
      const offset = this.phaseOffset.get(e.phase)!;
      switch (e.type) {
        case 'start':
          c.backend = e.backend;
          c.nativeSteps = e.native ?? false;
          c.modelKind = e.modelKind;
          c.parameters = e.parameters;
          c.phase = e.phase;
          c.epochs = e.epochs;
          c.epoch = e.resumedFromEpoch;
          this.stepsPerEpoch = Math.max(1, e.stepsPerEpoch);
          c.done = false;
          c.earlyStop = null;
          break;
        case 'step': {
          const x = offset + e.globalStep;
          if (Number.isFinite(e.loss)) c.stepLoss = put(c.stepLoss, x, e.loss);
          c.samplesPerSec = e.samplesPerSec;
          this.lastX = Math.max(this.lastX, x);
          break;
        }
        case 'epoch': {
          const x = offset + e.epoch * this.stepsPerEpoch;
          c.epochTrainLoss = put(c.epochTrainLoss, x, e.trainLoss);
          if (e.heldOutLoss !== null && Number.isFinite(e.heldOutLoss)) {
            c.heldOutLoss = put(c.heldOutLoss, x, e.heldOutLoss);
            c.bestHeldOutLoss = c.bestHeldOutLoss === null ? e.heldOutLoss : Math.min(c.bestHeldOutLoss, e.heldOutLoss);
          }
          if (e.heldOutMaeHours !== null && Number.isFinite(e.heldOutMaeHours)) c.heldOutMaeHours = put(c.heldOutMaeHours, x, e.heldOutMaeHours);
          c.epoch = e.epoch;
          c.epochs = e.epochs;
          c.etaSec = e.etaSec;
          c.samplesPerSec = e.samplesPerSec;
          this.lastX = Math.max(this.lastX, x);
          break;
        }
        case 'update':
          // A policy agent's updates are its epochs: the progress shown is theirs.
          c.epoch = e.update;
          c.epochs = e.updates;
          c.etaSec = e.etaSec;
          break;
        case 'early-stop':
          c.earlyStop = { epoch: e.epoch, bestEpoch: e.bestEpoch };
          break;
        case 'done':
          c.done = true;
          c.etaSec = 0;
          break;
        default:
          break;
      }
    }
    this.curves = c;
  }

  get value(): TrainCurves {
    return this.curves;
  }
}

/** TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0. */
export function smooth(points: readonly Point[], weight: number): Point[] {
  if (weight <= 0) return points.slice();
  const out: Point[] = new Array<Point>(points.length);
  let last = 0;
  let debias = 1;
  for (let i = 0; i < points.length; i++) {
    last = last * weight + (1 - weight) * points[i][1];
    debias *= weight;
    out[i] = [points[i][0], last / (1 - debias)];
  }
  return out;
}
