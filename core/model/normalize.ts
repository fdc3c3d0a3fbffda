/**
 * Input normalisation, saved with the model: an optional signed log1p (the
 * features are counts, nodes, minutes and seconds spanning six orders of
 * magnitude) followed by a per-feature standardisation fitted on the training
 * rows only.
 */
import { z } from 'zod';

export const NormalizationSchema = z.object({
  transform: z.enum(['none', 'log1p']),
  /** Per feature, after the transform. */
  mean: z.array(z.number()),
  std: z.array(z.number()),
});
export type Normalization = z.infer<typeof NormalizationSchema>;

export type NormalizationMode = 'raw' | 'standard' | 'log-standard';

/** The identity normalisation (the reference feeds raw features). */
export function identityNormalization(featureCount: number): Normalization {
  return { transform: 'none', mean: new Array<number>(featureCount).fill(0), std: new Array<number>(featureCount).fill(1) };
}

const signedLog1p = (v: number): number => (v >= 0 ? Math.log1p(v) : -Math.log1p(-v));

/**
 * Fits the normalisation on the windows of the given rows (every snapshot of
 * every row counts).
 */
export function fitNormalization(
  features: Float32Array,
  rows: ArrayLike<number>,
  seqLen: number,
  featureCount: number,
  mode: NormalizationMode,
): Normalization {
  if (mode === 'raw') return identityNormalization(featureCount);
  const transform = mode === 'log-standard' ? 'log1p' : 'none';
  const sum = new Float64Array(featureCount);
  const sumSq = new Float64Array(featureCount);
  const window = seqLen * featureCount;
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * window;
    for (let i = 0; i < window; i++) {
      const f = i % featureCount;
      const raw = features[base + i];
      const v = transform === 'log1p' ? signedLog1p(raw) : raw;
      sum[f] += v;
      sumSq[f] += v * v;
    }
  }
  const n = Math.max(1, rows.length * seqLen);
  const mean: number[] = [];
  const std: number[] = [];
  for (let f = 0; f < featureCount; f++) {
    const m = sum[f] / n;
    const variance = Math.max(0, sumSq[f] / n - m * m);
    mean.push(m);
    // Constant features (e.g. the successor's fixed limit) pass through centred.
    std.push(Math.sqrt(variance) > 1e-6 ? Math.sqrt(variance) : 1);
  }
  return { transform, mean, std };
}

/** Normalises `count` windows from `src` (row-major) into `dest` (same layout). */
export function normalizeInto(src: Float32Array, dest: Float32Array, norm: Normalization, srcOffset = 0, destOffset = 0, length = src.length): void {
  const featureCount = norm.mean.length;
  const scale = norm.std.map((s) => 1 / s);
  const log = norm.transform === 'log1p';
  for (let i = 0; i < length; i++) {
    const f = (srcOffset + i) % featureCount;
    const raw = src[srcOffset + i];
    dest[destOffset + i] = ((log ? signedLog1p(raw) : raw) - norm.mean[f]) * scale[f];
  }
}

export function normalizeWindows(src: Float32Array, norm: Normalization): Float32Array {
  const out = new Float32Array(src.length);
  normalizeInto(src, out, norm);
  return out;
}

export const TargetScaleSchema = z.object({
  /** Network output y means y * std + mean hours. */
  mean: z.number(),
  std: z.number().positive(),
});
export type TargetScaleInfo = z.infer<typeof TargetScaleSchema>;

/** Standardises the training targets (hours); 'raw' keeps hours as the reference does. */
export function fitTargetScale(hours: Float32Array, rows: ArrayLike<number>, standardize: boolean): TargetScaleInfo {
  if (!standardize || rows.length === 0) return { mean: 0, std: 1 };
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = hours[rows[i]];
    s += v;
    s2 += v * v;
  }
  const mean = s / rows.length;
  const std = Math.sqrt(Math.max(0, s2 / rows.length - mean * mean));
  return { mean, std: std > 1e-6 ? std : 1 };
}
