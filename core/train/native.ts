/**
 * The native training step: forward, loss and backward of a transformer
 * regressor in one call to a C++ addon (native/), its products on the
 * machine's BLAS (OpenBLAS, as PyTorch's Debian build, or Accelerate) and the
 * rest in fused loops. A tfjs step of the paper's transformer is hundreds of
 * kernels with wasm's 128-bit GEMM underneath; of the default model, per-kernel
 * overhead (docs/models.md, "Training speed").
 *
 * Only the gradient computation moves (and, during training, the held-out
 * loss's forward pass): the network stays a tfjs ParamSet; Adam (fused),
 * checkpoints, early stopping, the saved model and inference after training
 * are unchanged; and the addon draws the same dropout masks as core/model/layers.ts (alea with
 * the same seeds, row-major), so a native step equals a tfjs step up to float
 * rounding (core/train/native.test.ts).
 *
 * The addon is built from source at install (`npm run build:native`; needs a
 * C++ compiler, never a download). Without it, or with MIRAGE_NATIVE=off,
 * training takes the tfjs path as before.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ApplyContext } from '../model/dropout-seeds.js';
import { ATTENTION_WEIGHTS_SALT, dropoutMaskSeed, encoderLayerSalt } from '../model/dropout-seeds.js';
import type { RegressorSpec, TransformerSpec } from '../model/spec.js';
import { outputsOf } from '../model/spec.js';
import type { LossName } from './supervised-config.js';

/** The addon's functions (native/src/addon.cc). */
interface Addon {
  blas(): string;
  setThreads(threads: number): void;
  useBuiltinGemm(on: boolean): void;
  uniforms(state: Float64Array, out: Float32Array): void;
  create(dims: Int32Array, dropout: number): unknown;
  paramSizes(handle: unknown): number[];
  step(handle: unknown, params: Float32Array[], grads: Float32Array[], x: Float32Array, y: Float32Array, batch: number, loss: number, huberDelta: number, seeds: Float64Array | null): number;
  predict(handle: unknown, params: Float32Array[], x: Float32Array, batch: number, out: Float32Array): void;
}

/** Where the built addon lies under the package root (node-gyp's output folder). */
const ADDON_PATH = 'native/build/Release/mirage_native.node';

let loaded: { addon: Addon | null; why: string } | undefined;

