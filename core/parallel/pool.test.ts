import { describe, expect, it } from 'vitest';
import { createWorkerPool, resolveWorkerFile, runTasks } from './pool.js';

type Task = { n: number; fail?: boolean; delayMs?: number };
type Result = { value: number; threadId: number };
const workerUrl = new URL('./testing/square-worker.js', import.meta.url);

describe('worker pool', () => {
  it('starts .ts workers through tsx when no built .js sits next to the caller', () => {
    const { filename, execArgv } = resolveWorkerFile(workerUrl);
    expect(filename.endsWith('square-worker.ts')).toBe(true);
    expect(execArgv).toEqual(['--import', 'tsx']);
    expect(() => resolveWorkerFile(new URL('./testing/missing.js', import.meta.url))).toThrow(/worker module not found/);
  });

  it('runs every task on worker threads, with workerData, and hands each result over once', async () => {
    const pool = createWorkerPool<Task, Result>({ workerUrl, workerData: { offset: 1000 }, threads: 2 });
    const seen = new Map<number, number>();
    const threads = new Set<number>();
    try {
      await runTasks(pool, Array.from({ length: 20 }, (_, n) => ({ n, delayMs: 5 })), {
        inFlight: 3,
        onResult: (result, task) => {
          expect(seen.has(task.n)).toBe(false);
          seen.set(task.n, result.value);
          threads.add(result.threadId);
        },
      });
    } finally {
      await pool.destroy();
    }
    expect([...seen.entries()].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 20 }, (_, n) => [n, n * n + 1000]));
    expect(threads.has(0)).toBe(false); // not the main thread
  });

  it('rethrows the first failure and starts nothing after it', async () => {
    const pool = createWorkerPool<Task, Result>({ workerUrl, workerData: { offset: 0 }, threads: 1 });
    const done: number[] = [];
    try {
      const tasks = [{ n: 1 }, { n: 2, fail: true }, ...Array.from({ length: 10 }, (_, i) => ({ n: 10 + i }))];
      await expect(runTasks(pool, tasks, { inFlight: 1, onResult: (_r, t) => void done.push(t.n) })).rejects.toThrow(/task 2 failed on purpose/);
    } finally {
      await pool.destroy();
    }
    expect(done).toEqual([1]);
  });

  it('stops when the signal aborts and reports the abort', async () => {
    const pool = createWorkerPool<Task, Result>({ workerUrl, workerData: { offset: 0 }, threads: 1 });
    const controller = new AbortController();
    const done: number[] = [];
    try {
      const run = runTasks(pool, Array.from({ length: 50 }, (_, n) => ({ n, delayMs: 20 })), {
        signal: controller.signal,
        inFlight: 1,
        onResult: (_r, t) => {
          done.push(t.n);
          if (done.length === 2) controller.abort(new DOMException('stop', 'AbortError'));
        },
      });
      await expect(run).rejects.toThrow(/stop/);
    } finally {
      await pool.destroy();
    }
    expect(done.length).toBeLessThan(5);
  });
});
