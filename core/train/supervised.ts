/**
 * The supervised training loop shared by every regressor phase (a network, a
 * mixture's expert, its gate): seeded shuffles, mini-batches, Adam, an
 * optional warm-up + cosine schedule, gradient clipping, early stopping on the
 * validation loss, per-epoch checkpoints and resume, cancel within one step.
 *
 * Determinism: the shuffle of epoch e and the dropout masks of step s derive
 * from (seed, phase, e) and (seed, phase, s), never from generator state, so a
 * resumed run replays exactly what the uninterrupted run would have done.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ApplyContext } from '../model/layers.js';
import type { NamedValues, ParamSet } from '../model/params.js';
import { createRng, deriveSeed, permutation } from '../model/rng.js';
import type { TargetScaleInfo } from '../model/normalize.js';
import { throwIfAborted } from '../progress.js';
import type { WorkOptions } from '../progress.js';
import { Adam } from './adam.js';
import type { AdamConfig } from './adam.js';
import { loadCheckpoint, prefixTensors, saveCheckpoint, tensorsWithPrefix } from './checkpoint.js';
import { gatherWindows } from './data.js';
import type { TrainEvent } from './events.js';

export const LossSchema = z.enum(['mse', 'huber', 'l1']);
export type LossName = z.infer<typeof LossSchema>;

export const SupervisedConfigSchema = z.object({
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  /** 'cosine' decays to 5% of the rate over the run, after `warmupSteps` linear warm-up. */
  schedule: z.enum(['constant', 'cosine']),
  warmupSteps: z.number().int().nonnegative(),
  loss: LossSchema,
  /** Huber transition point, in normalised target units. */
  huberDelta: z.number().positive(),
  clipNorm: z.number().positive().nullable(),
  weightDecay: z.number().nonnegative(),
  /** Stop after this many epochs without a better validation loss; null never. */
  patience: z.number().int().positive().nullable(),
  /** End with the weights of the best validation epoch. */
  restoreBest: z.boolean(),
  /** Wall-clock budget for the phase (stops after the step that passes it); null none. Not deterministic. */
  maxSeconds: z.number().positive().nullable(),
});
export type SupervisedConfig = z.infer<typeof SupervisedConfigSchema>;

/** What the loop trains: a forward pass over normalised windows of given rows. */
export interface SupervisedTask {
  /** Checkpoint and event name of this phase. */
  phase: string;
  params: ParamSet;
  /** Variables the optimizer updates (a subset of params). */
  trainable: { name: string; variable: tf.Variable }[];
  /** Predictions [B] in normalised target units. `rows` lets a task use per-row extras. */
  forward(x: tf.Tensor3D, rows: Uint32Array, ctx: ApplyContext): tf.Tensor1D;
}

export interface SupervisedInputs {
  /** Normalised windows of every row, [rows, seqLen, featureCount]. */
  windows: Float32Array;
  /** Normalised targets of every row. */
  targets: Float32Array;
  seqLen: number;
  featureCount: number;
  train: Uint32Array;
  validation: Uint32Array;
  targetScale: TargetScaleInfo;
}

export interface SupervisedRunOptions extends WorkOptions {
  seed: number;
  outDir: string;
  resume: boolean;
  backend: string;
  modelKind: string;
  onEvent?: (event: TrainEvent) => void;
  /** Write a checkpoint after each epoch (default true). */
  checkpoints?: boolean;
  /** Step events are sent at most this often (ms); epoch events always. Default 0 (every step). */
  stepEventIntervalMs?: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  valMaeHours: number | null;
  valRmseHours: number | null;
  seconds: number;
}

const PhaseStateSchema = z.object({
  globalStep: z.number().int(),
  adamStep: z.number().int(),
  bestEpoch: z.number().int().nullable(),
  bestValLoss: z.number().nullable(),
  badEpochs: z.number().int(),
  stopped: z.boolean(),
  elapsedSec: z.number(),
  history: z.array(
    z.object({
      epoch: z.number().int(),
      trainLoss: z.number(),
      valLoss: z.number().nullable(),
      valMaeHours: z.number().nullable(),
      valRmseHours: z.number().nullable(),
      seconds: z.number(),
    }),
  ),
});
type PhaseState = z.infer<typeof PhaseStateSchema>;

