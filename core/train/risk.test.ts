import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { readManifest } from '../model/io.js';
import { MODEL_MANIFEST_FILE, ModelManifestSchema, targetModeOf } from '../model/manifest.js';
import { loadModel } from '../model/predictor.js';
import { createRng } from '../model/rng.js';
import { survivalFromLogits, waitQuantileHours } from '../model/risk-output.js';
import type { MlpSpec } from '../model/spec.js';
import { RISK_THRESHOLDS_HOURS, riskAt } from '../model/wait-risk.js';
import { FEATURE_NAMES } from '../sim/features.js';
import type { TrainConfig } from './config.js';
import { resolveTrainConfig } from './config.js';
import type { TrainingData } from './data.js';
import { splitBySampleTime, waitExceedsLabels } from './data.js';
import { trainModel } from './train.js';

/**
 * Wait-risk networks on a set whose answer is known: the successor's wait is
 * half the newest snapshot's pending_count, in hours (0 .. 15 h), so
 * P(W > tau) is 1 where pending_count > 2 tau and 0 elsewhere.
 */
const SEQ = 4;
const F = FEATURE_NAMES.length;
const K = RISK_THRESHOLDS_HOURS.length;
const col = (name: string): number => FEATURE_NAMES.indexOf(name);
const LIMIT_MIN = 2880;

/** Raw windows whose snapshots all hold this queue length and this time left until pred ends. */
function windowsOf(rows: { pending: number; leftHours: number }[]): Float32Array {
  const w = new Float32Array(rows.length * SEQ * F);
  rows.forEach(({ pending, leftHours }, k) => {
    for (let t = 0; t < SEQ; t++) {
      const at = (k * SEQ + t) * F;
      w[at + col('pending_count')] = pending;
      w[at + col('pred_limit_min')] = LIMIT_MIN;
      w[at + col('pred_run_s')] = LIMIT_MIN * 60 - leftHours * 3600;
      w[at + col('succ_nodes')] = 1;
    }
  });
  return w;
}

function knownWaitData(samples: number, probes: number): TrainingData {
  const rng = createRng(5, 'risk-test');
  const rows: { pending: number; leftHours: number }[] = [];
  for (let i = 0; i < samples * probes; i++) rows.push({ pending: Math.floor(rng.next() * 31), leftHours: Math.round(rng.next() * 20 * 6) / 6 });
  const waitSeconds = Float64Array.from(rows, (r) => (r.pending / 2) * 3600);
  return {
    features: windowsOf(rows),
    rewardsSeconds: Float32Array.from(rows, (r, i) => waitSeconds[i] - r.leftHours * 3600),
    waitSeconds,
    sampleIndex: Int32Array.from(rows, (_, i) => Math.floor(i / probes)),
    sampleStartSec: Float64Array.from(rows, (_, i) => 1_667_260_800 + Math.floor(i / probes) * 4 * 3600),
    probe: Int32Array.from(rows, (_, i) => i % probes),
    seqLen: SEQ,
    featureCount: F,
    featureMode: 'decision',
    featureNames: [...FEATURE_NAMES],
    datasetHash: 'known-wait',
  };
}

const mlp = (hidden: number[]): MlpSpec => ({ type: 'mlp', seqLen: SEQ, inFeatures: F, lastSteps: 1, hidden, dropout: 0, outputs: K });

function riskConfig(kind: 'default' | 'moe', epochs: number): TrainConfig {
  const config = resolveTrainConfig(kind, null, 1, { seqLen: SEQ, inFeatures: F }, { target: 'wait-risk', epochs, patience: null, experts: 2, gateEpochs: 3 });
  config.network = mlp([32]);
  config.training = { ...config.training, learningRate: 1e-2, warmupSteps: 0, batchSize: 32 };
  if (config.moe) {
    config.moe.expert = mlp([16]);
    config.moe.expertDataFraction = 1;
    config.moe.expertTraining = { ...config.moe.expertTraining, epochs, learningRate: 1e-2, warmupSteps: 0, batchSize: 32, patience: null };
    config.moe.gateTraining = { ...config.moe.gateTraining, warmupSteps: 0, patience: null };
  }
  return config;
}

