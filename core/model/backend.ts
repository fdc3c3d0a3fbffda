/**
 * Chooses the TensorFlow.js back end at run time, by probing: each candidate is
 * imported inside try/catch and must compute a tiny op correctly. Nothing is
 * assumed from how `npm install` went (the native packages' install scripts
 * download libtensorflow and fail offline; npm then drops them).
 *
 * Order for `auto`: tfjs-node-gpu when it finds a GPU, tfjs-node, wasm (with
 * the fast BatchMatMul), cpu. WebGPU (Dawn through the `webgpu` package) is
 * only used when asked for.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isWasmMatMulPatched, patchWasmMatMul } from './wasm-matmul.js';

import { BACKEND_CHOICES } from './backend-choice.js';
import type { BackendChoice } from './backend-choice.js';

/** What actually runs: 'tensorflow' is libtensorflow through tfjs-node(-gpu). */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'webgpu';

export interface BackendInfo {
  name: BackendName;
  /** The tfjs backend id (`tf.getBackend()`). */
  tfBackend: string;
  /** One line for logs and reports. */
  description: string;
  /** Whether wasm runs the fast BatchMatMul (only for wasm). */
  wasmFastMatMul: boolean;
  /** Candidates tried before this one and why they were passed over. */
  skipped: { choice: BackendChoice; reason: string }[];
}

export interface BackendOptions {
  /** Install the fast wasm BatchMatMul (default true). */
  wasmFastMatMul?: boolean;
}

let current: BackendInfo | undefined;
// tfjs-node and tfjs-node-gpu both register 'tensorflow': only one can ever load.
let nativeLoaded: 'node' | 'node-gpu' | undefined;

/** The back end chosen by the last initBackend call, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * The active back end, initialising one if needed: `auto` keeps whatever is
 * active; a named choice switches to it unless it is already the active one.
 */
export async function ensureBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  if (current && tf.getBackend() === current.tfBackend) {
    if (choice === 'auto' || CHOICE_OF[current.name] === choice) return current;
  }
  return initBackend(choice, options);
}

const CHOICE_OF: Record<BackendName, BackendChoice> = {
  'tensorflow-gpu': 'node-gpu',
  tensorflow: 'node',
  wasm: 'wasm',
  cpu: 'cpu',
  webgpu: 'webgpu',
};

/** Parses a `--backend` value. */
export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`unknown back end '${value}': expected one of ${BACKEND_CHOICES.join(', ')}`);
}

/**
 * Selects and initialises a back end. `auto` walks the probe order; a named
 * choice is forced and fails with the reason when it cannot run here.
 */
export async function initBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  const order: BackendChoice[] = choice === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const candidate of order) {
    try {
      const info = await tryBackend(candidate, options);
      current = { ...info, skipped };
      return current;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (choice !== 'auto') throw new Error(`back end '${candidate}' is not usable here: ${reason}`, { cause: err });
      skipped.push({ choice: candidate, reason });
    }
  }
  throw new Error(`no TensorFlow.js back end works here: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`);
}

type Probe = Omit<BackendInfo, 'skipped'>;

async function tryBackend(choice: BackendChoice, options: BackendOptions): Promise<Probe> {
  switch (choice) {
    case 'node-gpu':
      return tryNative('node-gpu');
    case 'node':
      return tryNative('node');
    case 'wasm':
      return tryWasm(options.wasmFastMatMul ?? true);
    case 'webgpu':
      return tryWebGpu();
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu', tfBackend: 'cpu', description: 'cpu (plain JavaScript kernels)', wasmFastMatMul: false };
    case 'auto':
      throw new Error('auto is not a back end');
  }
}

