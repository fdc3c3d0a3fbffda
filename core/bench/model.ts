/**
 * Model benchmarks: training throughput (samples/s, batch 64) and inference
 * latency (ms per call at batch 1 and 64) per back end and model, then the
 * default model's full training on the LS6 training set (684 samples x 7
 * probes, decision features), with its held-out MAE.
 *
 * Runs inside `npm run bench`, or alone on any machine:
 *   node dist/core/bench/model.js [--backend wasm,cpu,node,node-gpu,webgpu] [--no-ls6] [--no-torch] [--compare]
 * The training step is also timed beside PyTorch's (core/bench/torch_compare.py)
 * when a python3 with torch is found; --no-torch skips that section.
 * --compare also trains the reference transformer (--preset paper) for the
 * same wall time as the default model and prints both MAEs.
 * MIRAGE_BENCH_QUICK=1 skips the LS6 training.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundledTrace } from './assets.js';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../model/backend-choice.js';
import { initBackend, parseBackendChoice } from '../model/backend.js';
import { INFERENCE } from '../model/layers.js';
import type { Network } from '../model/networks.js';
import { buildNetwork, buildRegressor } from '../model/networks.js';
import type { NetworkSpec, TransformerSpec } from '../model/spec.js';
import { paperTransformer } from '../model/spec.js';
import { createRng } from '../model/rng.js';
import { isWasmMatMulPatched, patchWasmMatMul, unpatchWasmMatMul, VERIFIED_WASM_VERSION } from '../model/wasm-matmul.js';
import type { AdamImplementation } from '../train/adam.js';
import { Adam, DEFAULT_ADAM } from '../train/adam.js';
import { DataParallelGradients, sliceGradients } from '../train/data-parallel.js';
import { NativeStep, nativeStatus } from '../train/native.js';
import { findTorchPython, torchStepMs } from './torch.js';
import { defaultNetwork, resolveTrainConfig } from '../train/config.js';
import { loadTrainingData } from '../train/dataset-data.js';
import { lossTensor } from '../train/supervised.js';
import { trainModel } from '../train/train.js';

const SEQ = 144;
const FEATURES = 42;

interface ModelCase {
  name: string;
  spec: NetworkSpec;
  /** Too slow for plain JavaScript kernels to be worth timing. */
  skipOnCpu?: boolean;
}

function cases(): ModelCase[] {
  const def = defaultNetwork(SEQ, FEATURES);
  return [
    { name: 'default (12x12 patches, d64, 2 layers)', spec: def },
    { name: 'transformer, 144 tokens, d64', spec: { ...paperTransformer(SEQ, FEATURES), dModel: 64, heads: 4, ffDim: 128 }, skipOnCpu: true },
    { name: 'transformer, paper (d512, 144 tokens)', spec: paperTransformer(SEQ, FEATURES), skipOnCpu: true },
    {
      name: 'moe, 10 default experts (inference)',
      spec: { type: 'moe', seqLen: SEQ, inFeatures: FEATURES, experts: Array.from({ length: 10 }, () => def), gateHidden: 32 },
    },
  ];
}

function randomWindows(rows: number, seed: number): Float32Array {
  const rng = createRng(seed, 'bench');
  const out = new Float32Array(rows * SEQ * FEATURES);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** Runs `fn` at least `minRuns` times and for at least `minMs`; returns the median ms per run. */
function timeIt(fn: () => void, minRuns: number, minMs: number): number {
  fn(); // warm-up: kernel set-up, memory growth
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minMs && times.length < 200)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Like timeIt, for a step that awaits (a data-parallel step waits for its workers). */
async function timeItAsync(fn: () => Promise<void>, minRuns: number, minMs: number): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minMs && times.length < 200)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function trainStepMs(network: Network, batch: number, adamImplementation?: AdamImplementation, minRuns = 2): number {
  const adam = new Adam(network.params.trainable(), DEFAULT_ADAM, adamImplementation);
  const x = tf.tensor3d(randomWindows(batch, 1), [batch, SEQ, FEATURES]);
  const y = tf.randomNormal([batch], 0, 1, 'float32', 2) as tf.Tensor1D;
  try {
    return timeIt(() => void adam.minimize(() => lossTensor('mse', network.apply(x, { training: true, dropoutSeed: 1 }) as tf.Tensor1D, y, 1), 1e-4), minRuns, 3000);
  } finally {
    adam.dispose();
    x.dispose();
    y.dispose();
  }
}

function inferenceMs(network: Network, batch: number): number {
  const x = tf.tensor3d(randomWindows(batch, 3), [batch, SEQ, FEATURES]);
  try {
    return timeIt(() => void tf.tidy(() => network.apply(x, INFERENCE).dataSync()), 3, 1500);
  } finally {
    x.dispose();
  }
}

