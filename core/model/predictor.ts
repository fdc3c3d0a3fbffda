/**
 * The predictor API validation uses: load a saved model folder, feed raw
 * feature windows, get rewards in hours (regressors), P(submitting now still
 * interrupts) (wait-risk networks) or action probabilities (policies).
 * Normalisation is applied here, from the model's own statistics.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from './backend-choice.js';
import { currentBackend, initBackend } from './backend.js';
import { readManifest, readNetworkFiles } from './io.js';
import { INFERENCE } from './layers.js';
import type { FeatureMode, InputDescription, ModelKind, ModelManifest } from './manifest.js';
import { assertInputCompatible, targetModeOf } from './manifest.js';
import type { Network, PolicyNetwork } from './networks.js';
import { buildNetwork } from './networks.js';
import { normalizeInto } from './normalize.js';
import { riskAt } from './wait-risk.js';
import { survivalFromLogits } from './risk-output.js';
import { outputsOf } from './spec.js';
import { columnIndex, timeToPredEndHours } from './wait-features.js';

export interface Predictor {
  readonly kind: ModelKind;
  readonly featureMode: FeatureMode;
  readonly featureNames: readonly string[];
  readonly seqLen: number;
  readonly manifest: ModelManifest;
  /**
   * Predicted reward (successor start - predecessor end) in hours for `count`
   * raw windows laid out [count, seqLen, features]. For a policy: its base's
   * prediction (the mixture of its experts, or the single network). Absent
   * for a wait-risk network.
   */
  predictHours?(windows: Float32Array, count: number): Float32Array;
  /**
   * Wait-risk networks only: P(the successor, submitted now, would still
   * start after the predecessor ends) per window, read at the time left that
   * the window's newest pred tuple gives. The queue argument of the wait
   * models' predictRisk is not needed (the network reads only the window).
   */
  predictRisk?(windows: Float32Array, count: number, queues?: readonly unknown[]): Float32Array;
  /**
   * Wait-risk networks only: the wait's survival function per window,
   * [count, K] row-major, P(W > manifest.target.thresholdsHours[k]),
   * non-increasing in k (its quantiles: risk-output.ts waitQuantileHours).
   */
  predictSurvival?(windows: Float32Array, count: number): Float32Array;
  /** Policies only: [count, 2] probabilities of {wait, submit}, row-major. */
  actionProbabilities?(windows: Float32Array, count: number): Float32Array;
  dispose(): void;
}

export interface LoadOptions {
  /** Back end to initialise if none is active yet (default auto). */
  backend?: BackendChoice;
  /** Refuse the model unless it reads data of this description. */
  expectInput?: InputDescription;
  /** Rows per forward pass (bounds memory). */
  chunkRows?: number;
}

export async function loadModel(dir: string, options: LoadOptions = {}): Promise<Predictor> {
  const manifest = await readManifest(dir);
  if (options.expectInput) assertInputCompatible(manifest, options.expectInput, dir);
  if (!currentBackend()) await initBackend(options.backend ?? 'auto');
  const { spec, values } = await readNetworkFiles(dir);
  if (JSON.stringify(spec) !== JSON.stringify(manifest.network)) throw new Error(`${dir}: model.json and mirage-model.json describe different networks`);
  const thresholds = manifest.target.thresholdsHours?.length ?? 1;
  const outputs = spec.type === 'moe' ? outputsOf(spec.experts[0]) : spec.type === 'policy' ? 1 : outputsOf(spec);
  if (outputs !== thresholds) throw new Error(`${dir}: the network gives ${outputs} output(s) per window, the manifest's target names ${thresholds}`);
  const network = buildNetwork(spec, 0, manifest.target.scale);
  try {
    network.params.write(values);
  } catch (err) {
    network.dispose();
    throw new Error(`${dir}: ${(err as Error).message}`, { cause: err });
  }
  return predictorFor(network, manifest, options.chunkRows ?? 256);
}

/** Wraps a network that is already in memory (training hands its result over this way). */
export function predictorFor(network: Network, manifest: ModelManifest, chunkRows = 256): Predictor {
  const { seqLen, featureNames, normalization } = manifest.input;
  const window = seqLen * featureNames.length;
  const scale = manifest.target.scale;

  const forEachChunk = (windows: Float32Array, count: number, width: number, run: (x: tf.Tensor3D) => tf.Tensor): Float32Array => {
    if (windows.length < count * window) throw new Error(`expected ${count} windows of ${seqLen} x ${featureNames.length} values, got ${windows.length} values`);
    const out = new Float32Array(count * width);
    const buffer = new Float32Array(Math.min(count, chunkRows) * window);
    for (let start = 0; start < count; start += chunkRows) {
      const rows = Math.min(chunkRows, count - start);
      normalizeInto(windows, buffer, normalization, start * window, 0, rows * window);
      const result = tf.tidy(() => run(tf.tensor3d(buffer.subarray(0, rows * window), [rows, seqLen, featureNames.length])).dataSync());
      out.set(result, start * width);
    }
    return out;
  };

  const toHours = (y: tf.Tensor): tf.Tensor => tf.add(tf.mul(y, scale.std), scale.mean);
  const policy = network.spec.type === 'policy' ? (network as PolicyNetwork) : undefined;
  const regress = (x: tf.Tensor3D): tf.Tensor => toHours(policy ? policy.base.apply(x, INFERENCE) : network.apply(x, INFERENCE));

  const predictor: Predictor = {
    kind: manifest.kind,
    featureMode: manifest.input.featureMode,
    featureNames,
    seqLen,
    manifest,
    dispose: () => network.dispose(),
  };
  const thresholds = manifest.target.thresholdsHours;
  if (targetModeOf(manifest) === 'wait-risk' && thresholds) {
    // The exact time left comes from the raw window's pred tuple, as the wait models read it.
    const col = columnIndex(featureNames, `the ${manifest.kind} wait-risk model`);
    const f = featureNames.length;
    const n = thresholds.length;
    const survival = (windows: Float32Array, count: number): Float32Array => {
      const logits = forEachChunk(windows, count, n, (x) => network.apply(x, INFERENCE));
      for (let k = 0; k < count; k++) logits.set(survivalFromLogits(logits, k * n, n), k * n);
      return logits;
    };
    predictor.predictSurvival = survival;
    predictor.predictRisk = (windows, count) => {
      const s = survival(windows, count);
      const out = new Float32Array(count);
      for (let k = 0; k < count; k++) out[k] = riskAt(thresholds, Array.from(s.subarray(k * n, (k + 1) * n)), timeToPredEndHours(windows, (k * seqLen + seqLen - 1) * f, col));
      return out;
    };
  } else {
    predictor.predictHours = (windows, count) => forEachChunk(windows, count, 1, regress);
  }
  if (policy) predictor.actionProbabilities = (windows, count) => forEachChunk(windows, count, 2, (x) => tf.softmax(policy.apply(x, INFERENCE) as tf.Tensor2D, -1));
  return predictor;
}
