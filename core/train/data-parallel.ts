/**
 * Data-parallel gradients on worker threads. The wasm back end runs one
 * thread in Node, so a training step uses one core; here each mini-batch is
 * cut into `threads` contiguous slices, the main thread computes the first
 * slice's gradients while each worker (its own tfjs instance and network
 * replica, fed the current weights every step) computes another's, and the
 * slice gradients are averaged, weighted by slice size, into the whole
 * batch's gradient. One Adam step follows on the main thread (core/train/adam.ts,
 * fused), so the model, its checkpoints and formats do not change.
 *
 * Same numbers: the losses are batch means, so the weighted average is the
 * whole batch's gradient up to float rounding, and dropout masks are drawn for
 * the whole batch and cut per slice (ApplyContext.batchSlice). Deterministic
 * for a given thread count: slices and the order of the sum are fixed.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../model/backend-choice.js';
import type { ApplyContext } from '../model/layers.js';
import type { NamedValues } from '../model/params.js';
import type { RegressorSpec } from '../model/spec.js';
import { resolveWorkerFile } from '../parallel/pool.js';
import type { LossName } from './supervised-config.js';

/** Most threads a step is split over (the machines this runs on have few cores; more only adds copies). */
export const MAX_TRAIN_THREADS = 16;

export interface ReplicaInit {
  backend: BackendChoice;
  spec: RegressorSpec;
  /** Every parameter (trainable or not), by name. */
  weights: NamedValues[];
  /** Names of the trainable parameters, in the optimizer's order. */
  trainable: string[];
  loss: LossName;
  huberDelta: number;
  seqLen: number;
  featureCount: number;
  /** Targets per row (1: a value; K: K labels). */
  targetWidth: number;
}

/** A slice's targets as the loss expects them: [B] or [B, width]. */
export function targetTensor(values: Float32Array, count: number, width: number): tf.Tensor {
  return width === 1 ? tf.tensor1d(values.subarray(0, count)) : tf.tensor2d(values.subarray(0, count * width), [count, width]);
}

export type ToWorker =
  | { type: 'init'; init: ReplicaInit }
  | { type: 'step'; id: number; weights: Float32Array[]; x: Float32Array; y: Float32Array; count: number; ctx: ApplyContext };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'grads'; id: number; loss: number; grads: Float32Array[] }
  | { type: 'error'; message: string };

export interface SliceGradients {
  loss: number;
  grads: Float32Array[];
}

/** Contiguous slices of `count` rows over `parts` threads, the larger ones first; empty slices are left out. */
export function sliceRows(count: number, parts: number): { start: number; count: number }[] {
  const out: { start: number; count: number }[] = [];
  const base = Math.floor(count / parts);
  const extra = count % parts;
  let start = 0;
  for (let k = 0; k < parts; k++) {
    const size = base + (k < extra ? 1 : 0);
    if (size > 0) out.push({ start, count: size });
    start += size;
  }
  return out;
}

/**
 * The whole batch's mean from slice means: sum over slices of (rows / total)
 * x slice value, in slice order (fixed order keeps it deterministic).
 */
export function combineSlices(slices: { count: number; result: SliceGradients }[], total: number): SliceGradients {
  const first = slices[0].result.grads;
  const grads = first.map((g) => new Float32Array(g.length));
  let loss = 0;
  for (const { count, result } of slices) {
    const weight = count / total;
    loss += weight * result.loss;
    result.grads.forEach((g, k) => {
      const out = grads[k];
      for (let i = 0; i < g.length; i++) out[i] += weight * g[i];
    });
  }
  return { loss, grads };
}

/** Loss and gradients (one array per variable) of one slice of a batch, on this thread. */
export function sliceGradients(variables: tf.Variable[], lossFn: () => tf.Scalar): SliceGradients {
  const { value, grads } = tf.variableGrads(lossFn, variables);
  try {
    // Copies: on the cpu back end dataSync hands out the tensor's own storage, and these arrays may be transferred.
    return { loss: value.dataSync()[0], grads: variables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array)) };
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
}

interface Pending {
  resolve(result: SliceGradients): void;
  reject(error: Error): void;
}

