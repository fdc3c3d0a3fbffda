/**
 * The native training step (native/, core/train/native.ts) against the stock
 * tfjs cpu back end: the same dropout uniforms, the same loss and gradients
 * for every transformer shape and loss it takes, and the same 300-step loss
 * curve through runSupervised. CI builds the addon and sets
 * MIRAGE_REQUIRE_NATIVE=1, so a missing build fails there instead of skipping.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { buildRegressor } from '../model/networks.js';
import type { TransformerSpec } from '../model/spec.js';
import { aleaState, NativeStep, nativeStatus, nativeUniforms, transformerParamNames, useBuiltinGemm } from './native.js';
import type { LossName, SupervisedConfig } from './supervised-config.js';
import { lossTensor, runSupervised } from './supervised.js';
import { maxRelDiff, normals as normalsOf, TINY_TRANSFORMER } from '../testing/training.js';

const available = nativeStatus().available;
if (!available && process.env.MIRAGE_REQUIRE_NATIVE === '1') throw new Error(`MIRAGE_REQUIRE_NATIVE=1 but ${nativeStatus().detail}`);

const BASE = TINY_TRANSFORMER;

const normals = (count: number, seed: number): Float32Array => normalsOf(count, seed, 'native-test');

beforeAll(async () => {
  await initBackend('cpu');
});

describe('aleaState', () => {
  it('continues tf.randomUniform: the first uniforms of a seed, computed by hand from the state', () => {
    for (const seed of [0, 1, 12345, 4294967295]) {
      const [s0, s1, s2, c0] = aleaState(seed);
      let state = { s0, s1, s2, c: c0 };
      const ours = Float32Array.from({ length: 5 }, () => {
        const t = 2091639 * state.s0 + state.c * 2.3283064365386963e-10;
        const c = t | 0;
        state = { s0: state.s1, s1: state.s2, s2: t - c, c };
        return state.s2;
      });
      const theirs = tf.tidy(() => tf.randomUniform([5], 0, 1, 'float32', seed).dataSync() as Float32Array);
      expect(Array.from(ours)).toEqual(Array.from(theirs));
    }
  });
});

describe.skipIf(!available)('native step', () => {
  it('draws the uniforms of tf.randomUniform bit for bit, 200,000 a seed (the shortcut for trunc(t) and its rare exception both taken)', () => {
    for (const seed of [3, 2654435769, 4294967295]) {
      const theirs = tf.tidy(() => tf.randomUniform([200_000], 0, 1, 'float32', seed).dataSync() as Float32Array);
      const ours = nativeUniforms(seed, 200_000)!;
      let first = -1;
      for (let i = 0; i < ours.length && first < 0; i++) if (ours[i] !== theirs[i]) first = i;
      expect(first).toBe(-1);
    }
  });

  const cases: { name: string; spec: TransformerSpec; loss: LossName; outputs?: number }[] = [
    { name: 'patches, 2 heads, positional, flatten, mse', spec: BASE, loss: 'mse' },
    { name: '2 layers, 1 head, mean head, l1', spec: { ...BASE, layers: 2, heads: 1, positional: false, head: 'mean' }, loss: 'l1' },
    { name: 'huber, 4 heads, no dropout', spec: { ...BASE, heads: 4, dropout: 0 }, loss: 'huber' },
    { name: 'wait-risk: 3 logits, bce', spec: { ...BASE, outputs: 3 }, loss: 'bce', outputs: 3 },
    { name: 'no encoder layer', spec: { ...BASE, layers: 0 }, loss: 'mse' },
    { name: 'one snapshot a token (the paper layout)', spec: { ...BASE, patchLen: 1, ffDim: 4 }, loss: 'mse' },
  ];

  // Each case on the BLAS the addon loaded and on its built-in loop (what a machine without a BLAS runs).
  const gemms = [false, true] as const;
  afterAll(() => useBuiltinGemm(false));
  for (const [{ name, spec, loss, outputs = 1 }, builtin] of cases.flatMap((c) => gemms.map((g) => [c, g] as const))) {
    it(`gives the tfjs cpu back end's loss and gradients: ${name}${builtin ? ' (built-in GEMM)' : ''}`, () => {
      useBuiltinGemm(builtin);
      const batch = 5;
      const window = spec.seqLen * spec.inFeatures;
      const x = normals(batch * window, 1);
      const y = loss === 'bce' ? Float32Array.from(normals(batch * outputs, 2), (v) => (v > 0 ? 1 : 0)) : normals(batch * outputs, 2);
      const network = buildRegressor(spec, 7);
      const names = transformerParamNames(spec);
      expect(names.slice().sort()).toEqual(network.params.trainable().map((t) => t.name).sort());
      const ctx = { training: true, dropoutSeed: 987654 };
      const stock = tf.tidy(() => {
        const xs = tf.tensor3d(x, [batch, spec.seqLen, spec.inFeatures]);
        const ys = outputs === 1 ? tf.tensor1d(y) : tf.tensor2d(y, [batch, outputs]);
        const variables = names.map((n) => network.params.get(n) as tf.Variable);
        const { value, grads } = tf.variableGrads(() => lossTensor(loss, network.apply(xs, ctx), ys, 0.5), variables);
        return { loss: value.dataSync()[0], grads: variables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array)) };
      });
      const step = NativeStep.create(spec, names);
      expect(step).not.toBeNull();
      const values = names.map((n) => Float32Array.from(network.params.get(n).dataSync() as Float32Array));
      const native = step!.gradients(values, x, y, batch, ctx, loss, 0.5);
      expect(Math.abs(native.loss - stock.loss) / Math.max(Math.abs(stock.loss), 1e-6)).toBeLessThan(1e-5);
      // The key bias's true gradient is 0 (softmax ignores a constant added to a row of scores): both sides hold
      // rounding noise there, so each tensor is compared on at least a thousandth of the largest gradient's scale.
      const largest = Math.max(...stock.grads.map((g) => Math.max(...Array.from(g, Math.abs))));
      native.grads.forEach((g, k) => expect(maxRelDiff(g, stock.grads[k], 1e-3 * largest), names[k]).toBeLessThan(1e-4));
      // A gradient that is all zeros would pass the comparison above trivially for a parameter no path reaches.
      expect(native.grads.every((g, k) => names[k].endsWith('/k/bias') || g.some((v) => Math.abs(v) > 1e-6 * largest))).toBe(true);
      const predictions = step!.predict(values, x, batch);
      const inference = tf.tidy(() => network.apply(tf.tensor3d(x, [batch, spec.seqLen, spec.inFeatures]), { training: false }).dataSync() as Float32Array);
      expect(maxRelDiff(predictions, inference)).toBeLessThan(1e-5);
      network.dispose();
    });
  }

  it('refuses arrays of the wrong size with an error instead of reading past them', () => {
    const names = transformerParamNames(BASE);
    const step = NativeStep.create(BASE, names)!;
    const network = buildRegressor(BASE, 7);
    const values = names.map((n) => Float32Array.from(network.params.get(n).dataSync() as Float32Array));
    const window = BASE.seqLen * BASE.inFeatures;
    expect(() => step.gradients(values, new Float32Array(2 * window - 1), new Float32Array(2), 2, { training: false }, 'mse', 1)).toThrow(/x does not hold the batch/);
    expect(() => step.gradients(values.slice(1), new Float32Array(2 * window), new Float32Array(2), 2, { training: false }, 'mse', 1)).toThrow(/tensors for/);
    const short = values.map((v, k) => (k === 3 ? v.subarray(1) : v));
    expect(() => step.gradients(short, new Float32Array(2 * window), new Float32Array(2), 2, { training: false }, 'mse', 1)).toThrow(/has \d+ values, not/);
    network.dispose();
  });
});

describe.skipIf(!available)('native training through runSupervised', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const spec: TransformerSpec = { ...BASE, dModel: 16, ffDim: 24 };
  const window = spec.seqLen * spec.inFeatures;
  const rows = 64;
  const windows = normals(rows * window, 3);
  const readout = normals(window, 4);
  const targets = Float32Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let i = 0; i < window; i++) s += readout[i] * windows[r * window + i];
    return s / Math.sqrt(window);
  });
  const config: SupervisedConfig = {
    epochs: 75,
    batchSize: 16,
    learningRate: 3e-3,
    weightDecay: 0,
    schedule: 'constant',
    warmupSteps: 0,
    clipNorm: null,
    patience: null,
    restoreBest: false,
    loss: 'mse',
    huberDelta: 1,
    maxSeconds: null,
  } satisfies SupervisedConfig;

  async function curve(native: boolean): Promise<number[]> {
    const network = buildRegressor(spec, 11);
    const outDir = mkdtempSync(join(tmpdir(), 'mirage-native-'));
    dirs.push(outDir);
    const losses: number[] = [];
    await runSupervised(
      { phase: 'net', params: network.params, trainable: network.params.trainable(), forward: (x, _rows, ctx) => network.apply(x, ctx), replica: { spec } },
      { windows, targets, seqLen: spec.seqLen, featureCount: spec.inFeatures, train: Uint32Array.from({ length: rows }, (_, i) => i), heldOut: new Uint32Array(0), targetScale: { mean: 0, std: 1 } },
      config,
      { seed: 5, outDir, resume: false, backend: 'cpu', modelKind: 'test', checkpoints: false, native, onEvent: (e) => e.type === 'step' && losses.push(e.loss) },
    );
    network.dispose();
    return losses;
  }

  it('follows the stock loss curve for 300 steps while the loss falls, and repeats exactly', async () => {
    const stock = await curve(false);
    const native = await curve(true);
    expect(stock).toHaveLength(300);
    expect(native).toHaveLength(300);
    expect(stock[299]).toBeLessThan(stock[0] / 5);
    const worst = Math.max(...native.map((v, i) => Math.abs(v - stock[i]) / stock[i]));
    expect(worst).toBeLessThan(1e-3);
    expect(await curve(true)).toEqual(native);
  });
});