export interface SupervisedResult {
  history: EpochRecord[];
  bestEpoch: number | null;
  epochsRun: number;
  steps: number;
  trainSeconds: number;
  samplesPerSec: number;
  final: { valLoss: number | null; valMaeHours: number | null; valRmseHours: number | null };
  stoppedEarly: boolean;
}

export function learningRateAt(config: SupervisedConfig, step: number, totalSteps: number): number {
  const base = config.learningRate;
  if (config.warmupSteps > 0 && step < config.warmupSteps) return (base * (step + 1)) / config.warmupSteps;
  if (config.schedule === 'constant') return base;
  const span = Math.max(1, totalSteps - config.warmupSteps);
  const progress = Math.min(1, (step - config.warmupSteps) / span);
  return base * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export function lossTensor(name: LossName, predictions: tf.Tensor1D, targets: tf.Tensor1D, huberDelta: number): tf.Scalar {
  switch (name) {
    case 'mse':
      return tf.mean(tf.squaredDifference(predictions, targets));
    case 'l1':
      return tf.mean(tf.abs(tf.sub(predictions, targets)));
    case 'huber':
      return tf.losses.huberLoss(targets, predictions, undefined, huberDelta, tf.Reduction.MEAN) as tf.Scalar;
  }
}

/** Trains `task` on `inputs`; returns the history. Throws AbortError on cancel (the last checkpoint stays). */
export async function runSupervised(
  task: SupervisedTask,
  inputs: SupervisedInputs,
  config: SupervisedConfig,
  options: SupervisedRunOptions,
): Promise<SupervisedResult> {
  const { seed, outDir, onEvent } = options;
  const window = inputs.seqLen * inputs.featureCount;
  const trainRows = inputs.train.length;
  if (trainRows === 0) throw new Error(`${task.phase}: no training rows`);
  const batchSize = Math.min(config.batchSize, trainRows);
  const stepsPerEpoch = Math.ceil(trainRows / batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const adam = new Adam(task.trainable, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: config.weightDecay,
    clipNorm: config.clipNorm,
  } satisfies AdamConfig);

  let state: PhaseState = {
    globalStep: 0,
    adamStep: 0,
    bestEpoch: null,
    bestValLoss: null,
    badEpochs: 0,
    stopped: false,
    elapsedSec: 0,
    history: [],
  };
  let bestWeights: NamedValues[] | null = null;
  let startEpoch = 0;

  if (options.resume) {
    const checkpoint = await loadCheckpoint(outDir, task.phase);
    if (checkpoint) {
      const parsed = PhaseStateSchema.safeParse(checkpoint.state);
      if (!parsed.success) throw new Error(`checkpoint of ${task.phase} is unreadable: ${parsed.error.issues[0]?.message ?? ''}`);
      state = parsed.data;
      task.params.write(tensorsWithPrefix(checkpoint.tensors, 'params/'));
      adam.writeState(checkpoint.tensors, state.adamStep);
      const best = tensorsWithPrefix(checkpoint.tensors, 'best/');
      bestWeights = best.length > 0 ? best : null;
      startEpoch = checkpoint.epoch;
      if (checkpoint.done) state.stopped = true;
    }
  }

  const started = performance.now() - state.elapsedSec * 1000;
  const elapsed = (): number => (performance.now() - started) / 1000;
  const emit = (event: TrainEvent): void => onEvent?.(event);
  emit({
    type: 'start',
    phase: task.phase,
    elapsedSec: elapsed(),
    backend: options.backend,
    modelKind: options.modelKind,
    parameters: task.params.count(),
    trainableParameters: task.trainable.reduce((n, t) => n + t.variable.size, 0),
    trainRows,
    validationRows: inputs.validation.length,
    epochs: config.epochs,
    stepsPerEpoch,
    batchSize,
    resumedFromEpoch: startEpoch,
  });

  const batchWindows = new Float32Array(batchSize * window);
  const batchTargets = new Float32Array(batchSize);
  let samplesSeen = 0;
  let lastStepEvent = 0;
  const timeBudgetHit = (): boolean => config.maxSeconds !== null && elapsed() >= config.maxSeconds;

  try {
    for (let epoch = startEpoch + 1; epoch <= config.epochs && !state.stopped; epoch++) {
      const epochStarted = performance.now();
      const order = permutation(trainRows, createRng(seed, task.phase, 'shuffle', epoch));
      let lossSum = 0;
      let lossCount = 0;
      let lr = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        throwIfAborted(options.signal);
        const from = step * batchSize;
        const count = Math.min(batchSize, trainRows - from);
        const rows = new Uint32Array(count);
        for (let i = 0; i < count; i++) rows[i] = inputs.train[order[from + i]];
        gatherWindows(inputs.windows, rows, window, batchWindows);
        for (let i = 0; i < count; i++) batchTargets[i] = inputs.targets[rows[i]];
        lr = learningRateAt(config, state.globalStep, totalSteps);
        const ctx: ApplyContext = { training: true, dropoutSeed: deriveSeed(seed, task.phase, 'dropout', state.globalStep) };
        const x = tf.tensor3d(batchWindows.subarray(0, count * window), [count, inputs.seqLen, inputs.featureCount]);
        const y = tf.tensor1d(batchTargets.subarray(0, count));
        let result: { loss: number; gradNorm: number };
        try {
          result = adam.minimize(() => lossTensor(config.loss, task.forward(x, rows, ctx), y, config.huberDelta), lr);
        } finally {
          x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(result.loss)) throw new Error(`${task.phase}: the loss became ${result.loss} at epoch ${epoch}, step ${step}; try a lower learning rate`);
        state.globalStep += 1;
        lossSum += result.loss * count;
        lossCount += count;
        samplesSeen += count;
        const now = performance.now();
        if (onEvent && now - lastStepEvent >= (options.stepEventIntervalMs ?? 0)) {
          lastStepEvent = now;
          emit({
            type: 'step',
            phase: task.phase,
            elapsedSec: elapsed(),
            epoch,
            step,
            globalStep: state.globalStep,
            loss: result.loss,
            learningRate: lr,
            gradNorm: result.gradNorm,
            samplesPerSec: (lossCount / (now - epochStarted)) * 1000,
          });
        }
        options.onProgress?.({
          stage: `train ${task.phase}`,
          done: state.globalStep,
          total: totalSteps,
          unit: 'steps',
          detail: { epoch, loss: result.loss, backend: options.backend },
        });
        if (timeBudgetHit()) break;
      }
      const epochSeconds = (performance.now() - epochStarted) / 1000;
      const metrics = evaluate(task, inputs, config, batchSize);
      const improved = metrics.valLoss !== null && (state.bestValLoss === null || metrics.valLoss < state.bestValLoss);
      if (improved) {
        state.bestValLoss = metrics.valLoss;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
        if (config.restoreBest) bestWeights = task.params.read();
      } else if (metrics.valLoss !== null) {
        state.badEpochs += 1;
      }
      const record: EpochRecord = { epoch, trainLoss: lossCount > 0 ? lossSum / lossCount : NaN, ...metrics, seconds: epochSeconds };
      state.history.push(record);
      state.adamStep = adam.step;
      const remainingEpochs = config.epochs - epoch;
      emit({
        type: 'epoch',
        phase: task.phase,
        elapsedSec: elapsed(),
        epoch,
        epochs: config.epochs,
        trainLoss: record.trainLoss,
        valLoss: record.valLoss,
        valMaeHours: record.valMaeHours,
        valRmseHours: record.valRmseHours,
        learningRate: lr,
        samplesPerSec: lossCount / Math.max(epochSeconds, 1e-9),
        etaSec: remainingEpochs * epochSeconds,
        best: improved,
        numTensors: tf.memory().numTensors,
      });
      let stopReason: string | undefined;
      if (config.patience !== null && state.badEpochs >= config.patience) stopReason = `no better validation loss for ${config.patience} epochs`;
      if (timeBudgetHit()) stopReason = `time budget of ${config.maxSeconds} s reached`;
      if (stopReason) {
        state.stopped = true;
        emit({ type: 'early-stop', phase: task.phase, elapsedSec: elapsed(), epoch, bestEpoch: state.bestEpoch ?? epoch, reason: stopReason });
      }
      state.elapsedSec = elapsed();
      if (options.checkpoints ?? true) {
        const tensors = [
          ...prefixTensors(task.params.read(), 'params/'),
          ...adam.readState(),
          ...(bestWeights ? prefixTensors(bestWeights, 'best/') : []),
        ];
        const where = await saveCheckpoint(outDir, { phase: task.phase, epoch, done: state.stopped || epoch === config.epochs, state, tensors });
        emit({ type: 'checkpoint', phase: task.phase, elapsedSec: elapsed(), epoch, path: where });
      }
    }
  } finally {
    adam.dispose();
  }

  if (config.restoreBest && bestWeights && state.bestEpoch !== null) task.params.write(bestWeights);
  const final = evaluate(task, inputs, config, batchSize);
  const trainSeconds = state.history.reduce((s, h) => s + h.seconds, 0);
  const trained = state.history.length > 0 ? trainRows * state.history.length : 0;
  return {
    history: state.history,
    bestEpoch: state.bestEpoch,
    epochsRun: state.history.length,
    steps: state.globalStep,
    trainSeconds,
    samplesPerSec: samplesSeen > 0 ? samplesSeen / Math.max(elapsed(), 1e-9) : trained / Math.max(trainSeconds, 1e-9),
    final,
    stoppedEarly: state.stopped && state.history.length < config.epochs,
  };
}

