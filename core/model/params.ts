/**
 * A network's parameters: named tf.Variables in a fixed order, initialised from
 * our seeded generator so a seed gives the same weights on every back end.
 *
 * The variables are created without tfjs names (tfjs keeps one global registry
 * of variable names, and several networks live in one process: experts,
 * tests); our names live here and in the saved weights manifest.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from './rng.js';

export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** Uniform in [-bound, bound]. */
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number };

/** Xavier/Glorot uniform, as torch.nn.init.xavier_uniform_. */
export const glorotUniform = (fanIn: number, fanOut: number): Initializer => ({ kind: 'uniform', bound: Math.sqrt(6 / (fanIn + fanOut)) });
/** torch.nn.Linear's default for weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export const linearDefault = (fanIn: number): Initializer => ({ kind: 'uniform', bound: 1 / Math.sqrt(fanIn) });

export interface NamedValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

export class ParamSet {
  private readonly entries = new Map<string, { variable: tf.Variable; trainable: boolean }>();

  constructor(private readonly seed: number) {}

  /** Creates a parameter; its initial values depend only on (seed, name). */
  add(name: string, shape: number[], init: Initializer, trainable = true): tf.Variable {
    if (this.entries.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const rng = createRng(this.seed, 'init', name);
    switch (init.kind) {
      case 'zeros':
        break;
      case 'ones':
        values.fill(1);
        break;
      case 'uniform':
        for (let i = 0; i < size; i++) values[i] = (rng.next() * 2 - 1) * init.bound;
        break;
      case 'normal':
        for (let i = 0; i < size; i++) values[i] = rng.normal() * init.std;
        break;
    }
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.entries.set(name, { variable, trainable });
    return variable;
  }

  /** Adopts another set's parameters under a prefix (experts inside a mixture). */
  adopt(prefix: string, other: ParamSet, trainable: boolean): void {
    for (const [name, entry] of other.entries) {
      const full = `${prefix}/${name}`;
      if (this.entries.has(full)) throw new Error(`parameter ${full} defined twice`);
      this.entries.set(full, { variable: entry.variable, trainable: trainable && entry.trainable });
    }
  }

  get(name: string): tf.Variable {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`no parameter ${name}`);
    return entry.variable;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Trainable variables, in definition order. */
  trainable(): { name: string; variable: tf.Variable }[] {
    return [...this.entries].filter(([, e]) => e.trainable).map(([name, e]) => ({ name, variable: e.variable }));
  }

  setTrainable(predicate: (name: string) => boolean): void {
    for (const [name, entry] of this.entries) entry.trainable = predicate(name);
  }

  count(onlyTrainable = false): number {
    let n = 0;
    for (const e of this.entries.values()) if (!onlyTrainable || e.trainable) n += e.variable.size;
    return n;
  }

  /** Copies every parameter's current values out. */
  read(): NamedValues[] {
    return [...this.entries].map(([name, e]) => ({ name, shape: [...e.variable.shape], values: e.variable.dataSync() as Float32Array }));
  }

  /** Assigns values by name; every parameter must be present with its shape. */
  write(values: NamedValues[]): void {
    const byName = new Map(values.map((v) => [v.name, v]));
    for (const [name, e] of this.entries) {
      const v = byName.get(name);
      if (!v) throw new Error(`weights lack parameter ${name}`);
      if (v.shape.join('x') !== e.variable.shape.join('x')) {
        throw new Error(`parameter ${name} has shape [${v.shape}] in the weights, the network expects [${e.variable.shape}]`);
      }
      tf.tidy(() => e.variable.assign(tf.tensor(v.values, v.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) e.variable.dispose();
    this.entries.clear();
  }
}
