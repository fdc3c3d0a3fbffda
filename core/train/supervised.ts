/**
 * The supervised training loop shared by every regressor phase (a network, a
 * mixture's expert, its gate): seeded shuffles, mini-batches, Adam, an
 * optional warm-up + cosine schedule, gradient clipping, early stopping on the
 * held-out loss, per-epoch checkpoints and resume, cancel within one step.
 *
 * Determinism: the shuffle of epoch e and the dropout masks of step s derive
 * from (seed, phase, e) and (seed, phase, s), never from generator state, so a
 * resumed run replays exactly what the uninterrupted run would have done.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { heldOutNames } from '../held-out-names.js';
import type { ApplyContext } from '../model/layers.js';
import type { NamedValues, ParamSet } from '../model/params.js';
import { createRng, deriveSeed, permutation } from '../model/rng.js';
import type { TargetScaleInfo } from '../model/normalize.js';
import { throwIfAborted } from '../progress.js';
import type { WorkOptions } from '../progress.js';
import { Adam, defaultAdamImplementation } from './adam.js';
import type { AdamConfig, AdamImplementation } from './adam.js';
import type { RegressorSpec } from '../model/spec.js';
import { DataParallelGradients, sliceGradients } from './data-parallel.js';
import { loadCheckpoint, prefixTensors, saveCheckpoint, tensorsWithPrefix } from './checkpoint.js';
import { gatherWindows } from './data.js';
import { NativeStep } from './native.js';
import type { TrainEvent } from './events.js';

import type { LossName, SupervisedConfig } from './supervised-config.js';

/** What the loop trains: a forward pass over normalised windows of given rows. */
export interface SupervisedTask {
  /** Checkpoint and event name of this phase. */
  phase: string;
  params: ParamSet;
  /** Variables the optimizer updates (a subset of params). */
  trainable: { name: string; variable: tf.Variable }[];
  /** Predictions [B] in normalised target units ([B, W] for targets of width W > 1). `rows` lets a task use per-row extras. */
  forward(x: tf.Tensor3D, rows: Uint32Array, ctx: ApplyContext): tf.Tensor;
  /**
   * How a worker thread rebuilds this network (`forward` must be its plain
   * `apply`): what lets the task train data-parallel. Absent: one thread.
   */
  replica?: { spec: RegressorSpec };
}

export interface SupervisedInputs {
  /** Normalised windows of every row, [rows, seqLen, featureCount]. */
  windows: Float32Array;
  /** Normalised targets of every row, [rows, targetWidth] row-major. */
  targets: Float32Array;
  /** Targets per row (default 1): K 0/1 labels for a wait-risk network. */
  targetWidth?: number;
  seqLen: number;
  featureCount: number;
  train: Uint32Array;
  heldOut: Uint32Array;
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
  /**
   * Threads a training step is split over (core/train/data-parallel.ts; cpu
   * and wasm back ends, tasks with a replica). Default 1. The result equals
   * one thread's within float rounding and is deterministic per thread count.
   */
  threads?: number;
  /** How Adam updates (core/train/adam.ts); default: fused on cpu and wasm, tensor ops elsewhere. */
  adam?: AdamImplementation;
  /**
   * Compute a step's gradients with the native addon (core/train/native.ts)
   * where it is built and the task is a transformer with a replica, on the
   * cpu and wasm back ends with the fused Adam. Default true; false keeps
   * every step in tfjs.
   */
  native?: boolean;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  heldOutLoss: number | null;
  heldOutMaeHours: number | null;
  heldOutRmseHours: number | null;
  seconds: number;
}

// Checkpoints from before the held-out tail had its name say bestValLoss, valLoss...: read under today's names.
const PhaseStateSchema = z.preprocess(heldOutNames, z.object({
  globalStep: z.number().int(),
  adamStep: z.number().int(),
  bestEpoch: z.number().int().nullable(),
  bestHeldOutLoss: z.number().nullable(),
  badEpochs: z.number().int(),
  stopped: z.boolean(),
  elapsedSec: z.number(),
  history: z.array(
    z.preprocess(
      heldOutNames,
      z.object({
        epoch: z.number().int(),
        trainLoss: z.number(),
        heldOutLoss: z.number().nullable(),
        heldOutMaeHours: z.number().nullable(),
        heldOutRmseHours: z.number().nullable(),
        seconds: z.number(),
      }),
    ),
  ),
}));
type PhaseState = z.infer<typeof PhaseStateSchema>;

