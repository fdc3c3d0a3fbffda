import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';

/**
 * Worker-thread pools for CPU-bound work that splits into independent tasks
 * (dataset samples, validation samples), on top of piscina.
 *
 * Worker modules are written in TypeScript next to their callers. Built, they
 * run as dist/**.js; under vitest (and tsx) the caller's `import.meta.url`
 * points at the .ts source and there is no .js sibling, so the worker is
 * started with tsx's loader instead. On Node 20 that loader reaches worker
 * threads only through require(): a .ts worker must import its dependencies
 * statically, without top-level await or dynamic import() of .ts files.
 */

/** Where to start a worker from, given `new URL('./worker.js', import.meta.url)`. */
export function resolveWorkerFile(url: URL): { filename: string; execArgv: string[] } {
  const resolved = resolveModuleFile(url);
  const filename = fileURLToPath(resolved);
  return { filename, execArgv: filename.endsWith('.ts') ? ['--import', 'tsx'] : [] };
}

/** The built .js module when it exists, else its .ts source (for code running under vitest or tsx). */
export function resolveModuleFile(url: URL): URL {
  const path = fileURLToPath(url);
  if (existsSync(path)) return url;
  const source = path.replace(/\.js$/, '.ts');
  if (source !== path && existsSync(source)) return pathToFileURL(source);
  throw new Error(`worker module not found: ${path}`);
}

/** The default number of worker threads: every core the process may use. */
export function defaultThreadCount(): number {
  return availableParallelism();
}

export interface PoolOptions {
  /** The worker module, as `new URL('./worker.js', import.meta.url)`; its default export handles one task. */
  workerUrl: URL;
  /** Passed to every worker once (a trace path, a configuration): what each worker loads at start. */
  workerData?: unknown;
  threads?: number;
}

export function createWorkerPool<Task, Result>(options: PoolOptions): Piscina<Task, Result> {
  const { filename, execArgv } = resolveWorkerFile(options.workerUrl);
  const threads = Math.max(1, options.threads ?? defaultThreadCount());
  return new Piscina<Task, Result>({
    filename,
    execArgv,
    workerData: options.workerData,
    minThreads: threads,
    maxThreads: threads,
    // Workers keep what they loaded (trace, workload) for the whole run.
    idleTimeout: Number.POSITIVE_INFINITY,
  });
}

export interface RunTasksOptions<Task, Result> {
  signal?: AbortSignal;
  /** Called once per finished task, one call at a time, in completion order. */
  onResult: (result: Result, task: Task) => Promise<void> | void;
  /** Tasks handed to the pool at once; more keeps workers busy, fewer bounds memory. Default: 4 per thread. */
  inFlight?: number;
}

/**
 * Runs every task in the pool and hands each result to `onResult` as it
 * arrives. The first failure (or an abort) cancels the tasks not started yet
 * and is rethrown once the running ones have settled, so no result is lost
 * half-handled.
 */
export async function runTasks<Task, Result>(
  pool: Piscina<Task, Result>,
  tasks: readonly Task[],
  options: RunTasksOptions<Task, Result>,
): Promise<void> {
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const limit = Math.max(1, options.inFlight ?? 4 * pool.maxThreads);
  let next = 0;
  let failure: { error: unknown } | undefined;
  let handling: Promise<void> = Promise.resolve();

  const fail = (error: unknown): void => {
    failure ??= { error };
    cancel.abort(error);
  };

  const lane = async (): Promise<void> => {
    while (next < tasks.length && !cancel.signal.aborted) {
      const task = tasks[next++];
      let result: Result;
      try {
        // No abort signal for piscina: aborting a running task makes it throw an uncaught
        // 'Unexpected message from Worker' when the worker answers later. Tasks are short;
        // we stop handing out new ones and let the running ones finish.
        result = await pool.run(task);
      } catch (error) {
        fail(error);
        return;
      }
      // Results are handled one after another even though tasks finish concurrently.
      handling = handling.then(async () => {
        if (failure) return;
        try {
          await options.onResult(result, task);
        } catch (error) {
          fail(error);
        }
      });
      await handling;
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
    await handling;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('cancelled', 'AbortError');
  if (failure) throw failure.error;
}