/** The addon next to this module's package: from dist/core/train (CLI, app) or core/train (tests, tsx). */
function addonFile(): string | undefined {
  for (const up of ['../../../', '../../']) {
    const file = fileURLToPath(new URL(up + ADDON_PATH, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

function load(): { addon: Addon | null; why: string } {
  if (process.env.MIRAGE_NATIVE === 'off') return { addon: null, why: 'turned off (MIRAGE_NATIVE=off)' };
  const file = addonFile();
  if (!file) return { addon: null, why: `not built (${ADDON_PATH}; npm run build:native)` };
  try {
    return { addon: createRequire(import.meta.url)(file) as Addon, why: '' };
  } catch (err) {
    return { addon: null, why: `cannot be loaded: ${(err as Error).message.split('\n')[0]}` };
  }
}

function addon(): Addon | null {
  loaded ??= load();
  return loaded.addon;
}

/** What the native step runs on ("OpenBLAS ..."), or why there is none. */
export function nativeStatus(): { available: boolean; detail: string } {
  const lib = addon();
  return lib ? { available: true, detail: `native step, BLAS: ${lib.blas()}` } : { available: false, detail: `native step ${loaded?.why ?? ''}` };
}

/**
 * Products on the addon's own loop instead of the BLAS it loaded: what a
 * machine without a BLAS runs (MIRAGE_BLAS=none does the same from the start).
 * For tests of that path; returns false where there is no addon.
 */
export function useBuiltinGemm(on: boolean): boolean {
  const lib = addon();
  lib?.useBuiltinGemm(on);
  return lib !== null;
}

/** The first `count` uniforms the addon draws for a mask seed (tests: they must be tf.randomUniform's); null without the addon. */
export function nativeUniforms(seed: number, count: number): Float32Array | null {
  const lib = addon();
  if (!lib) return null;
  const out = new Float32Array(count);
  lib.uniforms(Float64Array.from(aleaState(seed)), out);
  return out;
}

/** Whether the native step can train this network (transformer regressors; others keep tfjs). */
function nativeSupports(spec: RegressorSpec): spec is TransformerSpec {
  return spec.type === 'transformer';
}

/** The network's parameter names in the addon's order (native/src/transformer.cc). */
export function transformerParamNames(spec: TransformerSpec): string[] {
  const names = ['embedding/kernel', 'embedding/bias'];
  if (spec.positional) names.push('position');
  for (let i = 0; i < spec.layers; i++) {
    const at = `encoder${i}`;
    for (const proj of ['q', 'k', 'v', 'out']) names.push(`${at}/attention/${proj}/kernel`, `${at}/attention/${proj}/bias`);
    names.push(`${at}/norm1/gamma`, `${at}/norm1/beta`, `${at}/ff1/kernel`, `${at}/ff1/bias`, `${at}/ff2/kernel`, `${at}/ff2/bias`, `${at}/norm2/gamma`, `${at}/norm2/beta`);
  }
  names.push('decoder/kernel', 'decoder/bias');
  return names;
}

const LOSS_CODES: Record<LossName, number> = { mse: 0, l1: 1, huber: 2, bce: 3 };

/**
 * seedrandom's alea state after seeding with String(seed), as tf.randomUniform
 * seeds it: [s0, s1, s2, c]. The addon continues the sequence in doubles.
 */
export function aleaState(seed: number): [number, number, number, number] {
  let n = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
  const state = [mash(' '), mash(' '), mash(' ')];
  const key = String(seed);
  for (let i = 0; i < 3; i++) {
    state[i] -= mash(key);
    if (state[i] < 0) state[i] += 1;
  }
  return [state[0], state[1], state[2], 1];
}

/** The four dropout seeds of each encoder layer, as encoderLayer derives them from ctx. */
export function layerDropoutStates(layers: number, ctx: ApplyContext): Float64Array {
  const out = new Float64Array(layers * 16);
  for (let i = 0; i < layers; i++) {
    const salt = encoderLayerSalt(i);
    const seeds = [
      dropoutMaskSeed({ ...ctx, dropoutSeed: (ctx.dropoutSeed ?? 0) + salt }, ATTENTION_WEIGHTS_SALT),
      dropoutMaskSeed(ctx, salt + 1),
      dropoutMaskSeed(ctx, salt + 2),
      dropoutMaskSeed(ctx, salt + 3),
    ];
    seeds.forEach((seed, k) => out.set(aleaState(seed), i * 16 + k * 4));
  }
  return out;
}

/** One network's native step: gradients of the trainable parameters from the current values of all of them. */
export class NativeStep {
  private readonly handle: unknown;
  private readonly grads: Float32Array[];
  /** For each trainable parameter, its index in the addon's order. */
  private readonly trainableAt: number[];

  private constructor(
    private readonly lib: Addon,
    private readonly spec: TransformerSpec,
    readonly names: string[],
    trainable: string[],
    threads: number,
  ) {
    const dims = Int32Array.from([
      spec.seqLen / spec.patchLen,
      spec.patchLen * spec.inFeatures,
      spec.dModel,
      spec.heads,
      spec.ffDim,
      spec.layers,
      spec.positional ? 1 : 0,
      spec.head === 'flatten' ? 1 : 0,
      outputsOf(spec),
    ]);
    this.handle = lib.create(dims, spec.dropout);
    this.grads = lib.paramSizes(this.handle).map((size) => new Float32Array(size));
    this.trainableAt = trainable.map((name) => {
      const at = names.indexOf(name);
      if (at < 0) throw new Error(`native step: ${name} is not a parameter of the transformer`);
      return at;
    });
    lib.setThreads(threads);
  }

  /** A step for this network, or null where the addon is missing or the network is not one it trains. */
  static create(spec: RegressorSpec, trainable: string[], threads = 1): NativeStep | null {
    const lib = addon();
    if (!lib || !nativeSupports(spec)) return null;
    return new NativeStep(lib, spec, transformerParamNames(spec), trainable, threads);
  }

  /**
   * Loss and gradients over `count` rows. values: every parameter's values in
   * `names` order; x: [count, seqLen, inFeatures]; y: [count, outputs].
   * Returns the gradients of the trainable parameters, in their order (arrays
   * reused by the next call).
   */
  gradients(values: Float32Array[], x: Float32Array, y: Float32Array, count: number, ctx: ApplyContext, loss: LossName, huberDelta: number): { loss: number; grads: Float32Array[] } {
    const seeds = ctx.training && this.spec.dropout > 0 ? layerDropoutStates(this.spec.layers, ctx) : null;
    const value = this.lib.step(this.handle, values, this.grads, x, y, count, LOSS_CODES[loss], huberDelta, seeds);
    return { loss: value, grads: this.trainableAt.map((at) => this.grads[at]) };
  }

  /** Inference (no dropout): [count, outputs]. */
  predict(values: Float32Array[], x: Float32Array, count: number): Float32Array {
    const out = new Float32Array(count * outputsOf(this.spec));
    this.lib.predict(this.handle, values, x, count, out);
    return out;
  }
}
