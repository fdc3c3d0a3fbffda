/**
 * Training entry for the regressors (transformer, default, moe): takes data in
 * memory, trains, saves the model folder, returns its manifest and history.
 * The CLI adapts a dataset folder to TrainingData; tests build it in memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { BackendChoice } from '../model/backend-choice.js';
import type { BackendInfo } from '../model/backend.js';
import { ensureBackend } from '../model/backend.js';
import { saveManifest, saveNetworkFiles } from '../model/io.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { ModelKind, ModelManifest } from '../model/manifest.js';
import { MODEL_SCHEMA_VERSION } from '../model/manifest.js';
import type { MixtureNetwork, Network } from '../model/networks.js';
import { buildMixture, buildRegressor } from '../model/networks.js';
import type { Normalization, TargetScaleInfo } from '../model/normalize.js';
import { fitNormalization, fitTargetScale, normalizeInto } from '../model/normalize.js';
import { predictorFor } from '../model/predictor.js';
import { RiskScores } from '../model/risk-output.js';
import type { RegressorSpec } from '../model/spec.js';
import { columnIndex, timeToPredEndHours } from '../model/wait-features.js';
import { RISK_THRESHOLDS_HOURS } from '../model/wait-risk.js';
import type { WorkOptions } from '../progress.js';
import type { AdamImplementation } from './adam.js';
import { CHECKPOINT_DIR, clearCheckpoints } from './checkpoint.js';
import type { Preset, TrainConfig, TrainOverrides } from './config.js';
import { TrainConfigSchema, resolveTrainConfig } from './config.js';
import type { RowSplit, TrainingData } from './data.js';
import { gatherWindows, rewardsHours, rowCount, samplesInDataOrder, splitBySampleTime, splitGroups, validateTrainingData, waitExceedsLabels } from './data.js';
import type { TrainEvent } from './events.js';
import type { SupervisedInputs, SupervisedResult, SupervisedRunOptions, SupervisedTask } from './supervised.js';
import { predictRows, runSupervised } from './supervised.js';

export interface TrainRequest {
  kind: Exclude<ModelKind, 'policy'>;
  preset?: Preset | null;
  seed?: number;
  overrides?: TrainOverrides;
  /** The model folder; checkpoints go to its `checkpoints/` sub-folder. */
  outDir: string;
  /** Continue from the last checkpoint in outDir (same configuration required). */
  resume?: boolean;
  backend?: BackendChoice;
  /** Threads a training step is split over (SupervisedRunOptions.threads); not part of the configuration. */
  threads?: number;
  /** How Adam updates (SupervisedRunOptions.adam); default: fused on cpu and wasm. */
  adam?: AdamImplementation;
  /** Native training steps where available (SupervisedRunOptions.native); default true. */
  native?: boolean;
  /** A fully resolved configuration, instead of kind/preset/overrides (tests, benchmarks). */
  config?: TrainConfig;
}

export interface TrainRunOptions extends WorkOptions {
  onEvent?: (event: TrainEvent) => void;
  stepEventIntervalMs?: number;
}

export interface TrainResult {
  outDir: string;
  manifest: ModelManifest;
  config: TrainConfig;
  backend: BackendInfo;
  /** Per phase: 'main', or 'expert0'.. and 'gate'. */
  phases: Record<string, SupervisedResult>;
}

const RUN_FILE = 'run.json';

export async function trainModel(data: TrainingData, request: TrainRequest, options: TrainRunOptions = {}): Promise<TrainResult> {
  validateTrainingData(data);
  const backend = await ensureBackend(request.backend ?? 'auto');
  const config =
    request.config ??
    resolveTrainConfig(request.kind, request.preset ?? null, request.seed ?? 0, { seqLen: data.seqLen, inFeatures: data.featureCount }, request.overrides);
  // A wait-risk network reads the time left from the windows' pred tuple: refuse data without it before any work.
  if (config.target === 'wait-risk') columnIndex(data.featureNames, 'training data');
  const targets = targetsOf(data, config);
  await prepareRunFolder(request.outDir, config, data.datasetHash, request.resume ?? false);

  const run: SupervisedRunOptions = {
    seed: config.seed,
    outDir: request.outDir,
    resume: request.resume ?? false,
    backend: backend.description,
    threads: request.threads,
    adam: request.adam,
    native: request.native,
    modelKind: config.kind,
    onEvent: options.onEvent,
    onProgress: options.onProgress,
    signal: options.signal,
    stepEventIntervalMs: options.stepEventIntervalMs,
  };

  const trained = config.kind === 'moe' ? await trainMixture(data, targets, config, run) : await trainSingle(data, targets, config, run);
  try {
    const manifest = buildManifest(data, config, backend, trained);
    if (config.target === 'wait-risk') Object.assign(manifest.metrics, heldOutRiskScores(data, trained, manifest));
    await saveNetworkFiles(request.outDir, trained.network.spec, trained.network.params.read());
    await saveManifest(request.outDir, manifest);
    options.onEvent?.({ type: 'done', phase: 'all', elapsedSec: totalSeconds(trained.phases), metrics: manifest.metrics });
    return { outDir: request.outDir, manifest, config, backend, phases: trained.phases };
  } finally {
    trained.network.dispose();
  }
}

