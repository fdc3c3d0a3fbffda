import { resolve } from 'node:path';
import type { BackendChoice } from '../model/backend-choice.js';
import type { WorkOptions } from '../progress.js';
import { ChainScheduleSchema, scheduledSamples } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { SimConfigInput } from '../sim/config.js';
import { chooseRule, meanCostHours, pairedDifference, waitLikeReactive } from './calibrate.js';
import type { Calibration, ThresholdRule, RuleTrial } from './calibrate.js';
import type { BaselinePolicy, SampleOutcome } from './policies.js';
import type { RewardStats } from './stats.js';
import { modelBatchSize } from './run.js';
import type { ValidationInit, ValidationTask, ValidationTaskResult } from './runner.js';
import { loadLevelOf, rewardStats, sampleCostHours } from './stats.js';
import { sha256OfFile } from '../trace/index.js';
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
  candidates: readonly ThresholdRule[];
  /** Rules with a lead cap, chosen only where no candidate does no harm (chooseRule's `capped`); default none. */
  capped?: readonly ThresholdRule[];
  /** Hours of overlap worth one hour of interruption (default 1: mean |reward|). */
  overlapHoursPerInterruptionHour?: number;
  /** Also score the reactive and average baselines on the samples (default true). */
  baselines?: boolean;
}

/** The baselines tried on the same samples, for the report and the trade-off chart. */
const TUNING_BASELINES: BaselinePolicy[] = [{ kind: 'reactive' }, { kind: 'average' }];

/**
 * calibrateSubmitRule (calibrate.ts) on worker threads: a slice of tuning
 * samples per task, every candidate scored in one pass over it.
 */
export async function runCalibration(request: CalibrationRequest, options: WorkOptions & { workers?: number } = {}): Promise<Calibration> {
  const capped = request.capped ?? [];
  const scored = await scoreRules({ ...request, candidates: [...request.candidates, ...capped] }, options, 'calibrate');
  const { baselines, samples, reactiveLowLoad } = scored;
  const trials = scored.trials.slice(0, request.candidates.length);
  const cappedTrials = scored.trials.slice(request.candidates.length);
  const costRatio = request.overlapHoursPerInterruptionHour ?? 1;
  const lowLoadCap = reactiveLowLoad ? meanCostHours(reactiveLowLoad, costRatio) : undefined;
  // Waiting like reactive decides as the reactive baseline did on these samples, so its scores are the baseline's.
  const reactive: RuleTrial | undefined = baselines.reactive
    ? { rule: waitLikeReactive(request.candidates), stats: baselines.reactive, ...(reactiveLowLoad ? { lowLoad: reactiveLowLoad } : {}) }
    : undefined;
  const rule = chooseRule(trials, costRatio, lowLoadCap, reactive, cappedTrials).rule;
  return {
    rule,
    trials: [...trials, ...cappedTrials, ...(reactive ? [reactive] : [])],
    samples,
    overlapHoursPerInterruptionHour: costRatio,
    baselines,
    reactiveLowLoad,
    ...(cappedTrials.length > 0 ? { capped: cappedTrials.length } : {}),
  };
}

export interface RuleScores {
  trials: RuleTrial[];
  baselines: Record<string, RewardStats>;
  samples: number;
  /** Reactive on the low-load samples (absent without baselines or low-load samples). */
  reactiveLowLoad?: RewardStats;
}

/**
 * Every candidate rule and the reactive and average baselines on the same
 * samples: calibration's measurements, and the trade-off curves a report
 * draws for the validation samples (where nothing is chosen).
 */
export async function scoreRules(request: CalibrationRequest, options: WorkOptions & { workers?: number } = {}, stage = 'score rules'): Promise<RuleScores> {
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
    policies: [{ kind: 'model', modelDir: resolve(request.modelDir), rule: request.candidates[0], backend: request.backend }, ...TUNING_BASELINES],
  };
  const threads = threadsFor(options.workers);
  const baselinePolicies = request.baselines === false ? [] : TUNING_BASELINES;
  const total = (1 + baselinePolicies.length) * indices.length;
  let done = 0;
  const report = (): void => options.onProgress?.({ stage, done, total, unit: 'samples' });
  report();

  const byRule: Map<number, SampleOutcome>[] = request.candidates.map(() => new Map());
  const tasks: ValidationTask[] = chunks(indices, modelBatchSize(indices.length, threads)).map((slice) => ({ policy: 0, indices: slice, rules: [...request.candidates] }));
  await runValidationTasks(init, tasks, {
    workers: options.workers,
    signal: options.signal,
    onResult: (result: ValidationTaskResult, task) => {
      result.byRule!.forEach((outcomes, r) => outcomes.forEach((o) => byRule[r].set(o.index, o)));
      done += task.indices.length;
      report();
    },
  });

  const trials: RuleTrial[] = request.candidates.map((rule, r) => ({
    rule,
    stats: rewardStats(indices.map((i) => byRule[r].get(i)!.rewardSeconds / 3600)),
  }));

  const byBaseline: Map<number, SampleOutcome>[] = TUNING_BASELINES.map(() => new Map());
  const baselineTasks: ValidationTask[] = baselinePolicies.flatMap((_, b) =>
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
  baselinePolicies.forEach((policy, b) => (baselines[policy.kind] = rewardStats(indices.map((i) => byBaseline[b].get(i)!.rewardSeconds / 3600))));
  // The low-load samples (reactive's interruption <= 2 h): where a rule must not do worse than waiting like reactive.
  const reactive = baselinePolicies.findIndex((p) => p.kind === 'reactive');
  if (reactive < 0) return { trials, baselines, samples: indices.length };
  const low = indices.filter((i) => loadLevelOf(byBaseline[reactive].get(i)!.rewardSeconds / 3600) === 'low');
  // Each rule against reactive, sample by sample: whether the samples show it worse beyond chance (chooseRule).
  const R = request.overlapHoursPerInterruptionHour ?? 1;
  const costOf = (rewardSeconds: number): number => sampleCostHours(rewardSeconds / 3600, R);
  const versus = (r: number, of: readonly number[]) => pairedDifference(of.map((i) => costOf(byRule[r].get(i)!.rewardSeconds) - costOf(byBaseline[reactive].get(i)!.rewardSeconds)));
  trials.forEach((t, r) => (t.vsReactive = { all: versus(r, indices), ...(low.length > 0 ? { lowLoad: versus(r, low) } : {}) }));
  if (low.length === 0) return { trials, baselines, samples: indices.length };
  trials.forEach((t, r) => (t.lowLoad = rewardStats(low.map((i) => byRule[r].get(i)!.rewardSeconds / 3600))));
  return { trials, baselines, samples: indices.length, reactiveLowLoad: rewardStats(low.map((i) => byBaseline[reactive].get(i)!.rewardSeconds / 3600)) };
}