class Replica {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private ready: Promise<void>;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'error') this.fail(new Error(`training worker: ${message.message}`), reject);
        else {
          const waiting = this.pending.get(message.id);
          this.pending.delete(message.id);
          waiting?.resolve({ loss: message.loss, grads: message.grads });
        }
      });
      worker.on('error', (error) => this.fail(new Error(`training worker failed: ${error.message}`), reject));
      worker.on('exit', (code) => this.fail(new Error(`training worker exited (code ${code})`), reject));
    });
  }

  private fail(error: Error, rejectReady: (e: Error) => void): void {
    this.failure ??= error;
    rejectReady(this.failure);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Sends the replica its network and weights; resolves once it has built them. */
  init(init: ReplicaInit): Promise<void> {
    this.worker.postMessage({ type: 'init', init } satisfies ToWorker);
    return this.ready;
  }

  step(message: Extract<ToWorker, { type: 'step' }>): Promise<SliceGradients> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message, [...message.weights.map((w) => w.buffer), message.x.buffer, message.y.buffer] as ArrayBuffer[]);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Built, the worker is dist/core/train/parallel-worker.js. Under vitest only
 * the .ts source exists: a plain Worker cannot load it (tsx's `--import`
 * hooks do not reach a worker's entry module on Node 20), so a one-line
 * CommonJS entry requires it through tsx's require hook instead.
 */
function startWorker(): Worker {
  const { filename } = resolveWorkerFile(new URL('./parallel-worker.js', import.meta.url));
  if (!filename.endsWith('.ts')) return new Worker(filename);
  return new Worker(`require(${JSON.stringify(filename)});`, { eval: true, execArgv: ['--require', 'tsx/cjs'] });
}

export interface ParallelStepInput {
  /** The batch's windows [count, seqLen, featureCount], flattened. */
  windows: Float32Array;
  /** The batch's targets [count, targetWidth], flattened. */
  targets: Float32Array;
  count: number;
  ctx: ApplyContext;
  /** The main thread's share: gradients of its slice, one array per trainable variable. */
  local(x: tf.Tensor3D, y: tf.Tensor, ctx: ApplyContext): SliceGradients;
  /** Current trainable weights, in optimizer order. */
  weights(): Float32Array[];
}

export class DataParallelGradients {
  private nextId = 0;

  private constructor(
    private readonly replicas: Replica[],
    private readonly init: ReplicaInit,
  ) {}

  /** Starts `threads - 1` workers, each with a replica of the network, and waits until they are ready. */
  static async start(threads: number, init: ReplicaInit): Promise<DataParallelGradients> {
    if (!Number.isInteger(threads) || threads < 2 || threads > MAX_TRAIN_THREADS) {
      throw new Error(`training threads must be an integer from 2 to ${MAX_TRAIN_THREADS}, got ${threads}`);
    }
    const replicas = Array.from({ length: threads - 1 }, () => new Replica(startWorker()));
    const group = new DataParallelGradients(replicas, init);
    try {
      await Promise.all(replicas.map((r) => r.init(init)));
    } catch (err) {
      await group.close();
      throw err;
    }
    return group;
  }

  get threads(): number {
    return this.replicas.length + 1;
  }

  /** The whole batch's mean loss and gradients, computed slice by slice across the threads. */
  async gradients(input: ParallelStepInput): Promise<SliceGradients> {
    const { count } = input;
    const { seqLen, featureCount, targetWidth: width } = this.init;
    const window = seqLen * featureCount;
    const slices = sliceRows(count, this.threads);
    const id = this.nextId++;
    // Workers first, so they compute while the main thread does its own slice.
    const remote = slices.slice(1).map((slice, k) =>
      this.replicas[k].step({
        type: 'step',
        id,
        weights: input.weights(),
        x: input.windows.slice(slice.start * window, (slice.start + slice.count) * window),
        y: input.targets.slice(slice.start * width, (slice.start + slice.count) * width),
        count: slice.count,
        ctx: { ...input.ctx, batchSlice: { start: slice.start, count: slice.count, total: count } },
      }),
    );
    // Should this thread's slice throw, the workers' answers are never awaited: keep their failures handled.
    for (const r of remote) r.catch(() => undefined);
    const own = slices[0];
    const x = tf.tensor3d(input.windows.subarray(0, own.count * window), [own.count, seqLen, featureCount]);
    const y = targetTensor(input.targets, own.count, width);
    let local: SliceGradients;
    try {
      local = input.local(x, y, { ...input.ctx, batchSlice: { start: 0, count: own.count, total: count } });
    } finally {
      x.dispose();
      y.dispose();
    }
    const results = [local, ...(await Promise.all(remote))];
    return combineSlices(
      results.map((result, k) => ({ count: slices[k].count, result })),
      count,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}