interface Trained {
  network: Network;
  normalization: Normalization;
  targetScale: TargetScaleInfo;
  split: RowSplit;
  phases: Record<string, SupervisedResult>;
  /** The phase whose held-out figures describe the model. */
  finalPhase: string;
}

async function prepareRunFolder(outDir: string, config: TrainConfig, datasetHash: string, resume: boolean): Promise<void> {
  const runFile = path.join(outDir, CHECKPOINT_DIR, RUN_FILE);
  const record = JSON.stringify({ config, datasetHash }, null, 1) + '\n';
  if (resume) {
    let previous: string | undefined;
    try {
      previous = await fs.readFile(runFile, 'utf8');
    } catch {
      previous = undefined;
    }
    if (previous !== undefined) {
      const stored = JSON.parse(previous) as { config: unknown; datasetHash: string };
      const storedConfig = TrainConfigSchema.safeParse(stored.config);
      if (stored.datasetHash !== datasetHash) throw new Error(`--resume: the checkpoints in ${outDir} were made from another dataset (hash ${stored.datasetHash})`);
      if (!storedConfig.success || JSON.stringify(storedConfig.data) !== JSON.stringify(config)) {
        throw new Error(`--resume: the checkpoints in ${outDir} were made with a different configuration; rerun with the same options or without --resume`);
      }
      return;
    }
  } else {
    await clearCheckpoints(outDir);
  }
  await fs.mkdir(path.join(outDir, CHECKPOINT_DIR), { recursive: true });
  await writeFileAtomic(runFile, record);
}

/** What the network learns per row: reward hours (width 1), or the wait-risk labels (one per threshold, already 0/1). */
interface Targets {
  values: Float32Array;
  width: number;
  /** Hours to standardise (reward); labels stay as they are. */
  standardize: boolean;
}

function targetsOf(data: TrainingData, config: TrainConfig): Targets {
  if (config.target === 'wait-risk') return { values: waitExceedsLabels(data, RISK_THRESHOLDS_HOURS), width: RISK_THRESHOLDS_HOURS.length, standardize: false };
  return { values: rewardsHours(data), width: 1, standardize: config.standardizeTarget };
}

/** Normalises every window with statistics fitted on the training rows. */
function prepareInputs(data: TrainingData, targets: Targets, config: TrainConfig, fitRows: Uint32Array) {
  const normalization = fitNormalization(data.features, fitRows, data.seqLen, data.featureCount, config.normalization);
  const windows = new Float32Array(data.features.length);
  normalizeInto(data.features, windows, normalization);
  if (targets.width !== 1) return { normalization, targetScale: { mean: 0, std: 1 }, windows, targets: targets.values, targetWidth: targets.width };
  const hours = targets.values;
  const targetScale = fitTargetScale(hours, fitRows, targets.standardize);
  const scaled = new Float32Array(hours.length);
  for (let i = 0; i < hours.length; i++) scaled[i] = (hours[i] - targetScale.mean) / targetScale.std;
  return { normalization, targetScale, windows, targets: scaled, targetWidth: 1 };
}

async function trainSingle(data: TrainingData, targets: Targets, config: TrainConfig, run: SupervisedRunOptions): Promise<Trained> {
  const split = splitBySampleTime(data, config.heldOutFraction);
  const prepared = prepareInputs(data, targets, config, split.train);
  const network = buildRegressor(config.network, config.seed);
  try {
    const task: SupervisedTask = {
      phase: 'main',
      params: network.params,
      trainable: network.params.trainable(),
      forward: (x, _rows, ctx) => network.apply(x, ctx),
      replica: { spec: config.network },
    };
    const inputs: SupervisedInputs = { ...prepared, seqLen: data.seqLen, featureCount: data.featureCount, train: split.train, heldOut: split.heldOut };
    const result = await runSupervised(task, inputs, config.training, run);
    return { network, normalization: prepared.normalization, targetScale: prepared.targetScale, split, phases: { main: result }, finalPhase: 'main' };
  } catch (err) {
    network.dispose();
    throw err;
  }
}

