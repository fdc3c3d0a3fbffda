import { threadId, workerData } from 'node:worker_threads';

/** A worker for the pool's own tests: squares a number, adds what workerData says, fails on request. */
const { offset } = workerData as { offset: number };

export default function square(task: { n: number; fail?: boolean; delayMs?: number }): Promise<{ value: number; threadId: number }> {
  if (task.fail) throw new Error(`task ${task.n} failed on purpose`);
  return new Promise((resolve) => setTimeout(() => resolve({ value: task.n * task.n + offset, threadId }), task.delayMs ?? 0));
}
