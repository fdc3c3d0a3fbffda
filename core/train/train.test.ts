import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { loadModel } from '../model/predictor.js';
import type { RegressorSpec } from '../model/spec.js';
import { loadCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { resolveTrainConfig } from './config.js';
import { gatherWindows, rewardsHours, splitBySampleTime } from './data.js';
import type { TrainEvent } from './events.js';
import { TrainEventSchema } from './events.js';
import { syntheticTrainingData } from './synthetic.js';
import { trainModel } from './train.js';

const SEQ = 24;
const FEATURES = 6;
const data = syntheticTrainingData({ samples: 72, probes: 4, seqLen: SEQ, featureCount: FEATURES, seed: 3 });

const tinyTransformer = (patchLen: number): RegressorSpec => ({
  type: 'transformer',
  seqLen: SEQ,
  inFeatures: FEATURES,
  patchLen,
  dModel: 16,
  layers: 1,
  heads: 2,
  ffDim: 32,
  dropout: 0,
  positional: patchLen > 1,
  head: 'flatten',
});

function tinyConfig(kind: 'transformer' | 'default' | 'moe', epochs: number, seed = 1): TrainConfig {
  const config = resolveTrainConfig(kind, null, seed, { seqLen: SEQ, inFeatures: FEATURES }, { epochs, experts: 3, gateEpochs: 8, patience: null });
  config.network = tinyTransformer(kind === 'transformer' ? 1 : 6);
  config.training = { ...config.training, warmupSteps: 5, learningRate: 3e-3 };
  if (config.moe) {
    config.moe.expert = tinyTransformer(6);
    config.moe.expertDataFraction = 0.9;
    config.moe.expertTraining = { ...config.moe.expertTraining, epochs, warmupSteps: 5, learningRate: 3e-3, patience: null };
    config.moe.gateTraining = { ...config.moe.gateTraining, warmupSteps: 5, patience: null };
  }
  return config;
}

/** MAE (hours) of always predicting the training rows' mean, on the held-out rows. */
function meanPredictorMae(heldOutFraction: number): number {
  const split = splitBySampleTime(data, heldOutFraction);
  const hours = rewardsHours(data);
  const mean = split.train.reduce((s, r) => s + hours[r], 0) / split.train.length;
  return split.heldOut.reduce((s, r) => s + Math.abs(hours[r] - mean), 0) / split.heldOut.length;
}

let root: string;
beforeAll(async () => {
  await initBackend((process.env.MIRAGE_TEST_BACKEND as 'cpu' | 'wasm' | undefined) ?? 'wasm');
  root = await mkdtemp(path.join(tmpdir(), 'mirage-train-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('splitting by sample time', () => {
  it('keeps every probe of a sample on one side and validates the latest samples', () => {
    const split = splitBySampleTime(data, 0.25);
    const side = new Map<number, string>();
    for (const r of split.train) side.set(data.sampleIndex[r], 'train');
    for (const r of split.heldOut) {
      expect(side.get(data.sampleIndex[r])).not.toBe('train');
      side.set(data.sampleIndex[r], 'validation');
    }
    expect(split.heldOutSamples).toBe(18);
    expect(split.train.length + split.heldOut.length).toBe(72 * 4);
    const lastTrainStart = Math.max(...Array.from(split.train, (r) => data.sampleStartSec[r]));
    const firstValidationStart = Math.min(...Array.from(split.heldOut, (r) => data.sampleStartSec[r]));
    expect(lastTrainStart).toBeLessThan(firstValidationStart);
  });
});

describe('training the regressors on a synthetic target', () => {
  // The mixture's experts each see a third of the data: a weaker learner, as in the reference.
  it.each([
    ['transformer', 12, 0.5],
    ['default', 12, 0.5],
    ['moe', 12, 0.6],
  ] as const)('%s learns the target well beyond the mean predictor', async (kind, epochs, ratio) => {
    const outDir = path.join(root, `learn-${kind}`);
    const events: TrainEvent[] = [];
    const result = await trainModel(data, { kind, outDir, config: tinyConfig(kind, epochs) }, { onEvent: (e) => events.push(e) });
    const mae = result.manifest.metrics.heldOutMaeHours;
    expect(mae).toBeLessThan(ratio * meanPredictorMae(0.2));
    // every event is valid against the schema the GUI reads
    for (const e of events) expect(TrainEventSchema.safeParse(e).success).toBe(true);
    expect(events.filter((e) => e.type === 'epoch').length).toBeGreaterThanOrEqual(epochs);
  });
});

describe('a trained model folder', () => {
  let outDir: string;
  let maeInTraining: number;
  beforeAll(async () => {
    outDir = path.join(root, 'roundtrip');
    const result = await trainModel(data, { kind: 'default', outDir, config: tinyConfig('default', 3) });
    maeInTraining = result.manifest.metrics.heldOutMaeHours;
  });

  it('is TensorFlow.js model.json + weights.bin + mirage-model.json', async () => {
    const modelJson = JSON.parse(await readFile(path.join(outDir, 'model.json'), 'utf8'));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const bytes = modelJson.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    expect((await readFile(path.join(outDir, 'weights.bin'))).length).toBe(bytes);
    const manifest = JSON.parse(await readFile(path.join(outDir, 'mirage-model.json'), 'utf8'));
    expect(manifest.kind).toBe('default');
    expect(manifest.input.featureMode).toBe('decision');
    expect(manifest.input.normalization.mean).toHaveLength(FEATURES);
    expect(manifest.dataset.hash).toBe(data.datasetHash);
  });

  it('loads back and predicts exactly what training measured', async () => {
    const model = await loadModel(outDir);
    const split = splitBySampleTime(data, 0.2);
    const windows = gatherWindows(data.features, split.heldOut, SEQ * FEATURES);
    const predicted = model.predictHours!(windows, split.heldOut.length);
    const again = model.predictHours!(windows, split.heldOut.length);
    expect(Array.from(again)).toEqual(Array.from(predicted));
    const hours = rewardsHours(data);
    const mae = split.heldOut.reduce((s, r, i) => s + Math.abs(predicted[i] - hours[r]), 0) / split.heldOut.length;
    expect(mae).toBeCloseTo(maeInTraining, 5);
    model.dispose();
  });

  it('refuses data of another feature mode or other features', async () => {
    await expect(loadModel(outDir, { expectInput: { featureMode: 'reference', featureNames: data.featureNames } })).rejects.toThrow(
      /trained on 'decision' features and cannot be used with 'reference'/,
    );
    const renamed = [...data.featureNames];
    renamed[2] = 'other';
    await expect(loadModel(outDir, { expectInput: { featureMode: 'decision', featureNames: renamed } })).rejects.toThrow(/feature 2 is 'f2' in the model and 'other'/);
  });
});

describe('checkpoints', () => {
  it('a cancelled run stops within one step, keeps its last checkpoint, and resumes to the same final weights', async () => {
    const config = tinyConfig('default', 4, 9);
    const straight = path.join(root, 'straight');
    await trainModel(data, { kind: 'default', outDir: straight, config });

    const interrupted = path.join(root, 'interrupted');
    const controller = new AbortController();
    let stepsAfterAbort = 0;
    const run = trainModel(
      data,
      { kind: 'default', outDir: interrupted, config },
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step' && controller.signal.aborted) stepsAfterAbort++;
          if (e.type === 'checkpoint' && e.epoch === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toThrow();
    expect(stepsAfterAbort).toBe(0);
    const kept = await loadCheckpoint(interrupted, 'main');
    expect(kept?.epoch).toBe(2);

    await trainModel(data, { kind: 'default', outDir: interrupted, config, resume: true });
    const a = await readFile(path.join(straight, 'weights.bin'));
    const b = await readFile(path.join(interrupted, 'weights.bin'));
    expect(b.equals(a)).toBe(true);
  });

  it('refuses to resume with another configuration', async () => {
    const outDir = path.join(root, 'other-config');
    await trainModel(data, { kind: 'default', outDir, config: tinyConfig('default', 1) });
    await expect(trainModel(data, { kind: 'default', outDir, config: tinyConfig('default', 2), resume: true })).rejects.toThrow(/different configuration/);
  });
});

describe('memory', () => {
  it('keeps the tensor count constant from epoch to epoch and frees everything at the end', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainModel(
      data,
      { kind: 'moe', outDir: path.join(root, 'memory'), config: tinyConfig('moe', 3) },
      { onEvent: (e) => (e.type === 'epoch' && e.phase === 'expert1' ? counts.push(e.numTensors) : undefined) },
    );
    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