/** Sets a registered tfjs backend and checks one op gives the right answer. */
async function activate(tfBackend: string): Promise<void> {
  const ok = await tf.setBackend(tfBackend);
  if (!ok) throw new Error(`tf.setBackend('${tfBackend}') failed`);
  await tf.ready();
  // The cpu back end prints an advert for tfjs-node on first use; our report already names the back end.
  if (tfBackend === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const values = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)).dataSync());
  if (values[0] !== 2 || values[1] !== 3) throw new Error(`probe op gave ${Array.from(values).join(',')}`);
}

async function importOptional(specifier: string): Promise<unknown> {
  // A variable specifier keeps TypeScript from resolving packages that may be absent.
  return import(specifier);
}

function hasNvidiaDriver(): boolean {
  if (process.platform !== 'linux') return true; // no cheap check elsewhere: let the import decide
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
}

async function tryNative(which: 'node' | 'node-gpu'): Promise<Probe> {
  if (nativeLoaded && nativeLoaded !== which) throw new Error(`tfjs-${nativeLoaded} is already loaded in this process`);
  if (which === 'node-gpu' && !nativeLoaded && !hasNvidiaDriver()) throw new Error('no NVIDIA driver on this machine');
  if (!nativeLoaded) {
    await importOptional(which === 'node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu');
    nativeLoaded = which;
  }
  await activate('tensorflow');
  // NodeJSKernelBackend exposes whether libtensorflow placed ops on a GPU.
  const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (which === 'node-gpu' && !onGpu) {
    // libtensorflow is loaded now and falls back to its CPU kernels: still the fastest CPU path.
    return {
      name: 'tensorflow',
      tfBackend: 'tensorflow',
      description: 'tensorflow (tfjs-node-gpu found no usable GPU, running on CPU)',
      wasmFastMatMul: false,
    };
  }
  return {
    name: onGpu ? 'tensorflow-gpu' : 'tensorflow',
    tfBackend: 'tensorflow',
    description: onGpu ? 'tensorflow-gpu (libtensorflow with CUDA)' : 'tensorflow (libtensorflow on CPU)',
    wasmFastMatMul: false,
  };
}

/** The folder holding the wasm binaries of the installed tfjs-backend-wasm. */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
  version_wasm: string;
}

let wasmModule: WasmModule | undefined;

async function tryWasm(fastMatMul: boolean): Promise<Probe> {
  if (!wasmModule) {
    wasmModule = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmModule;
    // In Node the wasm files are read from disk: point at the package's dist folder.
    if (typeof process !== 'undefined' && process.versions?.node) wasmModule.setWasmPaths(wasmBinaryFolder());
  }
  await activate('wasm');
  let fast = false;
  let note = '';
  if (fastMatMul) {
    try {
      patchWasmMatMul(tf, wasmModule.version_wasm);
      fast = true;
    } catch (err) {
      note = ` (stock BatchMatMul: ${err instanceof Error ? err.message : String(err)})`;
    }
  }
  fast = fast || isWasmMatMulPatched(tf);
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return {
    name: 'wasm',
    tfBackend: 'wasm',
    description: `wasm ${wasmModule.version_wasm}${simd ? ' simd' : ''}${fast ? ' + fast BatchMatMul' : note}`,
    wasmFastMatMul: fast,
  };
}

async function tryWebGpu(): Promise<Probe> {
  if (!tf.findBackendFactory('webgpu')) {
    const dawn = (await importOptional('webgpu')) as { create(flags: string[]): unknown; globals: object };
    Object.assign(globalThis, dawn.globals);
    const g = globalThis as { navigator?: { gpu?: unknown } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    if (!g.navigator!.gpu) Object.defineProperty(g.navigator!, 'gpu', { value: dawn.create([]), configurable: true });
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  }
  // Without an adapter tfjs fails inside its backend factory with a stack trace; say why instead.
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu || !(await gpu.requestAdapter())) throw new Error('no WebGPU adapter (Dawn found no Vulkan, Metal or D3D12 device)');
  await activate('webgpu');
  return { name: 'webgpu', tfBackend: 'webgpu', description: 'webgpu (Dawn through the webgpu package)', wasmFastMatMul: false };
}