/** One data-parallel training step (core/train/data-parallel.ts) over `threads` threads, then the fused Adam step: median ms. */
async function parallelStepMs(spec: TransformerSpec, batch: number, threads: number, minRuns: number): Promise<number> {
  const network = buildRegressor(spec, 0);
  const trainable = network.params.trainable();
  const variables = trainable.map((t) => t.variable);
  const adam = new Adam(trainable, DEFAULT_ADAM, 'fused');
  const group = await DataParallelGradients.start(threads, {
    backend: tf.getBackend() === 'cpu' ? 'cpu' : 'wasm',
    spec,
    weights: network.params.read(),
    trainable: trainable.map((t) => t.name),
    loss: 'mse',
    huberDelta: 1,
    seqLen: SEQ,
    featureCount: FEATURES,
    targetWidth: 1,
  });
  const windows = randomWindows(batch, 1);
  const targets = randomWindows(1, 2).subarray(0, batch);
  try {
    return await timeItAsync(
      async () => {
        const whole = await group.gradients({
          windows,
          targets,
          count: batch,
          ctx: { training: true, dropoutSeed: 1 },
          weights: () => variables.map((v) => (v.dataSync() as Float32Array).slice()),
          local: (x, y, ctx) => sliceGradients(variables, () => lossTensor('mse', network.apply(x, ctx), y, 1)),
        });
        adam.applyGradients(whole.grads, 1e-4);
      },
      minRuns,
      3000,
    );
  } finally {
    await group.close();
    adam.dispose();
    network.dispose();
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * One native training step (core/train/native.ts) as runSupervised takes it:
 * the weights read out, gradients from the addon on `threads` BLAS threads,
 * then the fused Adam step. Median ms, and the process's CPU time over wall
 * time during the runs (the cores a step kept busy); null without the addon.
 */
function nativeStepMs(spec: TransformerSpec, batch: number, threads: number, minRuns: number): { ms: number; cpuPerWall: number } | null {
  const network = buildRegressor(spec, 0);
  const trainable = network.params.trainable();
  const step = NativeStep.create(spec, trainable.map((t) => t.name), threads);
  if (!step) {
    network.dispose();
    return null;
  }
  const adam = new Adam(trainable, DEFAULT_ADAM, 'fused');
  const windows = randomWindows(batch, 1);
  const targets = randomWindows(1, 2).subarray(0, batch);
  try {
    let cpu = 0;
    let wall = 0;
    const ms = timeIt(
      () => {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const values = step.names.map((name) => network.params.get(name).dataSync() as Float32Array);
        const { grads } = step.gradients(values, windows, targets, batch, { training: true, dropoutSeed: 1 }, 'mse', 1);
        adam.applyGradients(grads, 1e-4);
        const used = process.cpuUsage(c0);
        cpu += (used.user + used.system) / 1000;
        wall += performance.now() - t0;
      },
      minRuns,
      3000,
    );
    return { ms, cpuPerWall: cpu / wall };
  } finally {
    adam.dispose();
    network.dispose();
  }
}

/**
 * Our training step beside PyTorch's (CPU) for the default model and the
 * paper's transformer: same network, batch 64, MSE, Adam, dropout on; medians
 * of several steps, run back to back. Ours: the tfjs path (fused Adam, one
 * thread and data-parallel on 2) and the native step on 1 and 2 threads.
 * PyTorch's BLAS is held to the same thread count (core/bench/torch_compare.py).
 * The ratio is PyTorch's ms per step over our native step's, at the same
 * thread count (>= 1: at least as fast as PyTorch); "cores" is CPU time over
 * wall time at one thread, ours / PyTorch's, which shows both kept to one core.
 */
export async function runTorchComparison(backend: BackendChoice): Promise<void> {
  const info = await initBackend(backend);
  const batch = 64;
  console.log(`\n## training step beside PyTorch (CPU): batch ${batch}, MSE, Adam, dropout on; tfjs on ${info.description}; ${nativeStatus().detail}`);
  const torch = await findTorchPython();
  if (!torch.python) console.log(`PyTorch: not available (${torch.tried.join('; ')}); set MIRAGE_TORCH_PYTHON to a python3 with torch. Our figures only.`);
  else console.log(`PyTorch ${torch.version} through ${torch.python}`);
  console.log(`load average before: ${load()} (the machine may be shared: compare rows of one run)`);
  console.log('model                                  ms/step: tfjs 1 thread  tfjs 2 threads  native 1 thread  native 2 threads  PyTorch 1 thread  2 threads   ratio 1 thread  2 threads   cores at 1 thread');
  const models: { name: string; spec: TransformerSpec; minRuns: number }[] = [
    { name: 'default (12x12 patches, d64, 2 layers)', spec: defaultNetwork(SEQ, FEATURES) as TransformerSpec, minRuns: 10 },
    { name: 'transformer, paper (d512, 144 tokens)', spec: paperTransformer(SEQ, FEATURES), minRuns: 5 },
  ];
  const cell = (v: number | undefined, width: number): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1)).padStart(width);
  for (const m of models) {
    const network = buildNetwork(m.spec, 0);
    let tfjsMs: number;
    try {
      tfjsMs = trainStepMs(network, batch, 'fused', Math.min(m.minRuns, 3));
    } finally {
      network.dispose();
    }
    const tfjsTwoMs = await parallelStepMs(m.spec, batch, 2, Math.min(m.minRuns, 3));
    const native1 = nativeStepMs(m.spec, batch, 1, m.minRuns);
    const native2 = nativeStepMs(m.spec, batch, 2, m.minRuns);
    let torchCells = `${'-'.padStart(18)}${'-'.padStart(11)}`;
    let ratios = `${'-'.padStart(17)}${'-'.padStart(11)}`;
    let cores = native1 ? `${native1.cpuPerWall.toFixed(2)} / -`.padStart(20) : '';
    if (torch.python) {
      try {
        const steps = await torchStepMs(torch.python, m.spec, { batch, steps: m.minRuns + 2, threads: [1, 2] });
        const t1 = steps.find((s) => s.threads === 1);
        const t2 = steps.find((s) => s.threads === 2);
        torchCells = `${cell(t1?.medianMs, 18)}${cell(t2?.medianMs, 11)}`;
        // Same thread count: native on one against torch on one, native on two against torch on two.
        const ratio = (t: number | undefined, ours: number | undefined): string => (t === undefined || ours === undefined ? '-' : `${(t / ours).toFixed(2)}x`);
        ratios = `${ratio(t1?.medianMs, native1?.ms).padStart(17)}${ratio(t2?.medianMs, native2?.ms).padStart(11)}`;
        cores = `${native1 ? native1.cpuPerWall.toFixed(2) : '-'} / ${t1 ? t1.cpuPerWall.toFixed(2) : '-'}`.padStart(20);
      } catch (err) {
        torchCells = `  PyTorch failed: ${(err as Error).message}`;
        ratios = '';
      }
    }
    console.log(`${m.name.padEnd(39)}${cell(tfjsMs, 23)}${cell(tfjsTwoMs, 16)}${cell(native1?.ms, 17)}${cell(native2?.ms, 18)}${torchCells}${ratios}${cores}`);
  }
  console.log(`load average after: ${load()}`);
}

