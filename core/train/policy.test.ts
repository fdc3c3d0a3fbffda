import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { saveManifest, saveNetworkFiles } from '../model/io.js';
import type { ModelManifest } from '../model/manifest.js';
import { identityNormalization } from '../model/normalize.js';
import { loadModel } from '../model/predictor.js';
import { createRng } from '../model/rng.js';
import type { MlpSpec } from '../model/spec.js';
import { loadCheckpoint } from './checkpoint.js';
import type { EnvStep, EpisodeEnv, PolicyConfig } from './policy.js';
import { advantagesOf, episodeReturn, regressorRuleHead, rewardsToGo, runningMeanBaseline, trainPolicy } from './policy.js';

const SEQ = 4;
const FEATURES = 3;

/**
 * A toy chain: the ideal submit step T is drawn per episode; at step t the
 * window's newest snapshot says t - T (what a perfect regressor would predict
 * in hours), and submitting at t earns reward t - T hours.
 */
function toyEnv(): EpisodeEnv {
  let t = 0;
  let ideal = 0;
  const observe = (): EnvStep => {
    if (t >= 30) return { done: true, rewardHours: t - ideal };
    const window = new Float32Array(SEQ * FEATURES);
    window[(SEQ - 1) * FEATURES] = t - ideal;
    window[(SEQ - 1) * FEATURES + 1] = 1;
    return { done: false, window };
  };
  return {
    reset(seed) {
      t = 0;
      ideal = 4 + Math.floor(createRng(seed).next() * 12);
      return observe();
    },
    step(submit) {
      if (submit) return { done: true, rewardHours: t - ideal };
      t += 1;
      return observe();
    },
  };
}

/** A one-layer regressor that reads the newest snapshot's first feature: a perfect predictor for the toy chain. */
async function writeBaseModel(dir: string): Promise<void> {
  const spec: MlpSpec = { type: 'mlp', seqLen: SEQ, inFeatures: FEATURES, lastSteps: 1, hidden: [], dropout: 0 };
  await saveNetworkFiles(dir, spec, [
    { name: 'dense0/kernel', shape: [FEATURES, 1], values: Float32Array.from([1, 0, 0]) },
    { name: 'dense0/bias', shape: [1], values: Float32Array.from([0]) },
  ]);
  const manifest: ModelManifest = {
    schemaVersion: 1,
    tool: { name: 'test', version: '0' },
    kind: 'default',
    network: spec,
    input: { featureMode: 'decision', featureNames: ['a', 'b', 'c'], seqLen: SEQ, normalization: identityNormalization(FEATURES) },
    target: { unit: 'hours', scale: { mean: 0, std: 1 } },
    dataset: null,
    hyperParameters: {},
    metrics: {},
    backend: 'test',
  };
  await saveManifest(dir, manifest);
}

const config: PolicyConfig = { seed: 5, updates: 25, episodesPerUpdate: 16, learningRate: 0.1, gamma: 0.99, entropyBonus: 0.01, rewardScale: 1, overlapHoursPerInterruptionHour: 1, baseline: 'batch', initialHead: 'random' };

let root: string;
let baseDir: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(path.join(tmpdir(), 'mirage-policy-'));
  baseDir = path.join(root, 'base');
  await writeBaseModel(baseDir);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('REINFORCE pieces', () => {
  it('discounts rewards-to-go and uses the running mean of the rewards as baseline', () => {
    expect(rewardsToGo([0, 0, -10], 0.5)).toEqual([-2.5, -5, -10]);
    expect(runningMeanBaseline([0, 0, -9])).toEqual([0, 0, -3]);
  });

  it('weights the reference episode (wait, wait, submit) by discounted return minus running mean', () => {
    const adv = advantagesOf([{ actions: [0, 0, 1], rewardHours: 2 }], { gamma: 0.5, rewardScale: 60, overlapHoursPerInterruptionHour: 1, baseline: 'reference' });
    expect(adv).toEqual([[-30, -60, -120 + 40]]);
  });

  it('centres advantages on the batch at each step with the batch baseline', () => {
    const adv = advantagesOf(
      [
        { actions: [1], rewardHours: 1 },
        { actions: [1], rewardHours: 3 },
      ],
      { gamma: 1, rewardScale: 1, overlapHoursPerInterruptionHour: 1, baseline: 'batch' },
    );
    expect(adv).toEqual([[1], [-1]]);
  });

  it("charges an episode the user's cost: its interruption, or its overlap over R (R = 1: the reference's |reward|)", () => {
    // 2 h of interruption cost 2 h whatever R; 3 h of overlap cost 3 h at R = 1, 0.75 h at R = 4.
    const scaled = (rewardHours: number, r: number): number => episodeReturn(rewardHours, { rewardScale: 60, overlapHoursPerInterruptionHour: r });
    expect([scaled(2, 1), scaled(2, 4), scaled(-3, 1), scaled(-3, 4), scaled(0, 4)]).toEqual([-120, -120, -180, -45, -0]);
    // (wait, submit), gamma 1, scale 60, reference baseline: returns-to-go [G, G] minus running means [0, G / 2].
    const episodes = [
      { actions: [0, 1], rewardHours: 2 },
      { actions: [0, 1], rewardHours: -3 },
    ];
    const at = (r: number) => advantagesOf(episodes, { gamma: 1, rewardScale: 60, overlapHoursPerInterruptionHour: r, baseline: 'reference' });
    expect(at(1)).toEqual([
      [-120, -60],
      [-180, -90],
    ]);
    expect(at(4)).toEqual([
      [-120, -60],
      [-45, -22.5],
    ]);
  });

  it('gives each played episode its cost as its return', async () => {
    // One decision, then the episode ends with a fixed outcome: 3 h of overlap.
    const fixed = (): EpisodeEnv => ({
      reset: () => ({ done: false, window: new Float32Array(SEQ * FEATURES) }),
      step: () => ({ done: true, rewardHours: -3 }),
    });
    const returnsAt = async (r: number): Promise<number[]> => {
      const returns: number[] = [];
      const outDir = path.join(root, `fixed-${r}`);
      const result = await trainPolicy(
        fixed,
        { baseDir, outDir, config: { ...config, updates: 1, episodesPerUpdate: 2, rewardScale: 60, overlapHoursPerInterruptionHour: r } },
        { onEvent: (e) => (e.type === 'episode' ? returns.push(e.episodeReturn) : undefined) },
      );
      expect(result.history[0].meanReturn).toBe(r === 1 ? -180 : -45);
      return returns;
    };
    expect(await returnsAt(1)).toEqual([-180, -180]);
    expect(await returnsAt(4)).toEqual([-45, -45]);
  });
});