/**
 * The reference's mixture: expert k trains on its own slice (in data order) of
 * the first `expertDataFraction` of the samples; then a gate learns to weigh
 * the experts on the first `gateTrainFraction`, validated on the rest.
 */
async function trainMixture(data: TrainingData, targets: Targets, config: TrainConfig, run: SupervisedRunOptions): Promise<Trained> {
  const moe = config.moe;
  if (!moe) throw new Error('a mixture needs its moe configuration');
  const groups = samplesInDataOrder(data);
  const sampleCount = groups.length;
  const perExpert = moe.expertDataFraction / moe.experts;
  const gateSplit = splitGroups(groups, 1 - moe.gateTrainFraction);
  const prepared = prepareInputs(data, targets, config, gateSplit.train);
  const network = buildMixture(
    { type: 'moe', seqLen: data.seqLen, inFeatures: data.featureCount, experts: Array.from({ length: moe.experts }, (): RegressorSpec => moe.expert), gateHidden: moe.gateHidden },
    config.seed,
  );
  const phases: Record<string, SupervisedResult> = {};
  const total = moe.experts + 1;
  const base = {
    seqLen: data.seqLen,
    featureCount: data.featureCount,
    windows: prepared.windows,
    targets: prepared.targets,
    targetWidth: prepared.targetWidth,
    targetScale: prepared.targetScale,
  };
  try {
    for (let k = 0; k < moe.experts; k++) {
      const slice = groups.slice(Math.floor(sampleCount * k * perExpert), Math.floor(sampleCount * (k + 1) * perExpert));
      if (slice.length < 2) throw new Error(`${sampleCount} samples are too few for ${moe.experts} experts on ${moe.expertDataFraction * 100}% of the data`);
      const split = splitGroups(slice, 1 - moe.expertTrainFraction);
      const expert = network.experts[k];
      run.onEvent?.({ type: 'phase', phase: `expert${k}`, elapsedSec: totalSeconds(phases), index: k, total, description: `expert ${k + 1} of ${moe.experts}: ${slice.length} samples` });
      phases[`expert${k}`] = await runSupervised(
        {
          phase: `expert${k}`,
          params: expert.params,
          trainable: expert.params.trainable(),
          forward: (x, _rows, ctx) => expert.apply(x, ctx),
          replica: { spec: moe.expert },
        },
        { ...base, train: split.train, heldOut: split.heldOut },
        moe.expertTraining,
        run,
      );
    }
    run.onEvent?.({ type: 'phase', phase: 'gate', elapsedSec: totalSeconds(phases), index: moe.experts, total, description: `gate over ${moe.experts} experts` });
    phases.gate = await runSupervised(gateTask(network, moe.finetuneExperts, base), { ...base, train: gateSplit.train, heldOut: gateSplit.heldOut }, moe.gateTraining, run);
    return { network, normalization: prepared.normalization, targetScale: prepared.targetScale, split: gateSplit, phases, finalPhase: 'gate' };
  } catch (err) {
    network.dispose();
    throw err;
  }
}

/**
 * Frozen experts are evaluated once for every row; the gate then trains on
 * their outputs ([rows, E] or, for experts of `width` outputs, [rows, E, width]).
 */
function gateTask(network: MixtureNetwork, finetune: boolean, inputs: Pick<SupervisedInputs, 'windows' | 'seqLen' | 'featureCount' | 'targetWidth'>): SupervisedTask {
  const gateParams = network.params.trainable().filter((p) => p.name.startsWith('gate/'));
  if (finetune) {
    return { phase: 'gate', params: network.params, trainable: network.params.trainable(), forward: (x, _rows, ctx) => network.apply(x, ctx) };
  }
  const k = network.experts.length;
  const width = inputs.targetWidth ?? 1;
  const per = k * width;
  const rows = inputs.windows.length / (inputs.seqLen * inputs.featureCount);
  const all = Uint32Array.from({ length: rows }, (_, i) => i);
  const outputs = new Float32Array(rows * per);
  network.experts.forEach((expert, e) => {
    const predictions = predictRows({ forward: (x, _r, ctx) => expert.apply(x, ctx) }, inputs, all, 256, width);
    for (let i = 0; i < rows; i++) outputs.set(predictions.subarray(i * width, (i + 1) * width), i * per + e * width);
  });
  return {
    phase: 'gate',
    params: network.params,
    trainable: gateParams,
    forward: (x, batchRows) => {
      const picked = new Float32Array(batchRows.length * per);
      for (let i = 0; i < batchRows.length; i++) picked.set(outputs.subarray(batchRows[i] * per, (batchRows[i] + 1) * per), i * per);
      return network.mix(x, width === 1 ? tf.tensor2d(picked, [batchRows.length, k]) : tf.tensor3d(picked, [batchRows.length, k, width]));
    },
  };
}

