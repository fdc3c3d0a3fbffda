/**
 * Adam (PyTorch's formulation: bias-corrected moments, eps added after the
 * square root), with optional decoupled weight decay and global-norm gradient
 * clipping. Its state (moments + step count) can be read out and restored,
 * which is what makes a resumed run identical to an uninterrupted one.
 *
 * Two implementations of the same update, chosen at run time:
 * - 'fused' (default on the cpu and wasm back ends): the gradients are read out
 *   once and every parameter is updated in one JavaScript loop, with the
 *   moments kept in Float32Arrays. The tensor version costs about 18 kernel
 *   calls per variable (moments, bias correction, decay, clipping, norm), and
 *   on the default model those calls were half of a training step's kernels,
 *   each paying tfjs's fixed dispatch cost (docs/models.md, "Training speed").
 * - 'tensor': the update as tfjs ops; it keeps the data on the device, which
 *   is what GPU back ends want.
 * Both round the moments and weights to float32 after every step, so a
 * checkpoint restores either exactly; they differ only in the rounding of
 * intermediate values (the fused loop computes them in float64).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedValues } from '../model/params.js';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled (AdamW) weight decay per unit learning rate; 0 for plain Adam. */
  weightDecay: number;
  /** Scale gradients down to this global L2 norm; null for no clipping. */
  clipNorm: number | null;
}

export const DEFAULT_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: null };

export const ADAM_IMPLEMENTATIONS = ['fused', 'tensor'] as const;
export type AdamImplementation = (typeof ADAM_IMPLEMENTATIONS)[number];

/** 'fused' where tensors live in JavaScript-visible memory (cpu, wasm), 'tensor' elsewhere. */
export function defaultAdamImplementation(): AdamImplementation {
  const backend = tf.getBackend();
  return backend === 'cpu' || backend === 'wasm' ? 'fused' : 'tensor';
}

interface Slot {
  name: string;
  variable: tf.Variable;
  /** First and second moments: tf.Variables for 'tensor', arrays for 'fused'. */
  m: tf.Variable | Float32Array;
  v: tf.Variable | Float32Array;
}

/** Constants of one update, shared by every parameter. */
export interface AdamStepScalars {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  weightDecay: number;
  /** Multiplies the gradient (global-norm clipping); 1 for none. */
  gradScale: number;
  /** 1 - beta1^t and 1 - beta2^t for this step t. */
  correction1: number;
  correction2: number;
}

/**
 * One Adam update of one parameter, in place: w, m, v are overwritten with
 * their new values (rounded to float32 on store). The same formula as the
 * tensor implementation, term for term.
 */
export function adamUpdateInPlace(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamStepScalars): void {
  const { beta1, beta2, epsilon, learningRate, weightDecay, gradScale, correction1, correction2 } = s;
  const b1 = 1 - beta1;
  const b2 = 1 - beta2;
  const decay = learningRate * weightDecay;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] * gradScale;
    const mi = beta1 * m[i] + b1 * gi;
    const vi = beta2 * v[i] + b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const wi = w[i];
    w[i] = wi - learningRate * (mi / correction1 / (Math.sqrt(vi / correction2) + epsilon)) - decay * wi;
  }
}

export class Adam {
  private readonly slots: Slot[];
  readonly implementation: AdamImplementation;
  /** Number of updates applied so far. */
  step = 0;

  constructor(
    variables: { name: string; variable: tf.Variable }[],
    private readonly config: AdamConfig = DEFAULT_ADAM,
    implementation: AdamImplementation = defaultAdamImplementation(),
  ) {
    this.implementation = implementation;
    this.slots = variables.map(({ name, variable }) => ({
      name,
      variable,
      m: implementation === 'fused' ? new Float32Array(variable.size) : tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      v: implementation === 'fused' ? new Float32Array(variable.size) : tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
    }));
  }