export async function runThroughputBench(backends: BackendChoice[]): Promise<void> {
  console.log('\n## models: training throughput (batch 64) and inference latency, per back end');
  console.log('back end                                   model                                        params  train samples/s  infer ms b1  infer ms b64  ms/decision b64');
  for (const choice of backends) {
    let description: string;
    try {
      description = (await initBackend(choice)).description;
    } catch (err) {
      console.log(`${choice.padEnd(43)}(not available: ${(err as Error).message})`);
      continue;
    }
    for (const c of cases()) {
      if (choice === 'cpu' && c.skipOnCpu) continue;
      const network = buildNetwork(c.spec, 0);
      try {
        const train = c.spec.type === 'moe' ? NaN : (64 / trainStepMs(network, 64)) * 1000;
        const b1 = inferenceMs(network, 1);
        const b64 = inferenceMs(network, 64);
        printRow(description, c.name, network.params.count(), train, b1, b64);
      } finally {
        network.dispose();
      }
    }
    if (choice === 'wasm' && isWasmMatMulPatched(tf)) await stockWasmRows();
  }
}

function printRow(backend: string, model: string, params: number, trainPerSec: number, b1: number, b64: number): void {
  console.log(
    `${backend.slice(0, 42).padEnd(43)}${model.padEnd(45)}${String(params).padStart(8)}` +
      `${(Number.isNaN(trainPerSec) ? '-' : trainPerSec.toFixed(1)).padStart(17)}${b1.toFixed(2).padStart(13)}${b64.toFixed(1).padStart(14)}${(b64 / 64).toFixed(3).padStart(17)}`,
  );
}

/** The same small models on the stock wasm BatchMatMul, to show what the fast kernel buys. */
async function stockWasmRows(): Promise<void> {
  unpatchWasmMatMul(tf);
  try {
    for (const c of cases().slice(0, 2)) {
      const network = buildNetwork(c.spec, 0);
      try {
        printRow('wasm, stock BatchMatMul', c.name, network.params.count(), (64 / trainStepMs(network, 64)) * 1000, inferenceMs(network, 1), inferenceMs(network, 64));
      } finally {
        network.dispose();
      }
    }
  } finally {
    patchWasmMatMul(tf, VERIFIED_WASM_VERSION);
  }
}

