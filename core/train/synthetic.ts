/**
 * Synthetic training data with a known answer, for tests and benchmarks: the
 * reward is a smooth function of a few features of the latest snapshots, and
 * the windows have the value ranges of real ones (counts, minutes, seconds).
 */
import { createRng } from '../model/rng.js';
import type { TrainingData } from './data.js';

export interface SyntheticOptions {
  samples: number;
  probes: number;
  seqLen: number;
  featureCount: number;
  seed?: number;
  /** Gaussian noise added to the reward, hours. */
  noiseHours?: number;
}

/** The reward in hours the synthetic data encodes, from a window's raw values. */
export function syntheticRewardHours(window: Float32Array, seqLen: number, featureCount: number): number {
  const last = (f: number): number => window[(seqLen - 1) * featureCount + f];
  const earlier = (f: number): number => window[Math.floor(seqLen / 2) * featureCount + f];
  // queue length (count), pending wait (seconds), and a trend over the window
  return 2 * Math.tanh(last(0) / 40 - 1) + Math.log1p(last(1) / 3600) - 0.5 * Math.tanh((last(0) - earlier(0)) / 20);
}

export function syntheticTrainingData(options: SyntheticOptions): TrainingData {
  const { samples, probes, seqLen, featureCount } = options;
  if (featureCount < 3) throw new Error('synthetic data needs at least 3 features');
  const rng = createRng(options.seed ?? 1, 'synthetic');
  const rows = samples * probes;
  const window = seqLen * featureCount;
  const features = new Float32Array(rows * window);
  const rewardsSeconds = new Float32Array(rows);
  const sampleIndex = new Int32Array(rows);
  const sampleStartSec = new Float64Array(rows);
  const probe = new Int32Array(rows);
  for (let s = 0; s < samples; s++) {
    // a random-walk queue shared by the sample's probes, shifted per probe
    const level = 20 + 60 * rng.next();
    for (let p = 0; p < probes; p++) {
      const row = s * probes + p;
      sampleIndex[row] = s;
      sampleStartSec[row] = 1_667_260_800 + s * 4 * 3600;
      probe[row] = p;
      let queue = level + 10 * p * rng.next();
      for (let t = 0; t < seqLen; t++) {
        queue = Math.max(0, queue + rng.normal() * 3);
        const base = row * window + t * featureCount;
        features[base] = Math.round(queue);
        features[base + 1] = Math.max(0, 3600 * (1 + rng.next() * 8) * (queue / 50));
        features[base + 2] = 2880;
        for (let f = 3; f < featureCount; f++) features[base + f] = Math.abs(rng.normal()) * 100 * f;
      }
      const hours = syntheticRewardHours(features.subarray(row * window, (row + 1) * window), seqLen, featureCount) + (options.noiseHours ?? 0) * rng.normal();
      rewardsSeconds[row] = hours * 3600;
    }
  }
  return {
    features,
    rewardsSeconds,
    sampleIndex,
    sampleStartSec,
    probe,
    seqLen,
    featureCount,
    featureMode: 'decision',
    featureNames: Array.from({ length: featureCount }, (_, f) => `f${f}`),
    datasetHash: `synthetic-${samples}x${probes}-${seqLen}x${featureCount}-${options.seed ?? 1}`,
  };
}