describe('the policy agent', () => {
  it('learns to submit when its base predicts an interruption, and saves a policy model', async () => {
    const outDir = path.join(root, 'policy');
    const before = tf.memory().numTensors;
    const result = await trainPolicy(toyEnv, { baseDir, outDir, config });
    expect(tf.memory().numTensors).toBe(before);
    const first = result.history[0].meanAbsRewardHours;
    const last = result.history.slice(-3).reduce((s, h) => s + h.meanAbsRewardHours, 0) / 3;
    expect(last).toBeLessThan(0.4 * first);

    const model = await loadModel(outDir);
    expect(model.kind).toBe('policy');
    const windows = new Float32Array(2 * SEQ * FEATURES);
    windows[(SEQ - 1) * FEATURES] = -6; // six hours too early: wait
    windows[SEQ * FEATURES + (SEQ - 1) * FEATURES] = 3; // three hours late: submit
    const probs = model.actionProbabilities!(windows, 2);
    expect(probs[1]).toBeLessThan(0.5);
    expect(probs[3]).toBeGreaterThan(0.5);
    expect(Array.from(model.predictHours!(windows, 2))).toEqual([-6, 3]);
    model.dispose();
  });

  it("can start from the reference regressor rule: P(submit) = 1/2 where the base's mean prediction is -0.5 h", async () => {
    // k = 2 predictions: each weighs 1/2 in the submit logit, the bias puts the boundary at -0.5 h.
    const head = regressorRuleHead(2);
    expect(Array.from(head.kernel)).toEqual([0, 0.5, 0, 0.5]);
    expect(Array.from(head.bias)).toEqual([0, 0.5]);
    // Trained with a vanishing learning rate, the head stays where it started.
    const outDir = path.join(root, 'rule-start');
    await trainPolicy(toyEnv, { baseDir, outDir, config: { ...config, updates: 1, episodesPerUpdate: 2, learningRate: 1e-12, initialHead: 'regressor-rule' } });
    const model = await loadModel(outDir);
    const windows = new Float32Array(2 * SEQ * FEATURES);
    windows[(SEQ - 1) * FEATURES] = -0.5;
    windows[SEQ * FEATURES + (SEQ - 1) * FEATURES] = 1.5;
    const probs = model.actionProbabilities!(windows, 2);
    expect(probs[1]).toBeCloseTo(0.5, 6);
    expect(probs[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    model.dispose();
  });

  it('resumes from its last update to the same final head', async () => {
    const short = { ...config, updates: 4 };
    const straight = path.join(root, 'straight');
    await trainPolicy(toyEnv, { baseDir, outDir: straight, config: short });
    const interrupted = path.join(root, 'interrupted');
    const controller = new AbortController();
    await expect(
      trainPolicy(toyEnv, { baseDir, outDir: interrupted, config: short }, { signal: controller.signal, onEvent: (e) => (e.type === 'checkpoint' && e.epoch === 2 ? controller.abort() : undefined) }),
    ).rejects.toThrow();
    expect((await loadCheckpoint(interrupted, 'policy'))?.epoch).toBe(2);
    await trainPolicy(toyEnv, { baseDir, outDir: interrupted, config: short, resume: true });
    expect((await readFile(path.join(interrupted, 'weights.bin'))).equals(await readFile(path.join(straight, 'weights.bin')))).toBe(true);
  });
});
