import { resolve } from 'node:path';
import type { BackendChoice } from '../model/backend.js';
import type { WorkOptions } from '../progress.js';
import { ChainScheduleSchema, scheduledSamples } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { SimConfigInput } from '../sim/config.js';
import { chooseRule } from './calibrate.js';
import type { Calibration, CalibrationObjective, RecordedOutputs, RegressorRule, RuleTrial } from './calibrate.js';
import type { BaselinePolicy, SampleOutcome } from './policies.js';
import type { RewardStats } from './stats.js';
import { modelBatchSize } from './run.js';
import type { ValidationInit, ValidationTask, ValidationTaskResult } from './runner.js';
import { rewardStats } from './stats.js';
import { sha256OfFile } from '../trace/hash.js';
import { chunks, runValidationTasks, threadsFor } from './tasks.js';

export interface CalibrationRequest {
  tracePath: string;
  format?: 'auto' | 'mirage' | 'sacct' | 'swf';
  sim?: SimConfigInput;
  /** The tuning samples' schedule: never the validation samples. */
  schedule: ChainSchedule;
  /** Only these sample indices of the schedule (default: all not excluded). */
  indices?: readonly number[];
  modelDir: string;
  backend?: BackendChoice;
  candidates: readonly RegressorRule[];
  /** Default 'mean-abs'. */
  objective?: CalibrationObjective;
}

/** The baselines a rule must match on zero-interruption share under 'beat-baselines'. */
const FLOOR_BASELINES: BaselinePolicy[] = [{ kind: 'reactive' }, { kind: 'average' }];

/**
 * calibrateSubmitRule (calibrate.ts) on worker threads: the model is asked
 * along every tuning sample's never-submitting path in batches, then the
 * candidates are replayed, a slice of samples per task.
 */
export async function runCalibration(request: CalibrationRequest, options: WorkOptions & { workers?: number } = {}): Promise<Calibration> {
  if (request.candidates.length === 0) throw new Error('calibration: no candidate rules');
  const schedule = ChainScheduleSchema.parse(request.schedule);
  const indices = [...(request.indices ?? scheduledSamples(schedule))];
  if (indices.length === 0) throw new Error('calibration: no tuning samples');
  const tracePath = resolve(request.tracePath);
  const init: ValidationInit = {
    tracePath,
    format: request.format ?? 'auto',
    sha256: await sha256OfFile(tracePath),
    sim: parseSimConfig(request.sim ?? {}),
    schedule,
    policies: [{ kind: 'model', modelDir: resolve(request.modelDir), rule: request.candidates[0], backend: request.backend }, ...FLOOR_BASELINES],
  };
  const withBaselines = request.objective === 'beat-baselines';
  const threads = threadsFor(options.workers);
  const total = (withBaselines ? 2 + FLOOR_BASELINES.length : 2) * indices.length;
  let done = 0;
  const report = (): void => options.onProgress?.({ stage: 'calibrate', done, total, unit: 'samples' });
  report();

  const outputs: RecordedOutputs = {};
  const record: ValidationTask[] = chunks(indices, modelBatchSize(indices.length, threads)).map((slice) => ({ policy: 0, indices: slice, record: true }));
  await runValidationTasks(init, record, {
    workers: options.workers,
    signal: options.signal,
    onResult: (result: ValidationTaskResult, task) => {
      Object.assign(outputs, result.recorded);
      done += task.indices.length;
      report();
    },
  });

  const byRule: Map<number, SampleOutcome>[] = request.candidates.map(() => new Map());
  const replay: ValidationTask[] = chunks(indices, Math.max(1, Math.ceil(indices.length / (2 * threads)))).map((slice) => {
    const own = new Set(slice.map(String));
    const subset = Object.fromEntries(Object.entries(outputs).filter(([key]) => own.has(key.slice(0, key.indexOf(':')))));
    return { policy: 0, indices: slice, replay: { outputs: subset, rules: [...request.candidates] } };
  });
  await runValidationTasks(init, replay, {
    workers: options.workers,
    signal: options.signal,
    onResult: (result, task) => {
      result.replayed!.forEach((outcomes, r) => outcomes.forEach((o) => byRule[r].set(o.index, o)));
      done += task.indices.length;
      report();
    },
  });

  const trials: RuleTrial[] = request.candidates.map((rule, r) => ({
    rule,
    stats: rewardStats(indices.map((i) => byRule[r].get(i)!.rewardSeconds / 3600)),
  }));
  if (!withBaselines) return { rule: chooseRule(trials).rule, trials, samples: indices.length };

  const byBaseline: Map<number, SampleOutcome>[] = FLOOR_BASELINES.map(() => new Map());
  const baselineTasks: ValidationTask[] = FLOOR_BASELINES.flatMap((_, b) =>
    chunks(indices, Math.max(1, Math.ceil(indices.length / threads))).map((slice) => ({ policy: 1 + b, indices: slice })),
  );
  await runValidationTasks(init, baselineTasks, {
    workers: options.workers,
    signal: options.signal,
    onResult: (result, task) => {
      result.outcomes.forEach((o) => byBaseline[task.policy - 1].set(o.index, o));
      done += task.indices.length;
      report();
    },
  });
  const baselines: Record<string, RewardStats> = {};
  FLOOR_BASELINES.forEach((policy, b) => (baselines[policy.kind] = rewardStats(indices.map((i) => byBaseline[b].get(i)!.rewardSeconds / 3600))));
  const minZeroInterruptionShare = Math.max(...Object.values(baselines).map((s) => s.zeroInterruptionShare));
  return { rule: chooseRule(trials, minZeroInterruptionShare).rule, trials, samples: indices.length, baselines, minZeroInterruptionShare };
}
