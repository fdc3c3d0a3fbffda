import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { createRng } from './rng.js';
import { isWasmMatMulPatched, patchWasmMatMul, SPLIT_MIN_MACS, unpatchWasmMatMul } from './wasm-matmul.js';

function randomValues(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Products covering every branch: plain, transposes, batched with and without transposes. */
const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
  { a: [4, 6, 8], b: [4, 8, 6], transposeA: false, transposeB: false },
  { a: [4, 6, 8], b: [4, 6, 8], transposeA: false, transposeB: true },
  { a: [2, 3, 8, 6], b: [2, 3, 8, 5], transposeA: true, transposeB: false },
  { a: [1, 9, 4], b: [1, 5, 4], transposeA: false, transposeB: true },
  // batched products large enough (>= SPLIT_MIN_MACS) to be split onto the fast path
  { a: [3, 40, 24], b: [3, 24, 40], transposeA: false, transposeB: false },
  { a: [3, 40, 24], b: [3, 40, 24], transposeA: false, transposeB: true },
  { a: [2, 2, 24, 40], b: [2, 2, 24, 40], transposeA: true, transposeB: false },
];

function runProducts(): Float32Array[] {
  return cases.map((c, i) =>
    tf.tidy(() => tf.matMul(tf.tensor(randomValues(c.a, 2 * i), c.a), tf.tensor(randomValues(c.b, 2 * i + 1), c.b), c.transposeA, c.transposeB).dataSync() as Float32Array),
  );
}

/** Gradient of a two-layer net with attention-like batched products: exercises the backward pass. */
function runGradients(): Float32Array[] {
  return tf.tidy(() => {
    // 40 tokens of width 16: the attention products (40x16x40) take the split path
    const x = tf.tensor(randomValues([3, 40, 4], 100), [3, 40, 4]);
    const w = tf.tensor(randomValues([4, 16], 101), [4, 16]);
    const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => {
      const h = tf.reshape(tf.matMul(tf.reshape(xi, [120, 4]), wi), [3, 40, 16]);
      const scores = tf.softmax(tf.matMul(h, h, false, true));
      return tf.sum(tf.square(tf.matMul(scores, h)));
    })([x, w]);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

describe('fast wasm BatchMatMul', () => {
  let cpuProducts: Float32Array[];
  let cpuGradients: Float32Array[];

  beforeAll(async () => {
    await initBackend('cpu');
    cpuProducts = runProducts();
    cpuGradients = runGradients();
    await initBackend('wasm', { wasmFastMatMul: false });
  });

  afterAll(async () => {
    await initBackend('cpu');
  });

  it('refuses to patch another tfjs-backend-wasm version', () => {
    expect(() => patchWasmMatMul(tf, '4.21.0')).toThrow(/4\.21\.0.*4\.22\.0/);
    expect(isWasmMatMulPatched(tf)).toBe(false);
  });

  it('gives the stock kernel and the cpu back end results within 3e-5', () => {
    expect(40 * 16 * 40).toBeGreaterThanOrEqual(SPLIT_MIN_MACS);
    unpatchWasmMatMul(tf);
    const stockProducts = runProducts();
    const stockGradients = runGradients();
    patchWasmMatMul(tf, '4.22.0');
    expect(isWasmMatMulPatched(tf)).toBe(true);
    const fastProducts = runProducts();
    const fastGradients = runGradients();
    fastProducts.forEach((p, i) => {
      expect(maxAbsDiff(p, stockProducts[i])).toBeLessThan(3e-5);
      expect(maxAbsDiff(p, cpuProducts[i])).toBeLessThan(3e-5);
    });
    fastGradients.forEach((g, i) => {
      const scale = Math.max(1, ...Array.from(cpuGradients[i], Math.abs));
      expect(maxAbsDiff(g, stockGradients[i]) / scale).toBeLessThan(3e-5);
      expect(maxAbsDiff(g, cpuGradients[i]) / scale).toBeLessThan(3e-5);
    });
    unpatchWasmMatMul(tf);
  });

  it('does not leak tensors or wasm memory between calls', () => {
    patchWasmMatMul(tf, '4.22.0');
    runProducts();
    runGradients();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) {
      runProducts();
      runGradients();
    }
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    unpatchWasmMatMul(tf);
  });
});
