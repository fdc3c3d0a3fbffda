/**
 * The fast training path (fused Adam, data-parallel gradients on worker
 * threads, wasm with the fast BatchMatMul) against the stock one (the cpu
 * back end, Adam as tensor ops, one thread): the same gradients and the same
 * loss curve within float tolerance, and bit-for-bit repeatable per thread count.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { dropout } from '../model/layers.js';
import { buildRegressor } from '../model/networks.js';
import type { AdamImplementation } from './adam.js';
import { Adam, adamUpdateInPlace } from './adam.js';
import { combineSlices, DataParallelGradients, sliceRows } from './data-parallel.js';
import type { SupervisedConfig } from './supervised-config.js';
import { lossTensor, runSupervised } from './supervised.js';
import { maxRelDiff, normals as normalsOf, TINY_TRANSFORMER } from '../testing/training.js';

const SPEC = TINY_TRANSFORMER;
const WINDOW = SPEC.seqLen * SPEC.inFeatures;

const normals = (count: number, seed: number): Float32Array => normalsOf(count, seed, 'data-parallel-test');

const ROWS = 48;
const windows = normals(ROWS * WINDOW, 1);
// A learnable target: a fixed linear read-out of the window plus a little noise.
const targets = (() => {
  const weights = normals(WINDOW, 2);
  const noise = normals(ROWS, 3);
  return Float32Array.from({ length: ROWS }, (_, r) => {
    let s = 0;
    for (let i = 0; i < WINDOW; i++) s += weights[i] * windows[r * WINDOW + i];
    return s / Math.sqrt(WINDOW) + 0.1 * noise[r];
  });
})();

/** Gradients of the whole batch on this thread: the stock computation. */
function wholeBatchGradients(dropoutSeed: number): { loss: number; grads: Float32Array[] } {
  const network = buildRegressor(SPEC, 7);
  const variables = network.params.trainable().map((t) => t.variable);
  const x = tf.tensor3d(windows.slice(0, 16 * WINDOW), [16, SPEC.seqLen, SPEC.inFeatures]);
  const y = tf.tensor1d(targets.slice(0, 16));
  try {
    const { value, grads } = tf.variableGrads(() => lossTensor('mse', network.apply(x, { training: true, dropoutSeed }), y, 1), variables);
    const out = { loss: value.dataSync()[0], grads: variables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array)) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    tf.dispose([x, y]);
    network.dispose();
  }
}

async function parallelGradients(threads: number, dropoutSeed: number): Promise<{ loss: number; grads: Float32Array[] }> {
  const network = buildRegressor(SPEC, 7);
  const trainable = network.params.trainable();
  const variables = trainable.map((t) => t.variable);
  const group = await DataParallelGradients.start(threads, {
    backend: tf.getBackend() === 'cpu' ? 'cpu' : 'wasm',
    spec: SPEC,
    weights: network.params.read(),
    trainable: trainable.map((t) => t.name),
    loss: 'mse',
    huberDelta: 1,
    seqLen: SPEC.seqLen,
    featureCount: SPEC.inFeatures,
    targetWidth: 1,
  });
  try {
    return await group.gradients({
      windows: windows.slice(0, 16 * WINDOW),
      targets: targets.slice(0, 16),
      count: 16,
      ctx: { training: true, dropoutSeed },
      weights: () => variables.map((v) => (v.dataSync() as Float32Array).slice()),
      local: (x, y, ctx) => {
        const { value, grads } = tf.variableGrads(() => lossTensor('mse', network.apply(x, ctx), y, 1), variables);
        const out = { loss: value.dataSync()[0], grads: variables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array)) };
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      },
    });
  } finally {
    await group.close();
    network.dispose();
  }
}

const CONFIG: SupervisedConfig = {
  epochs: 100,
  batchSize: 16,
  learningRate: 3e-3,
  schedule: 'cosine',
  warmupSteps: 10,
  loss: 'mse',
  huberDelta: 1,
  clipNorm: 1,
  weightDecay: 1e-4,
  patience: null,
  restoreBest: false,
  maxSeconds: null,
};

