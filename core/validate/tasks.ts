import { createWorkerPool, defaultThreadCount, runTasks } from '../parallel/pool.js';
import { throwIfAborted } from '../progress.js';
import { createValidationRunner } from './runner.js';
import type { ValidationInit, ValidationTask, ValidationTaskResult } from './runner.js';

/** Worker threads a run uses: every core unless told; 0 means this thread. */
export function threadsFor(workers: number | undefined): number {
  return Math.max(1, workers ?? defaultThreadCount());
}

/**
 * Runs validation tasks on a worker pool (or in this thread when `workers`
 * is 0), handing each result to `onResult` as it arrives.
 */
export async function runValidationTasks(
  init: ValidationInit,
  tasks: readonly ValidationTask[],
  options: { workers?: number; signal?: AbortSignal; onResult: (result: ValidationTaskResult, task: ValidationTask) => void },
): Promise<void> {
  if (tasks.length === 0) return;
  if (options.workers === 0) {
    const run = createValidationRunner(init);
    for (const task of tasks) {
      throwIfAborted(options.signal);
      options.onResult(await run(task), task);
    }
    return;
  }
  const threads = threadsFor(options.workers);
  const pool = createWorkerPool<ValidationTask, ValidationTaskResult>({
    workerUrl: new URL('./worker.js', import.meta.url),
    workerData: init,
    threads: Math.min(threads, tasks.length),
  });
  try {
    await runTasks(pool, tasks, { signal: options.signal, onResult: options.onResult, inFlight: 2 * threads });
  } finally {
    await pool.destroy();
  }
}

/** Consecutive slices of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += size) out.push(items.slice(k, k + size));
  return out;
}