/**
 * Held-out scores of a wait-risk network, as the wait-risk model reports
 * them: log loss and Brier score of "submitting at this probe still
 * interrupts" (W > the row's own time left), and that event's share. The
 * risk comes from the predictor validation uses, on the raw windows.
 */
function heldOutRiskScores(data: TrainingData, trained: Trained, manifest: ModelManifest): Record<string, number> {
  const rows = trained.split.heldOut;
  const waits = data.waitSeconds;
  if (rows.length === 0 || !waits) return {};
  // Not disposed here: the predictor wraps the trained network, which trainModel disposes.
  const predictor = predictorFor(trained.network, manifest);
  const window = data.seqLen * data.featureCount;
  const col = columnIndex(data.featureNames, 'training data');
  const chunk = 512;
  const scores = new RiskScores();
  for (let from = 0; from < rows.length; from += chunk) {
    const part = rows.subarray(from, Math.min(rows.length, from + chunk));
    const risk = predictor.predictRisk!(gatherWindows(data.features, part, window), part.length);
    for (let j = 0; j < part.length; j++) {
      const i = part[j];
      const left = timeToPredEndHours(data.features, i * window + (data.seqLen - 1) * data.featureCount, col);
      scores.add(risk[j], waits[i] / 3600 > left);
    }
  }
  return scores.metrics();
}

function totalSeconds(phases: Record<string, SupervisedResult>): number {
  return Object.values(phases).reduce((s, p) => s + p.trainSeconds, 0);
}

function buildManifest(data: TrainingData, config: TrainConfig, backend: BackendInfo, trained: Trained): ModelManifest {
  const final = trained.phases[trained.finalPhase];
  const metrics: Record<string, number> = {
    trainSeconds: totalSeconds(trained.phases),
    epochs: final.epochsRun,
    steps: Object.values(trained.phases).reduce((s, p) => s + p.steps, 0),
    samplesPerSec: final.samplesPerSec,
    parameters: trained.network.params.count(),
  };
  if (final.bestEpoch !== null) metrics.bestEpoch = final.bestEpoch;
  if (final.final.heldOutMaeHours !== null) metrics.heldOutMaeHours = final.final.heldOutMaeHours;
  if (final.final.heldOutRmseHours !== null) metrics.heldOutRmseHours = final.final.heldOutRmseHours;
  if (final.final.heldOutLoss !== null) metrics.heldOutLoss = final.final.heldOutLoss;
  const last = final.history.at(-1);
  if (last) metrics.trainLoss = last.trainLoss;
  for (const [phase, result] of Object.entries(trained.phases)) {
    if (phase !== trained.finalPhase && result.final.heldOutMaeHours !== null) metrics[`${phase}HeldOutMaeHours`] = result.final.heldOutMaeHours;
  }
  const t = config.kind === 'moe' && config.moe ? config.moe.gateTraining : config.training;
  return {
    schemaVersion: MODEL_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: config.kind,
    network: trained.network.spec,
    input: { featureMode: data.featureMode, featureNames: [...data.featureNames], seqLen: data.seqLen, normalization: trained.normalization },
    target:
      config.target === 'wait-risk'
        ? { unit: 'hours', scale: trained.targetScale, predicts: 'wait-risk', thresholdsHours: [...RISK_THRESHOLDS_HOURS] }
        : { unit: 'hours', scale: trained.targetScale },
    dataset: {
      hash: data.datasetHash,
      rows: rowCount(data),
      samples: samplesInDataOrder(data).length,
      trainRows: trained.split.train.length,
      heldOutRows: trained.split.heldOut.length,
    },
    hyperParameters: {
      preset: config.preset,
      seed: config.seed,
      normalization: config.normalization,
      standardizeTarget: config.standardizeTarget,
      heldOutFraction: config.heldOutFraction,
      epochs: t.epochs,
      batchSize: t.batchSize,
      learningRate: t.learningRate,
      schedule: t.schedule,
      loss: t.loss,
      clipNorm: t.clipNorm,
      weightDecay: t.weightDecay,
      patience: t.patience,
      ...(config.moe
        ? {
            experts: config.moe.experts,
            expertEpochs: config.moe.expertTraining.epochs,
            expertLearningRate: config.moe.expertTraining.learningRate,
            finetuneExperts: config.moe.finetuneExperts,
          }
        : {}),
    },
    metrics,
    backend: backend.description,
  };
}