/** Validation loss (normalised units) and MAE / RMSE in hours. */
function evaluate(
  task: SupervisedTask,
  inputs: SupervisedInputs,
  config: SupervisedConfig,
  batchSize: number,
): { valLoss: number | null; valMaeHours: number | null; valRmseHours: number | null } {
  const rows = inputs.validation;
  if (rows.length === 0) return { valLoss: null, valMaeHours: null, valRmseHours: null };
  const predictions = predictRows(task, inputs, rows, Math.max(batchSize, 128));
  let loss = 0;
  let abs = 0;
  let sq = 0;
  const { std } = inputs.targetScale;
  for (let i = 0; i < rows.length; i++) {
    const diff = predictions[i] - inputs.targets[rows[i]];
    const hours = diff * std;
    abs += Math.abs(hours);
    sq += hours * hours;
    const a = Math.abs(diff);
    loss += config.loss === 'mse' ? diff * diff : config.loss === 'l1' ? a : a <= config.huberDelta ? 0.5 * diff * diff : config.huberDelta * (a - 0.5 * config.huberDelta);
  }
  return { valLoss: loss / rows.length, valMaeHours: abs / rows.length, valRmseHours: Math.sqrt(sq / rows.length) };
}

/** Predictions (normalised units) for the given rows, in chunks. */
export function predictRows(task: Pick<SupervisedTask, 'forward'>, inputs: Pick<SupervisedInputs, 'windows' | 'seqLen' | 'featureCount'>, rows: Uint32Array, chunk = 256): Float32Array {
  const window = inputs.seqLen * inputs.featureCount;
  const out = new Float32Array(rows.length);
  const buffer = new Float32Array(Math.min(chunk, rows.length) * window);
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.subarray(from, Math.min(rows.length, from + chunk));
    gatherWindows(inputs.windows, part, window, buffer);
    const values = tf.tidy(() =>
      task.forward(tf.tensor3d(buffer.subarray(0, part.length * window), [part.length, inputs.seqLen, inputs.featureCount]), part, { training: false }).dataSync(),
    );
    out.set(values, from);
  }
  return out;
}
