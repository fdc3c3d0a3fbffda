/**
 * Shared by the tests that hold a fast training path against the stock one
 * (core/train/data-parallel.test.ts, core/train/native.test.ts): a tiny
 * transformer with every optional part on, seeded normal data, and the
 * comparison of two arrays.
 */
import { expect } from 'vitest';
import { createRng } from '../model/rng.js';
import type { TransformerSpec } from '../model/spec.js';

/** Patches of 3 snapshots, 2 heads, a position embedding, dropout, a flatten head. */
export const TINY_TRANSFORMER: TransformerSpec = {
  type: 'transformer',
  seqLen: 12,
  inFeatures: 3,
  patchLen: 3,
  dModel: 8,
  layers: 1,
  heads: 2,
  ffDim: 16,
  dropout: 0.1,
  positional: true,
  head: 'flatten',
};

/** `count` standard normals from a seeded generator. */
export function normals(count: number, seed: number, stream: string): Float32Array {
  const rng = createRng(seed, stream);
  return Float32Array.from({ length: count }, () => rng.normal());
}

/** Largest |a - b| over the scale of b (its largest |value|, at least `floor`). */
export function maxRelDiff(a: Float32Array, b: Float32Array, floor = 1e-12): number {
  expect(a.length).toBe(b.length);
  let scale = floor;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}