export interface SupervisedResult {
  history: EpochRecord[];
  bestEpoch: number | null;
  epochsRun: number;
  steps: number;
  trainSeconds: number;
  samplesPerSec: number;
  final: { heldOutLoss: number | null; heldOutMaeHours: number | null; heldOutRmseHours: number | null };
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

export function lossTensor(name: LossName, predictions: tf.Tensor, targets: tf.Tensor, huberDelta: number): tf.Scalar {
  switch (name) {
    case 'bce':
      return tf.losses.sigmoidCrossEntropy(targets, predictions, undefined, 0, tf.Reduction.MEAN) as tf.Scalar;
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
  const width = inputs.targetWidth ?? 1;
  const trainRows = inputs.train.length;
  if (trainRows === 0) throw new Error(`${task.phase}: no training rows`);
  if (inputs.targets.length !== (inputs.windows.length / window) * width) throw new Error(`${task.phase}: ${inputs.targets.length} targets for ${inputs.windows.length / window} rows of ${width}`);
  const batchSize = Math.min(config.batchSize, trainRows);
  const stepsPerEpoch = Math.ceil(trainRows / batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const adam = new Adam(task.trainable, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: config.weightDecay,
    clipNorm: config.clipNorm,
  } satisfies AdamConfig, options.adam ?? defaultAdamImplementation());
  const threads = task.replica ? (options.threads ?? 1) : 1;
  const onHost = ['cpu', 'wasm'].includes(tf.getBackend());
  // The native step takes the threads itself (its BLAS's); then no worker replicas.
  const native = (options.native ?? true) && task.replica && onHost && adam.implementation === 'fused' ? NativeStep.create(task.replica.spec, task.trainable.map((t) => t.name), threads) : null;
  if (threads > 1 && (adam.implementation !== 'fused' || !onHost)) {
    adam.dispose();
    throw new Error(`training on ${threads} threads needs the cpu or wasm back end and the fused Adam (back end ${tf.getBackend()}, Adam ${adam.implementation})`);
  }

  let state: PhaseState = {
    globalStep: 0,
    adamStep: 0,
    bestEpoch: null,
    bestHeldOutLoss: null,
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
    heldOutRows: inputs.heldOut.length,
    epochs: config.epochs,
    stepsPerEpoch,
    batchSize,
    resumedFromEpoch: startEpoch,
    threads,
    native: native !== null,
  });

  let parallel: DataParallelGradients | null = null;
  if (threads > 1 && task.replica && !native) {
    try {
      parallel = await DataParallelGradients.start(threads, {
        backend: tf.getBackend() === 'cpu' ? 'cpu' : 'wasm',
        spec: task.replica.spec,
        weights: task.params.read(),
        trainable: task.trainable.map((t) => t.name),
        loss: config.loss,
        huberDelta: config.huberDelta,
        seqLen: inputs.seqLen,
        featureCount: inputs.featureCount,
        targetWidth: width,
      });
    } catch (err) {
      adam.dispose();
      throw err;
    }
  }
  const trainableVariables = task.trainable.map((t) => t.variable);
  const valuesFor = (step: NativeStep): Float32Array[] => step.names.map((name) => task.params.get(name).dataSync() as Float32Array);
  // Held-out predictions from the same arithmetic as the steps: the native forward where the steps are native.
  const predictHeldOut = (rows: Uint32Array): Float32Array =>
    native ? nativePredictRows(native, valuesFor(native), inputs, rows, width) : predictRows(task, inputs, rows, Math.max(batchSize, 128), width);
  const batchWindows = new Float32Array(batchSize * window);
  const batchTargets = new Float32Array(batchSize * width);
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
        for (let i = 0; i < count; i++) batchTargets.set(inputs.targets.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
        lr = learningRateAt(config, state.globalStep, totalSteps);
        const ctx: ApplyContext = { training: true, dropoutSeed: deriveSeed(seed, task.phase, 'dropout', state.globalStep) };
        let result: { loss: number; gradNorm: number };
        if (native) {
          const step = native.gradients(valuesFor(native), batchWindows.subarray(0, count * window), batchTargets, count, ctx, config.loss, config.huberDelta);
          result = { loss: step.loss, gradNorm: adam.applyGradients(step.grads, lr) };
        } else if (parallel) {
          const whole = await parallel.gradients({
            windows: batchWindows,
            targets: batchTargets,
            count,
            ctx,
            weights: () => trainableVariables.map((v) => (v.dataSync() as Float32Array).slice()),
            local: (x, y, sliceCtx) => sliceGradients(trainableVariables, () => lossTensor(config.loss, task.forward(x, rows.subarray(0, x.shape[0]), sliceCtx), y, config.huberDelta)),
          });
          result = { loss: whole.loss, gradNorm: adam.applyGradients(whole.grads, lr) };
        } else {
          const x = tf.tensor3d(batchWindows.subarray(0, count * window), [count, inputs.seqLen, inputs.featureCount]);
          const y = width === 1 ? tf.tensor1d(batchTargets.subarray(0, count)) : tf.tensor2d(batchTargets.subarray(0, count * width), [count, width]);
          try {
            result = adam.minimize(() => lossTensor(config.loss, task.forward(x, rows, ctx), y, config.huberDelta), lr);
          } finally {
            x.dispose();
            y.dispose();
          }
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
      const metrics = evaluate(predictHeldOut, inputs, config);
      const improved = metrics.heldOutLoss !== null && (state.bestHeldOutLoss === null || metrics.heldOutLoss < state.bestHeldOutLoss);
      if (improved) {
        state.bestHeldOutLoss = metrics.heldOutLoss;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
        if (config.restoreBest) bestWeights = task.params.read();
      } else if (metrics.heldOutLoss !== null) {
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
        heldOutLoss: record.heldOutLoss,
        heldOutMaeHours: record.heldOutMaeHours,
        heldOutRmseHours: record.heldOutRmseHours,
        learningRate: lr,
        samplesPerSec: lossCount / Math.max(epochSeconds, 1e-9),
        etaSec: remainingEpochs * epochSeconds,
        best: improved,
        numTensors: tf.memory().numTensors,
      });
      let stopReason: string | undefined;
      if (config.patience !== null && state.badEpochs >= config.patience) stopReason = `no better held-out loss for ${config.patience} epochs`;
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
    await parallel?.close();
  }

  if (config.restoreBest && bestWeights && state.bestEpoch !== null) task.params.write(bestWeights);
  const final = evaluate(predictHeldOut, inputs, config);
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

/** Validation loss (normalised units) and MAE / RMSE in hours (none for a bce task: its targets are 0/1 labels, not hours). */
function evaluate(
  predict: (rows: Uint32Array) => Float32Array,
  inputs: SupervisedInputs,
  config: SupervisedConfig,
): { heldOutLoss: number | null; heldOutMaeHours: number | null; heldOutRmseHours: number | null } {
  const rows = inputs.heldOut;
  if (rows.length === 0) return { heldOutLoss: null, heldOutMaeHours: null, heldOutRmseHours: null };
  const width = inputs.targetWidth ?? 1;
  const predictions = predict(rows);
  if (config.loss === 'bce') {
    let loss = 0;
    for (let i = 0; i < rows.length; i++) {
      for (let k = 0; k < width; k++) {
        const z = predictions[i * width + k];
        // log(1 + e^z) - z y, written to stay finite for large |z| (as tf.losses.sigmoidCrossEntropy).
        loss += Math.max(z, 0) - z * inputs.targets[rows[i] * width + k] + Math.log1p(Math.exp(-Math.abs(z)));
      }
    }
    return { heldOutLoss: loss / (rows.length * width), heldOutMaeHours: null, heldOutRmseHours: null };
  }
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
  return { heldOutLoss: loss / rows.length, heldOutMaeHours: abs / rows.length, heldOutRmseHours: Math.sqrt(sq / rows.length) };
}

/** The native forward's predictions for the given rows, in chunks of 256: [rows, width] row-major. */
function nativePredictRows(native: NativeStep, values: Float32Array[], inputs: Pick<SupervisedInputs, 'windows' | 'seqLen' | 'featureCount'>, rows: Uint32Array, width: number): Float32Array {
  const window = inputs.seqLen * inputs.featureCount;
  const chunk = 256;
  const out = new Float32Array(rows.length * width);
  const buffer = new Float32Array(Math.min(chunk, rows.length) * window);
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.subarray(from, Math.min(rows.length, from + chunk));
    gatherWindows(inputs.windows, part, window, buffer);
    out.set(native.predict(values, buffer.subarray(0, part.length * window), part.length), from * width);
  }
  return out;
}

/** Predictions (normalised units) for the given rows, in chunks: [rows, width] row-major. */
export function predictRows(
  task: Pick<SupervisedTask, 'forward'>,
  inputs: Pick<SupervisedInputs, 'windows' | 'seqLen' | 'featureCount'>,
  rows: Uint32Array,
  chunk = 256,
  width = 1,
): Float32Array {
  const window = inputs.seqLen * inputs.featureCount;
  const out = new Float32Array(rows.length * width);
  const buffer = new Float32Array(Math.min(chunk, rows.length) * window);
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.subarray(from, Math.min(rows.length, from + chunk));
    gatherWindows(inputs.windows, part, window, buffer);
    const values = tf.tidy(() =>
      task.forward(tf.tensor3d(buffer.subarray(0, part.length * window), [part.length, inputs.seqLen, inputs.featureCount]), part, { training: false }).dataSync(),
    );
    out.set(values, from * width);
  }
  return out;
}
