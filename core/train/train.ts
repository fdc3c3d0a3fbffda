/**
 * Training entry for the regressors (transformer, default, moe): takes data in
 * memory, trains, saves the model folder, returns its manifest and history.
 * The CLI adapts a dataset folder to TrainingData; tests build it in memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { BackendChoice, BackendInfo } from '../model/backend.js';
import { ensureBackend } from '../model/backend.js';
import { saveManifest, saveNetworkFiles } from '../model/io.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { ModelKind, ModelManifest } from '../model/manifest.js';
import { MODEL_SCHEMA_VERSION } from '../model/manifest.js';
import type { MixtureNetwork, Network } from '../model/networks.js';
import { buildMixture, buildRegressor } from '../model/networks.js';
import type { Normalization, TargetScaleInfo } from '../model/normalize.js';
import { fitNormalization, fitTargetScale, normalizeInto } from '../model/normalize.js';
import type { RegressorSpec } from '../model/spec.js';
import type { WorkOptions } from '../progress.js';
import { CHECKPOINT_DIR, clearCheckpoints } from './checkpoint.js';
import type { Preset, TrainConfig, TrainOverrides } from './config.js';
import { TrainConfigSchema, resolveTrainConfig } from './config.js';
import type { RowSplit, TrainingData } from './data.js';
import { rewardsHours, rowCount, samplesInDataOrder, splitBySampleTime, splitGroups, validateTrainingData } from './data.js';
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
  await prepareRunFolder(request.outDir, config, data.datasetHash, request.resume ?? false);

  const hours = rewardsHours(data);
  const run: SupervisedRunOptions = {
    seed: config.seed,
    outDir: request.outDir,
    resume: request.resume ?? false,
    backend: backend.description,
    modelKind: config.kind,
    onEvent: options.onEvent,
    onProgress: options.onProgress,
    signal: options.signal,
    stepEventIntervalMs: options.stepEventIntervalMs,
  };

  const trained = config.kind === 'moe' ? await trainMixture(data, hours, config, run) : await trainSingle(data, hours, config, run);
  try {
    const manifest = buildManifest(data, config, backend, trained);
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
  /** The phase whose validation figures describe the model. */
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

/** Normalises every window with statistics fitted on the training rows. */
function prepareInputs(data: TrainingData, hours: Float32Array, config: TrainConfig, fitRows: Uint32Array) {
  const normalization = fitNormalization(data.features, fitRows, data.seqLen, data.featureCount, config.normalization);
  const targetScale = fitTargetScale(hours, fitRows, config.standardizeTarget);
  const windows = new Float32Array(data.features.length);
  normalizeInto(data.features, windows, normalization);
  const targets = new Float32Array(hours.length);
  for (let i = 0; i < hours.length; i++) targets[i] = (hours[i] - targetScale.mean) / targetScale.std;
  return { normalization, targetScale, windows, targets };
}