const data = knownWaitData(80, 4);
let root: string;
let modelDir: string;
beforeAll(async () => {
  await initBackend((process.env.MIRAGE_TEST_BACKEND as 'cpu' | 'wasm' | undefined) ?? 'wasm');
  root = await mkdtemp(path.join(tmpdir(), 'mirage-risk-'));
  modelDir = path.join(root, 'default');
  await trainModel(data, { kind: 'default', outDir: modelDir, config: riskConfig('default', 80) });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the wait-risk target of the neural models', () => {
  it('gives one logit per wait threshold, trained with cross-entropy; the reward target is unchanged', () => {
    const risk = resolveTrainConfig('default', null, 0, { seqLen: 144, inFeatures: 42 }, { target: 'wait-risk' });
    expect(risk.target).toBe('wait-risk');
    expect(risk.network).toMatchObject({ type: 'transformer', outputs: K });
    expect(risk.training.loss).toBe('bce');
    const moe = resolveTrainConfig('moe', null, 0, { seqLen: 144, inFeatures: 42 }, { target: 'wait-risk' });
    expect(moe.moe!.expert.outputs).toBe(K);
    expect([moe.moe!.expertTraining.loss, moe.moe!.gateTraining.loss]).toEqual(['bce', 'bce']);
    const reward = resolveTrainConfig('default', null, 0, { seqLen: 144, inFeatures: 42 });
    expect(reward.target).toBe('reward');
    expect(reward.network).not.toHaveProperty('outputs');
    expect(reward.training.loss).toBe('l1');
    expect(() => resolveTrainConfig('default', null, 0, { seqLen: 144, inFeatures: 42 }, { target: 'wait-risk', loss: 'mse' })).toThrow(/binary cross-entropy/);
  });

  it('labels each row 1 where its wait exceeds the threshold, and refuses data without waits', () => {
    const labels = waitExceedsLabels({ ...data, waitSeconds: [0, 1800, 7200] }, [0.25, 1]);
    expect([...labels]).toEqual([0, 0, 1, 0, 1, 1]);
    expect(() => waitExceedsLabels({ ...data, waitSeconds: undefined }, [1])).toThrow(/successor wait/);
    expect(() => waitExceedsLabels({ ...data, waitSeconds: [Number.NaN] }, [1])).toThrow(/row 0 has a successor wait of NaN/);
  });

  it('keeps the survival function non-increasing in tau, whatever the logits', () => {
    const rng = createRng(11, 'logits');
    for (let trial = 0; trial < 200; trial++) {
      const logits = Array.from({ length: K }, () => (rng.next() - 0.5) * 20);
      const p = survivalFromLogits(logits, 0, K);
      expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-logits[0])), 12);
      for (let k = 1; k < K; k++) {
        expect(p[k]).toBeLessThanOrEqual(p[k - 1]);
        expect(p[k]).toBeGreaterThanOrEqual(0);
      }
    }
    // Already decreasing logits stay as they are.
    expect(survivalFromLogits([2, 0, -2], 0, 3)).toEqual([2, 0, -2].map((z) => 1 / (1 + Math.exp(-z))));
  });

  it('learns P(W > tau) where the answer is known: near 1 above the threshold, near 0 below', async () => {
    const model = await loadModel(modelDir);
    expect(model.predictHours).toBeUndefined();
    const split = splitBySampleTime(data, 0.2);
    let right = 0;
    let scored = 0;
    for (const i of split.heldOut) {
      const waitHours = data.waitSeconds![i] / 3600;
      // A window with no time left reads P(W > the first threshold); the survival function itself is what the risk is read from.
      for (let k = 0; k < K; k++) {
        const tau = RISK_THRESHOLDS_HOURS[k];
        if (Math.abs(waitHours - tau) < 1) continue;
        const leftHours = tau;
        const [p] = model.predictRisk!(windowsOf([{ pending: data.features[i * SEQ * F + col('pending_count')], leftHours }]), 1);
        scored++;
        if (waitHours > tau ? p > 0.8 : p < 0.2) right++;
      }
    }
    expect(scored).toBeGreaterThan(200);
    expect(right / scored).toBeGreaterThan(0.95);
    // Read at the exact time left from the pred tuple: a 10 h wait interrupts with 1 h left, not with 19 h left.
    const [busySoon, busyLater, idleSoon] = model.predictRisk!(windowsOf([{ pending: 20, leftHours: 1 }, { pending: 20, leftHours: 19 }, { pending: 0, leftHours: 1 }]), 3);
    expect(busySoon).toBeGreaterThan(0.9);
    expect(busyLater).toBeLessThan(0.1);
    expect(idleSoon).toBeLessThan(0.1);
    model.dispose();
  });

  it("gives a survival function that never rises in tau, whose median is the known wait", async () => {
    const model = await loadModel(modelDir);
    const pendings = Array.from({ length: 31 }, (_, p) => p);
    const survival = model.predictSurvival!(windowsOf(pendings.map((pending) => ({ pending, leftHours: 2 }))), pendings.length);
    expect(survival).toHaveLength(pendings.length * K);
    for (let r = 0; r < pendings.length; r++) for (let k = 1; k < K; k++) expect(survival[r * K + k]).toBeLessThanOrEqual(survival[r * K + k - 1]);
    // pending 20: W = 10 h, between the thresholds 8 and 12 h; pending 3: W = 1.5 h, between 1 and 2 h.
    const median = (r: number): number => waitQuantileHours(RISK_THRESHOLDS_HOURS, Array.from(survival.subarray(r * K, (r + 1) * K)), 0.5);
    expect(median(20)).toBeGreaterThan(8);
    expect(median(20)).toBeLessThan(12);
    expect(median(3)).toBeGreaterThan(1);
    expect(median(3)).toBeLessThan(2);
    model.dispose();
  });

  it('reads quantiles where the survival function crosses 1 - q, as riskAt reads it', () => {
    const tau = [1, 3, 7];
    // Halfway in log1p between 1 h and 3 h: S falls from 0.8 to 0.2, so the median lies midway, at 2 sqrt 2 - 1 h.
    expect(waitQuantileHours(tau, [0.8, 0.2, 0.1], 0.5)).toBeCloseTo(2 * Math.SQRT2 - 1, 12);
    expect(riskAt(tau, [0.8, 0.2, 0.1], waitQuantileHours(tau, [0.8, 0.2, 0.1], 0.3))).toBeCloseTo(0.7, 12);
    expect(waitQuantileHours(tau, [0.4, 0.2, 0.1], 0.5)).toBe(1);
    expect(waitQuantileHours(tau, [0.9, 0.8, 0.6], 0.5)).toBe(Infinity);
    expect(() => waitQuantileHours(tau, [0.9, 0.8, 0.6], 1)).toThrow(/0 < q < 1/);
  });

  it('records the target in the manifest, which reads back as written; older manifests read as reward models', async () => {
    const manifest = await readManifest(modelDir);
    expect(manifest.target).toEqual({ unit: 'hours', scale: { mean: 0, std: 1 }, predicts: 'wait-risk', thresholdsHours: [...RISK_THRESHOLDS_HOURS] });
    expect(manifest.network).toMatchObject({ type: 'mlp', outputs: K });
    expect(manifest.hyperParameters.loss).toBe('bce');
    // Scored as the wait-risk model is: at each held-out row's own time left.
    expect(manifest.metrics.heldOutLogLoss).toBeLessThan(0.3);
    expect(manifest.metrics.heldOutBrier).toBeLessThan(0.08);
    expect(manifest.metrics).not.toHaveProperty('heldOutMaeHours');
    const onDisk = JSON.parse(await readFile(path.join(modelDir, MODEL_MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    expect(ModelManifestSchema.parse(onDisk)).toEqual(manifest);

    const { predicts: _p, thresholdsHours: _t, ...old } = manifest.target;
    expect(targetModeOf(ModelManifestSchema.parse({ ...manifest, target: old }))).toBe('reward');
    expect(ModelManifestSchema.safeParse({ ...manifest, target: { ...old, predicts: 'wait-risk' } }).success).toBe(false);
    expect(ModelManifestSchema.safeParse({ ...manifest, target: { ...manifest.target, thresholdsHours: [1, 0.5] } }).success).toBe(false);

    // A manifest that calls the 13-output network a reward regressor is refused by name.
    const wrong = path.join(root, 'wrong');
    await cp(modelDir, wrong, { recursive: true });
    await writeFile(path.join(wrong, MODEL_MANIFEST_FILE), JSON.stringify({ ...manifest, target: old }));
    await expect(loadModel(wrong)).rejects.toThrow(/gives 13 output\(s\) per window, the manifest's target names 1/);
  });

  it('trains a mixture whose gate mixes the experts\' K outputs', async () => {
    const dir = path.join(root, 'moe');
    const result = await trainModel(knownWaitData(24, 4), { kind: 'moe', outDir: dir, config: riskConfig('moe', 4) });
    expect(result.manifest.network).toMatchObject({ type: 'moe', experts: [{ outputs: K }, { outputs: K }] });
    expect(Object.keys(result.phases)).toEqual(['expert0', 'expert1', 'gate']);
    const model = await loadModel(dir);
    const risk = model.predictRisk!(windowsOf([{ pending: 30, leftHours: 0.5 }, { pending: 0, leftHours: 0.5 }]), 2);
    for (const p of risk) expect(p >= 0 && p <= 1).toBe(true);
    model.dispose();
  }, 120_000);
});
