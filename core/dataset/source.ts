import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { resolveModuleFile } from '../parallel/pool.js';
import type { SimulatedSample } from './record.js';
import { encodeSampleRecord, toSampleRecord } from './record.js';

/**
 * Where samples come from. Generation names a *sample worker* module and a
 * plain-data `init` instead of passing a function, because every worker
 * thread has to build its own: it calls `createSampleFunction(init)` once
 * (loading the trace, preparing the workload), then simulates many samples.
 *
 * A sample worker module exports `createSampleFunction` and, as its default
 * export, `sampleTaskHandler(createSampleFunction)`. It must import its source
 * statically (see core/parallel/pool.ts on .ts workers). The real one is
 * ./chain-worker.ts; tests use ./testing/fake-worker.ts.
 */
export interface SampleSourceSpec {
  /** `new URL('./x-worker.js', import.meta.url).href` */
  worker: string;
  /** Structured-cloneable: it is copied to every worker. */
  init: unknown;
}

export type SampleFunction = (index: number) => SimulatedSample | Promise<SimulatedSample>;
export type CreateSampleFunction = (init: unknown) => SampleFunction | Promise<SampleFunction>;

/** The sample function, built in this thread (for `workers: 0`). */
export async function loadSampleFunction(spec: SampleSourceSpec): Promise<SampleFunction> {
  const mod = (await import(resolveModuleFile(new URL(spec.worker)).href)) as { createSampleFunction?: CreateSampleFunction };
  if (typeof mod.createSampleFunction !== 'function') throw new Error(`${spec.worker}: exports no createSampleFunction`);
  return mod.createSampleFunction(spec.init);
}

/**
 * The pool task handler of a sample worker: simulates one sample per task and
 * sends back its encoded record (the buffer is moved, not copied).
 */
export interface SampleTask {
  index: number;
  windowLength: number;
}

export function sampleTaskHandler(create: CreateSampleFunction): (task: SampleTask) => Promise<Uint8Array> {
  let sampleFunction: Promise<SampleFunction> | undefined;
  return async (task) => {
    sampleFunction ??= Promise.resolve(create((workerData as SampleSourceSpec).init));
    const sample = await (await sampleFunction)(task.index);
    return move(encodeSampleRecord(toSampleRecord(sample, task.windowLength))) as Uint8Array;
  };
}
