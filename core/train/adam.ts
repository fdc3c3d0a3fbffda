/**
 * Adam (PyTorch's formulation: bias-corrected moments, eps added after the
 * square root), with optional decoupled weight decay and global-norm gradient
 * clipping. Its state (moments + step count) can be read out and restored,
 * which is what makes a resumed run identical to an uninterrupted one.
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

interface Slot {
  name: string;
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

export class Adam {
  private readonly slots: Slot[];
  /** Number of updates applied so far. */
  step = 0;

  constructor(
    variables: { name: string; variable: tf.Variable }[],
    private readonly config: AdamConfig = DEFAULT_ADAM,
  ) {
    this.slots = variables.map(({ name, variable }) => ({
      name,
      variable,
      m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
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
      const { beta1, beta2, epsilon, weightDecay, clipNorm } = this.config;
      const gradNorm = tf.tidy(() => Math.sqrt(tf.addN(this.slots.map((s) => tf.sum(tf.square(grads[s.variable.name])))).dataSync()[0]));
      const clipScale = clipNorm !== null && gradNorm > clipNorm ? clipNorm / (gradNorm + 1e-6) : 1;
      this.step += 1;
      const correction1 = 1 - beta1 ** this.step;
      const correction2 = 1 - beta2 ** this.step;
      tf.tidy(() => {
        for (const s of this.slots) {
          const g = clipScale === 1 ? grads[s.variable.name] : tf.mul(grads[s.variable.name], clipScale);
          const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
          s.m.assign(m);
          s.v.assign(v);
          const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
          let next = tf.sub(s.variable, tf.mul(update, learningRate));
          if (weightDecay > 0) next = tf.sub(next, tf.mul(s.variable, learningRate * weightDecay));
          s.variable.assign(next);
        }
      });
      return { loss: value.dataSync()[0], gradNorm };
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Moments as named tensors ('adam/m/<name>', 'adam/v/<name>'). */
  readState(): NamedValues[] {
    return this.slots.flatMap((s) => [
      { name: `adam/m/${s.name}`, shape: [...s.m.shape], values: s.m.dataSync() as Float32Array },
      { name: `adam/v/${s.name}`, shape: [...s.v.shape], values: s.v.dataSync() as Float32Array },
    ]);
  }

  writeState(values: NamedValues[], step: number): void {
    const byName = new Map(values.map((v) => [v.name, v]));
    for (const s of this.slots) {
      for (const [key, target] of [
        [`adam/m/${s.name}`, s.m],
        [`adam/v/${s.name}`, s.v],
      ] as const) {
        const v = byName.get(key);
        if (!v) throw new Error(`checkpoint lacks optimizer state ${key}`);
        tf.tidy(() => target.assign(tf.tensor(v.values, v.shape, 'float32')));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose();
      s.v.dispose();
    }
  }
}