/** 300 steps (100 epochs of 3 batches) of the tiny model; the loss of every step. */
async function lossCurve(threads: number, adam?: AdamImplementation): Promise<Float64Array> {
  const network = buildRegressor(SPEC, 11);
  const losses: number[] = [];
  try {
    await runSupervised(
      { phase: 'main', params: network.params, trainable: network.params.trainable(), forward: (x, _rows, ctx) => network.apply(x, ctx), replica: { spec: SPEC } },
      {
        windows,
        targets,
        seqLen: SPEC.seqLen,
        featureCount: SPEC.inFeatures,
        train: Uint32Array.from({ length: ROWS }, (_, i) => i),
        heldOut: new Uint32Array(0),
        targetScale: { mean: 0, std: 1 },
      },
      CONFIG,
      {
        seed: 5,
        outDir: '/nonexistent',
        resume: false,
        backend: tf.getBackend(),
        modelKind: 'test',
        checkpoints: false,
        threads,
        adam,
        // The tfjs path (workers) is what this file tests; core/train/native.test.ts covers the native step.
        native: false,
        onEvent: (e) => {
          if (e.type === 'step') losses.push(e.loss);
        },
      },
    );
  } finally {
    network.dispose();
  }
  return Float64Array.from(losses);
}

describe('data-parallel training', () => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('cuts a batch into contiguous slices, larger ones first', () => {
    expect(sliceRows(10, 3)).toEqual([
      { start: 0, count: 4 },
      { start: 4, count: 3 },
      { start: 7, count: 3 },
    ]);
    expect(sliceRows(1, 2)).toEqual([{ start: 0, count: 1 }]);
    expect(sliceRows(64, 2)).toEqual([
      { start: 0, count: 32 },
      { start: 32, count: 32 },
    ]);
  });

  it('averages slice means weighted by slice size', () => {
    // Slices of 3 and 1 rows: the whole mean is 3/4 a + 1/4 b.
    const whole = combineSlices(
      [
        { count: 3, result: { loss: 2, grads: [Float32Array.of(4, 8)] } },
        { count: 1, result: { loss: 6, grads: [Float32Array.of(0, -8)] } },
      ],
      4,
    );
    expect(whole.loss).toBe(3);
    expect(Array.from(whole.grads[0])).toEqual([3, 4]);
  });

  it('drops in a slice exactly what the whole batch drops in those rows', async () => {
    await initBackend('cpu');
    // [batch x heads, tokens, tokens] as in attention: 2 heads per sample.
    const x = tf.ones([6 * 2, 3, 3]);
    const whole = dropout(x, 0.5, { training: true, dropoutSeed: 9 }, 4).arraySync() as number[][][];
    const first = dropout(tf.ones([2 * 2, 3, 3]), 0.5, { training: true, dropoutSeed: 9, batchSlice: { start: 0, count: 2, total: 6 } }, 4).arraySync() as number[][][];
    const rest = dropout(tf.ones([4 * 2, 3, 3]), 0.5, { training: true, dropoutSeed: 9, batchSlice: { start: 2, count: 4, total: 6 } }, 4).arraySync() as number[][][];
    expect([...first, ...rest]).toEqual(whole);
    // Not all kept and not all dropped: the comparison above means something.
    const flat = whole.flat(2);
    expect(flat).toContain(0);
    expect(flat).toContain(2);
    x.dispose();
  });

  it('Adam fused in one loop updates as the tensor ops do, on a hand-checked step', () => {
    // First step, no decay, no clipping: m = 0.1 g, v = 0.001 g^2, update = lr * sign(g) (up to eps).
    const w = Float32Array.of(1, -2);
    const m = new Float32Array(2);
    const v = new Float32Array(2);
    adamUpdateInPlace(w, Float32Array.of(0.5, -4), m, v, {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      learningRate: 0.1,
      weightDecay: 0,
      gradScale: 1,
      correction1: 0.1,
      correction2: 0.001,
    });
    expect(w[0]).toBeCloseTo(0.9, 6);
    expect(w[1]).toBeCloseTo(-1.9, 6);
    expect(m[0]).toBeCloseTo(0.05, 7);
    expect(v[1]).toBeCloseTo(0.016, 7);
  });

  it('a worker that cannot build its replica fails the start with its reason, and bad thread counts are refused', async () => {
    await initBackend('cpu');
    const init = {
      backend: 'cpu' as const,
      spec: SPEC,
      // Weights of another network: the replica cannot load them.
      weights: [{ name: 'other/kernel', shape: [1], values: Float32Array.of(0) }],
      trainable: ['embedding/kernel'],
      loss: 'mse' as const,
      huberDelta: 1,
      seqLen: SPEC.seqLen,
      featureCount: SPEC.inFeatures,
      targetWidth: 1,
    };
    await expect(DataParallelGradients.start(2, init)).rejects.toThrow(/training worker: weights lack parameter embedding/);
    await expect(DataParallelGradients.start(1, init)).rejects.toThrow(/from 2 to 16, got 1/);
    await expect(DataParallelGradients.start(2.5, init)).rejects.toThrow(/integer/);
  });

  it('fused and tensor Adam give the same network after 20 clipped, decayed steps', async () => {
    await initBackend('cpu');
    const x = tf.tensor3d(windows.slice(0, 8 * WINDOW), [8, SPEC.seqLen, SPEC.inFeatures]);
    const y = tf.tensor1d(targets.slice(0, 8));
    const run = (implementation: AdamImplementation): { weights: Map<string, Float32Array>; outputs: Float32Array } => {
      const network = buildRegressor(SPEC, 3);
      const adam = new Adam(network.params.trainable(), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 0.5 }, implementation);
      for (let step = 0; step < 20; step++) adam.minimize(() => lossTensor('mse', network.apply(x, { training: false }), y, 1), 1e-2);
      const weights = new Map(network.params.read().map((p) => [p.name, p.values]));
      const outputs = tf.tidy(() => network.apply(x, { training: false }).dataSync() as Float32Array);
      adam.dispose();
      network.dispose();
      return { weights, outputs };
    };
    const fused = run('fused');
    const tensor = run('tensor');
    tf.dispose([x, y]);
    expect(maxRelDiff(fused.outputs, tensor.outputs)).toBeLessThan(1e-4);
    for (const [name, values] of tensor.weights) {
      // The key bias has no effect on softmax attention: its gradient is round-off, which Adam scales up to full steps.
      if (name.endsWith('attention/k/bias')) continue;
      expect(maxRelDiff(fused.weights.get(name)!, values), name).toBeLessThan(1e-4);
    }
  });

  it('gradients of the fast path (wasm, 2 threads) equal the stock cpu back end on one thread', async () => {
    await initBackend('cpu');
    const stock = wholeBatchGradients(17);
    await initBackend('wasm');
    const fast = await parallelGradients(2, 17);
    const three = await parallelGradients(3, 17);
    expect(Math.abs(fast.loss - stock.loss)).toBeLessThan(1e-5 * Math.abs(stock.loss));
    const probe = buildRegressor(SPEC, 7);
    const names = probe.params.trainable().map((t) => t.name);
    probe.dispose();
    stock.grads.forEach((g, k) => {
      // The key bias's gradient is zero up to round-off (softmax ignores it): nothing to compare.
      if (names[k].endsWith('attention/k/bias')) return;
      expect(maxRelDiff(fast.grads[k], g), names[k]).toBeLessThan(1e-4);
      expect(maxRelDiff(three.grads[k], g), names[k]).toBeLessThan(1e-4);
    });
    // A different dropout seed gives different gradients: the comparison is not vacuous.
    expect(maxRelDiff((await parallelGradients(2, 18)).grads[0], stock.grads[0])).toBeGreaterThan(1e-3);
  });

  it('300 steps: the fast path follows the stock loss curve and repeats itself exactly', async () => {
    await initBackend('cpu');
    const stock = await lossCurve(1, 'tensor');
    await initBackend('wasm');
    const fast = await lossCurve(2);
    const again = await lossCurve(2);
    expect(stock.length).toBe(300);
    expect(fast.length).toBe(300);
    expect(Array.from(again)).toEqual(Array.from(fast));
    // The model learns (the curve is worth comparing), and both curves agree step by step.
    const mean = (a: Float64Array, from: number, to: number): number => a.slice(from, to).reduce((s, v) => s + v, 0) / (to - from);
    expect(mean(stock, 270, 300)).toBeLessThan(0.5 * mean(stock, 0, 30));
    let worst = 0;
    for (let i = 0; i < 300; i++) worst = Math.max(worst, Math.abs(fast[i] - stock[i]) / Math.max(stock[i], 1e-3));
    expect(worst).toBeLessThan(1e-3);
  });
});
