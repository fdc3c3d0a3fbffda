import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { ChainScheduleSchema, scheduledSamples } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { SimConfig, SimConfigInput } from '../sim/config.js';
import { formatClock } from '../trace/index.js';
import { writeValidationRun } from './output.js';
import type { ValidationOutput } from './output.js';
import { policyLabel } from './policies.js';
import type { BaselinePolicy, SampleOutcome, ValidationPolicy } from './policies.js';
import { PRED_JOB_ID, SUCC_JOB_ID } from './reward-log.js';
import type { RewardLogRow } from './reward-log.js';
import { sha256OfFile } from '../trace/index.js';
import { chunks, runValidationTasks, threadsFor } from './tasks.js';
import type { ValidationInit, ValidationTask, ValidationTaskResult } from './runner.js';
import type { SampleReward, ValidationSummary } from './summary.js';

export interface ValidationRequest {
  tracePath: string;
  format?: 'auto' | 'mirage' | 'sacct' | 'swf';
  sim?: SimConfigInput;
  schedule: ChainSchedule;
  /** The policy under test: reward.log is its. */
  policy: ValidationPolicy;
  /** Compared beside it; the reactive baseline is always run (it defines the load levels). */
  baselines?: readonly BaselinePolicy[];
  outDir: string;
  /** Extra settings to record in summary.json / report.md. */
  run?: Record<string, unknown>;
  title?: string;
}

export interface ValidationOptions extends WorkOptions {
  /** Worker threads; 0 runs in this thread. Default: every core. */
  workers?: number;
  /** Samples per task of an online (model) policy: the most windows one model call gets. Default: spread evenly, at most 64. */
  batchSamples?: number;
}

export interface ValidationResult {
  outDir: string;
  summary: ValidationSummary;
  /** Wall-clock seconds of the simulation phase and of model calls (summed over workers). */
  seconds: { total: number; model: number };
  modelCalls: number;
  modelWindows: number;
}