/**
 * Generates the LS6 training set, trains the default model on it with its
 * default settings, and (with `compare`) the reference transformer for the
 * same wall time; prints time and held-out MAE (last 20 % of the samples).
 */
export async function runLs6TrainingBench(backend: BackendChoice, compare: boolean): Promise<void> {
  const { generateTraceDataset } = await import('../dataset/trace-dataset.js');
  const { parseClock } = await import('../trace/index.js');
  const info = await initBackend(backend);
  console.log(`\n## default model on the LS6 training set (684 samples x 7 probes, decision features; ${info.description})`);
  const root = await mkdtemp(join(tmpdir(), 'mirage-bench-model-'));
  try {
    const dataDir = join(root, 'ls6');
    const t0 = performance.now();
    await generateTraceDataset(
      {
        tracePath: bundledTrace(),
        schedule: { startSec: parseClock('2022-11-01T00:00:00'), samples: 684, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 },
        policy: { kind: 'probes', probes: 7 },
        featureMode: 'decision',
      },
      { outDir: dataDir },
    );
    const data = await loadTrainingData(dataDir);
    console.log(`dataset: ${data.rewardsSeconds.length} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const shape = { seqLen: data.seqLen, inFeatures: data.featureCount };
    console.log(`load average before: ${load()}`);
    console.log('model                                   wall s  epochs  samples/s  held-out MAE h  RMSE h');
    const row = (name: string, wall: number, mm: Record<string, number>): void =>
      console.log(`${name.padEnd(40)}${wall.toFixed(0).padStart(6)}${String(mm.epochs).padStart(8)}${mm.samplesPerSec.toFixed(0).padStart(11)}${mm.heldOutMaeHours.toFixed(3).padStart(18)}${mm.heldOutRmseHours.toFixed(3).padStart(8)}`);
    // The stock path (tfjs, Adam as tensor ops: the time before any fast path) first, then the fast paths,
    // back to back; wasm and cpu only for those.
    const host = info.name === 'wasm' || info.name === 'cpu';
    const variants: { name: string; adam: AdamImplementation; threads: number; native: boolean }[] = [
      { name: 'default, tfjs, Adam as tensor ops', adam: 'tensor', threads: 1, native: false },
      ...(host
        ? [
            { name: 'default, tfjs, fused Adam', adam: 'fused' as const, threads: 1, native: false },
            ...(nativeStatus().available
              ? [
                  { name: 'default, native step', adam: 'fused' as const, threads: 1, native: true },
                  { name: 'default, native step, 2 threads', adam: 'fused' as const, threads: 2, native: true },
                ]
              : []),
          ]
        : []),
    ];
    let m: Record<string, number> = {};
    for (const [i, v] of variants.entries()) {
      const started = performance.now();
      const result = await trainModel(data, { kind: 'default', outDir: join(root, `default-${i}`), config: resolveTrainConfig('default', null, 0, shape), adam: v.adam, threads: v.threads, native: v.native });
      m = result.manifest.metrics;
      row(v.name, (performance.now() - started) / 1000, m);
    }
    console.log(`load average after: ${load()}`);
    if (compare) {
      const config = resolveTrainConfig('transformer', 'paper', 0, shape, { maxSeconds: m.trainSeconds, epochs: 1000 });
      const startedRef = performance.now();
      const ref = await trainModel(data, { kind: 'transformer', outDir: join(root, 'paper'), config });
      row('reference transformer (--preset paper)', (performance.now() - startedRef) / 1000, ref.manifest.metrics);
    }
    console.log('target: the whole default training within 600 s on this machine; reference transformer: the paper\'s model, same wall time.');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `--backend a,b` or `--backend=a,b`; undefined when absent. */
function backendsArg(argv: string[]): BackendChoice[] | undefined {
  const eq = argv.find((a) => a.startsWith('--backend='));
  const at = argv.indexOf('--backend');
  const value = eq ? eq.slice('--backend='.length) : at >= 0 ? argv[at + 1] : undefined;
  return value === undefined ? undefined : value.split(',').map(parseBackendChoice);
}

export async function runModelBench(argv: string[] = []): Promise<void> {
  const chosen = backendsArg(argv);
  // Every back end this machine may have; the ones it lacks print why.
  await runThroughputBench(chosen ?? ['node-gpu', 'node', 'wasm', 'cpu']);
  if (!argv.includes('--no-torch')) await runTorchComparison(chosen?.length === 1 && chosen[0] !== 'auto' ? chosen[0] : 'wasm');
  if (!argv.includes('--no-ls6') && process.env.MIRAGE_BENCH_QUICK !== '1') {
    const compare = argv.includes('--compare') || process.env.MIRAGE_BENCH_COMPARE === '1';
    await runLs6TrainingBench(chosen?.length === 1 ? chosen[0] : 'auto', compare);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runModelBench(process.argv.slice(2));
}