  /**
   * Computes the loss and its gradients, updates the variables, and returns
   * the loss value and the gradient norm before clipping.
   */
  minimize(lossFn: () => tf.Scalar, learningRate: number): { loss: number; gradNorm: number } {
    const { value, grads } = tf.variableGrads(
      lossFn,
      this.slots.map((s) => s.variable),
    );
    try {
      const gradNorm = this.implementation === 'fused' ? this.applyFused(grads, learningRate) : this.applyTensor(grads, learningRate);
      return { loss: value.dataSync()[0], gradNorm };
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  private clipScale(gradNorm: number): number {
    const { clipNorm } = this.config;
    return clipNorm !== null && gradNorm > clipNorm ? clipNorm / (gradNorm + 1e-6) : 1;
  }

  private scalars(learningRate: number, gradScale: number): AdamStepScalars {
    this.step += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    return { beta1, beta2, epsilon, learningRate, weightDecay, gradScale, correction1: 1 - beta1 ** this.step, correction2: 1 - beta2 ** this.step };
  }

  private applyFused(grads: tf.NamedTensorMap, learningRate: number): number {
    return this.applyGradients(
      this.slots.map((s) => grads[s.variable.name].dataSync() as Float32Array),
      learningRate,
    );
  }

  /**
   * Applies gradients given as arrays, one per variable in constructor order
   * (data-parallel training averages them outside tfjs); returns their global
   * norm before clipping. Only for the fused implementation.
   */
  applyGradients(values: Float32Array[], learningRate: number): number {
    if (this.implementation !== 'fused') throw new Error('gradients as arrays need the fused Adam');
    if (values.length !== this.slots.length) throw new Error(`expected ${this.slots.length} gradients, got ${values.length}`);
    let sumSquares = 0;
    values.forEach((g, k) => {
      if (g.length !== this.slots[k].variable.size) throw new Error(`gradient of ${this.slots[k].name} has ${g.length} values, the parameter ${this.slots[k].variable.size}`);
      for (let i = 0; i < g.length; i++) sumSquares += g[i] * g[i];
    });
    const gradNorm = Math.sqrt(sumSquares);
    const scalars = this.scalars(learningRate, this.clipScale(gradNorm));
    this.slots.forEach((s, k) => {
      // dataSync hands out a copy on cpu and wasm: updating it in place leaves the old tensor untouched.
      const w = Float32Array.from(s.variable.dataSync() as Float32Array);
      adamUpdateInPlace(w, values[k], s.m as Float32Array, s.v as Float32Array, scalars);
      tf.tidy(() => s.variable.assign(tf.tensor(w, s.variable.shape, 'float32')));
    });
    return gradNorm;
  }

  private applyTensor(grads: tf.NamedTensorMap, learningRate: number): number {
    const gradNorm = tf.tidy(() => Math.sqrt(tf.addN(this.slots.map((s) => tf.sum(tf.square(grads[s.variable.name])))).dataSync()[0]));
    const { beta1, beta2, epsilon, weightDecay, gradScale, correction1, correction2 } = this.scalars(learningRate, this.clipScale(gradNorm));
    tf.tidy(() => {
      for (const s of this.slots) {
        const sm = s.m as tf.Variable;
        const sv = s.v as tf.Variable;
        const g = gradScale === 1 ? grads[s.variable.name] : tf.mul(grads[s.variable.name], gradScale);
        const m = tf.add(tf.mul(sm, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(sv, beta2), tf.mul(tf.square(g), 1 - beta2));
        sm.assign(m);
        sv.assign(v);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        let next = tf.sub(s.variable, tf.mul(update, learningRate));
        if (weightDecay > 0) next = tf.sub(next, tf.mul(s.variable, learningRate * weightDecay));
        s.variable.assign(next);
      }
    });
    return gradNorm;
  }

  /** Moments as named tensors ('adam/m/<name>', 'adam/v/<name>'). */
  readState(): NamedValues[] {
    const values = (x: tf.Variable | Float32Array): Float32Array => (x instanceof Float32Array ? x.slice() : (x.dataSync() as Float32Array));
    return this.slots.flatMap((s) => [
      { name: `adam/m/${s.name}`, shape: [...s.variable.shape], values: values(s.m) },
      { name: `adam/v/${s.name}`, shape: [...s.variable.shape], values: values(s.v) },
    ]);
  }

  writeState(values: NamedValues[], step: number): void {
    const byName = new Map(values.map((v) => [v.name, v]));
    for (const s of this.slots) {
      for (const moment of ['m', 'v'] as const) {
        const key = `adam/${moment}/${s.name}`;
        const v = byName.get(key);
        if (!v) throw new Error(`checkpoint lacks optimizer state ${key}`);
        if (v.values.length !== s.variable.size) throw new Error(`optimizer state ${key} has ${v.values.length} values, the parameter ${s.variable.size}`);
        const target = s[moment];
        if (target instanceof Float32Array) target.set(v.values);
        else tf.tidy(() => target.assign(tf.tensor(v.values, v.shape, 'float32')));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const s of this.slots) {
      if (!(s.m instanceof Float32Array)) s.m.dispose();
      if (!(s.v instanceof Float32Array)) s.v.dispose();
    }
  }
}