/** The policy under test first, then the baselines (reactive always among them), each once. */
export function policiesOfRun(policy: ValidationPolicy, baselines: readonly BaselinePolicy[] = []): ValidationPolicy[] {
  const out: ValidationPolicy[] = [policy];
  const seen = new Set([policyLabel(policy)]);
  for (const b of [{ kind: 'reactive' } as const, ...baselines]) {
    if (seen.has(policyLabel(b))) continue;
    seen.add(policyLabel(b));
    out.push(b);
  }
  // Baselines in a fixed order after the policy under test, whatever order they were named in.
  const rank = (p: ValidationPolicy): number => (p === policy ? -1 : ['reactive', 'average', 'quantile'].indexOf(p.kind));
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Samples per model task: spread over the threads (two tasks each, for balance), at most 64 per model call. */
export function modelBatchSize(samples: number, threads: number): number {
  return Math.min(64, Math.max(1, Math.ceil(samples / (2 * threads))));
}

/** Splits the samples into tasks: one per sample for baselines, batches for a model (each batch is one model call per round). */
function planTasks(policies: readonly ValidationPolicy[], indices: readonly number[], threads: number, batchSamples?: number): ValidationTask[] {
  const tasks: ValidationTask[] = [];
  policies.forEach((policy, p) => {
    if (policy.kind !== 'model') {
      // A baseline sample takes milliseconds: group them so task overhead stays small.
      for (const slice of chunks(indices, 8)) tasks.push({ policy: p, indices: slice });
      return;
    }
    for (const slice of chunks(indices, batchSamples ?? modelBatchSize(indices.length, threads))) tasks.push({ policy: p, indices: slice });
  });
  // Model batches first: they are the long ones.
  return tasks.sort((a, b) => Number(policies[b.policy].kind === 'model') - Number(policies[a.policy].kind === 'model'));
}

function recordOf(policy: string, o: SampleOutcome): SampleReward {
  return {
    policy,
    index: o.index,
    sampleStartSec: o.sampleStartSec,
    submitSec: o.submitSec,
    succStartSec: o.succStartSec,
    rewardSeconds: o.rewardSeconds,
    backfillSec: o.backfillSec,
    expectedReward: o.expected,
  };
}

function rewardLogRowOf(o: SampleOutcome): RewardLogRow {
  return {
    predJobId: PRED_JOB_ID,
    succJobId: SUCC_JOB_ID,
    expectedReward: o.expected,
    expectedRewardIsInt: o.expectedIsInt,
    actualRewardHours: o.rewardSeconds / 3600,
    succStartSec: o.succStartSec,
    index: o.index,
    backfillSec: o.backfillSec,
    submitSec: o.submitSec,
  };
}

function describePolicy(p: ValidationPolicy): unknown {
  if (p.kind === 'model') return { kind: 'model', label: policyLabel(p), model: basename(p.modelDir), rule: p.rule };
  return p;
}

/** What a validation runs: the request resolved (trace hashed, defaults filled in) and the samples to run. */
export interface ValidationPlan {
  tracePath: string;
  sha256: string;
  schedule: ChainSchedule;
  sim: SimConfig;
  /** The policy under test first, then the baselines (policiesOfRun). */
  policies: ValidationPolicy[];
  /** Sample indices, ascending. */
  indices: number[];
}

/** Every policy's outcome on every sample of a plan, before anything is written. */
export interface ValidationOutcomes {
  plan: ValidationPlan;
  /** Per policy (plan.policies order): sample index -> outcome. */
  outcomes: Map<number, SampleOutcome>[];
  modelSeconds: number;
  modelCalls: number;
  modelWindows: number;
}

/**
 * Runs every policy on the schedule's samples (or only on `only`, ascending,
 * a subset of them: a shard) and returns the outcomes. Samples run on worker
 * threads; a model's samples run in batches, each decision round one model
 * call for the whole batch.
 */
export async function collectValidationOutcomes(
  request: ValidationRequest,
  options: ValidationOptions & { only?: readonly number[] } = {},
): Promise<ValidationOutcomes> {
  const schedule = ChainScheduleSchema.parse(request.schedule);
  const sim = parseSimConfig(request.sim ?? {});
  const tracePath = resolve(request.tracePath);
  const sha256 = await sha256OfFile(tracePath);
  const policies = policiesOfRun(request.policy, request.baselines);
  const indices = options.only ? [...options.only] : scheduledSamples(schedule);
  if (indices.length === 0 && !options.only) throw new Error('the schedule has no sample left to validate (all excluded)');
  const init: ValidationInit = { tracePath, format: request.format ?? 'auto', sha256, sim, schedule, policies };
  const threads = threadsFor(options.workers);
  const tasks = planTasks(policies, indices, threads, options.batchSamples);

  const outcomes = policies.map(() => new Map<number, SampleOutcome>());
  const total = policies.length * indices.length;
  let done = 0;
  let modelSeconds = 0;
  let modelCalls = 0;
  let modelWindows = 0;
  const report = (): void => options.onProgress?.({ stage: 'validate', done, total, unit: 'samples' });
  const collect = (result: ValidationTaskResult, task: ValidationTask): void => {
    for (const o of result.outcomes) outcomes[task.policy].set(o.index, o);
    modelSeconds += result.modelSeconds;
    modelCalls += result.modelCalls;
    modelWindows += result.modelWindows;
    done += result.outcomes.length;
    report();
  };

  report();
  await runValidationTasks(init, tasks, { workers: options.workers, signal: options.signal, onResult: collect });
  throwIfAborted(options.signal);
  return { plan: { tracePath, sha256, schedule, sim, policies, indices }, outcomes, modelSeconds, modelCalls, modelWindows };
}

/**
 * The run folder's content from a plan's outcomes: what runValidation writes,
 * and what merging a sharded run's outcomes writes (the same bytes).
 */
export function validationOutputOf(
  plan: ValidationPlan,
  outcomes: readonly ReadonlyMap<number, SampleOutcome>[],
  extra: { run?: Record<string, unknown>; title?: string } = {},
): ValidationOutput {
  const { policies, indices, schedule, sim } = plan;
  const outcomeOf = (p: number, i: number): SampleOutcome => {
    const o = outcomes[p]?.get(i);
    if (!o) throw new Error(`no outcome of ${policyLabel(policies[p])} on sample ${i}`);
    return o;
  };
  const labels = policies.map(policyLabel);
  const records: SampleReward[] = [];
  policies.forEach((_, p) => {
    for (const i of indices) records.push(recordOf(labels[p], outcomeOf(p, i)));
  });
  const underTest = indices.map((i) => rewardLogRowOf(outcomeOf(0, i)));
  const run: Record<string, unknown> = {
    trace: basename(plan.tracePath),
    traceSha256: plan.sha256,
    start: formatClock(schedule.startSec),
    samples: indices.length,
    intervalHours: schedule.intervalHours,
    warmupDays: schedule.warmupDays,
    workloadDays: schedule.workloadDays,
    jobNodes: schedule.jobNodes,
    // Absent at the reference's values (48-h jobs, whole nodes), so summaries of such runs keep their bytes.
    ...(schedule.jobMinutes !== undefined ? { jobMinutes: schedule.jobMinutes } : {}),
    nodes: sim.nodes,
    ...(sim.unit !== 'nodes' ? { unit: sim.unit } : {}),
    ...(schedule.exclude ? { exclude: schedule.exclude.map((r) => `${formatClock(r.fromSec)},${formatClock(r.toSec)}`) } : {}),
    policy: describePolicy(policies[0]),
    baselines: policies.slice(1).map(describePolicy),
    ...extra.run,
  };
  return {
    rewardLog: underTest,
    records,
    run,
    title: extra.title ?? `Validation of ${labels[0]} (${indices.length} samples from ${formatClock(schedule.startSec)})`,
  };
}

/**
 * Validates a policy against the baselines on every sample of a schedule and
 * writes the run folder (reward.log, rewards.csv, summary.json, report.md,
 * charts/).
 */
export async function runValidation(request: ValidationRequest, options: ValidationOptions = {}): Promise<ValidationResult> {
  const started = performance.now();
  const collected = await collectValidationOutcomes(request, options);
  const summary = await writeValidationRun(request.outDir, validationOutputOf(collected.plan, collected.outcomes, { run: request.run, title: request.title }));
  return {
    outDir: request.outDir,
    summary,
    seconds: { total: (performance.now() - started) / 1000, model: collected.modelSeconds },
    modelCalls: collected.modelCalls,
    modelWindows: collected.modelWindows,
  };
}