async function trainSingle(data: TrainingData, hours: Float32Array, config: TrainConfig, run: SupervisedRunOptions): Promise<Trained> {
  const split = splitBySampleTime(data, config.heldOutFraction);
  const prepared = prepareInputs(data, hours, config, split.train);
  const network = buildRegressor(config.network, config.seed);
  try {
    const task: SupervisedTask = {
      phase: 'main',
      params: network.params,
      trainable: network.params.trainable(),
      forward: (x, _rows, ctx) => network.apply(x, ctx) as tf.Tensor1D,
    };
    const inputs: SupervisedInputs = { ...prepared, seqLen: data.seqLen, featureCount: data.featureCount, train: split.train, validation: split.validation };
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
async function trainMixture(data: TrainingData, hours: Float32Array, config: TrainConfig, run: SupervisedRunOptions): Promise<Trained> {
  const moe = config.moe;
  if (!moe) throw new Error('a mixture needs its moe configuration');
  const groups = samplesInDataOrder(data);
  const sampleCount = groups.length;
  const perExpert = moe.expertDataFraction / moe.experts;
  const gateSplit = splitGroups(groups, 1 - moe.gateTrainFraction);
  const prepared = prepareInputs(data, hours, config, gateSplit.train);
  const network = buildMixture(
    { type: 'moe', seqLen: data.seqLen, inFeatures: data.featureCount, experts: Array.from({ length: moe.experts }, (): RegressorSpec => moe.expert), gateHidden: moe.gateHidden },
    config.seed,
  );
  const phases: Record<string, SupervisedResult> = {};
  const total = moe.experts + 1;
  const base = { seqLen: data.seqLen, featureCount: data.featureCount, windows: prepared.windows, targets: prepared.targets, targetScale: prepared.targetScale };
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
          forward: (x, _rows, ctx) => expert.apply(x, ctx) as tf.Tensor1D,
        },
        { ...base, train: split.train, validation: split.validation },
        moe.expertTraining,
        run,
      );
    }
    run.onEvent?.({ type: 'phase', phase: 'gate', elapsedSec: totalSeconds(phases), index: moe.experts, total, description: `gate over ${moe.experts} experts` });
    phases.gate = await runSupervised(gateTask(network, moe.finetuneExperts, base), { ...base, train: gateSplit.train, validation: gateSplit.validation }, moe.gateTraining, run);
    return { network, normalization: prepared.normalization, targetScale: prepared.targetScale, split: gateSplit, phases, finalPhase: 'gate' };
  } catch (err) {
    network.dispose();
    throw err;
  }
}

/** Frozen experts are evaluated once for every row; the gate then trains on their outputs. */
function gateTask(network: MixtureNetwork, finetune: boolean, inputs: Pick<SupervisedInputs, 'windows' | 'seqLen' | 'featureCount'>): SupervisedTask {
  const gateParams = network.params.trainable().filter((p) => p.name.startsWith('gate/'));
  if (finetune) {
    return { phase: 'gate', params: network.params, trainable: network.params.trainable(), forward: (x, _rows, ctx) => network.apply(x, ctx) as tf.Tensor1D };
  }
  const k = network.experts.length;
  const rows = inputs.windows.length / (inputs.seqLen * inputs.featureCount);
  const all = Uint32Array.from({ length: rows }, (_, i) => i);
  const outputs = new Float32Array(rows * k);
  network.experts.forEach((expert, e) => {
    const predictions = predictRows({ forward: (x, _r, ctx) => expert.apply(x, ctx) as tf.Tensor1D }, inputs, all);
    for (let i = 0; i < rows; i++) outputs[i * k + e] = predictions[i];
  });
  return {
    phase: 'gate',
    params: network.params,
    trainable: gateParams,
    forward: (x, batchRows) => {
      const picked = new Float32Array(batchRows.length * k);
      for (let i = 0; i < batchRows.length; i++) picked.set(outputs.subarray(batchRows[i] * k, (batchRows[i] + 1) * k), i * k);
      return network.mix(x, tf.tensor2d(picked, [batchRows.length, k]));
    },
  };
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
  if (final.final.valMaeHours !== null) metrics.valMaeHours = final.final.valMaeHours;
  if (final.final.valRmseHours !== null) metrics.valRmseHours = final.final.valRmseHours;
  if (final.final.valLoss !== null) metrics.valLoss = final.final.valLoss;
  const last = final.history.at(-1);
  if (last) metrics.trainLoss = last.trainLoss;
  for (const [phase, result] of Object.entries(trained.phases)) {
    if (phase !== trained.finalPhase && result.final.valMaeHours !== null) metrics[`${phase}ValMaeHours`] = result.final.valMaeHours;
  }
  const t = config.kind === 'moe' && config.moe ? config.moe.gateTraining : config.training;
  return {
    schemaVersion: MODEL_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kind: config.kind,
    network: trained.network.spec,
    input: { featureMode: data.featureMode, featureNames: [...data.featureNames], seqLen: data.seqLen, normalization: trained.normalization },
    target: { unit: 'hours', scale: trained.targetScale },
    dataset: {
      hash: data.datasetHash,
      rows: rowCount(data),
      samples: samplesInDataOrder(data).length,
      trainRows: trained.split.train.length,
      validationRows: trained.split.validation.length,
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
