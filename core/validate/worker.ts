import { workerData } from 'node:worker_threads';
import { createValidationRunner } from './runner.js';
import type { ValidationInit, ValidationTask, ValidationTaskResult } from './runner.js';

/** Pool worker of a validation run: workerData is the run's ValidationInit; one task is a batch of samples of one policy. */
let runner: ((task: ValidationTask) => Promise<ValidationTaskResult>) | undefined;

export default function runValidationTask(task: ValidationTask): Promise<ValidationTaskResult> {
  runner ??= createValidationRunner(workerData as ValidationInit);
  return runner(task);
}
