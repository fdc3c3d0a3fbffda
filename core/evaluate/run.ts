import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { PipelineConfigSchema, keptTrainingSamples } from '../pipeline/config.js';
import type { EvaluationModel, PipelineConfig } from '../pipeline/config.js';
import { calibrationRules, modelLabel, pipelineSchedule, runPipeline, validatedModelOf } from '../pipeline/run.js';
import { replayBlockSamples } from '../compare/stats.js';
import { chosenTrial, meanCostHours as costOf } from '../validate/calibrate.js';
import type { ThresholdRule } from '../validate/calibrate.js';
import { runCalibration } from '../validate/calibration-run.js';
import type { StageEvent } from '../pipeline/run.js';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { formatClock, parseClock } from '../trace/index.js';
import { TOOL_VERSION } from '../version.js';
import type { TradeoffData } from '../charts/index.js';
import { readValidationRecords } from '../validate/output.js';
import type { SampleReward } from '../validate/summary.js';
import { TRADEOFF_FILE, compareToBaselines } from '../compare/compare.js';
import { sampleCostHours } from '../validate/stats.js';
import type { Comparison } from '../compare/compare.js';

/**
 * `mirage evaluate`: rolling-origin evaluation. For each chain job size, K
 * consecutive folds end one replay length before the test period; fold k
 * validates its samples after training on every training sample whose replay
 * ends before the fold starts (the pipeline's own gap). Each candidate model
 * kind runs the whole pipeline (dataset, fit, calibration on the training
 * period's held-out tail, validation) on every fold; the kind of smallest
 * pooled mean cost over the folds is chosen, and only that kind then runs on
 * the test period, which no selection step has seen. Every number comes with
 * block-bootstrap intervals (core/compare/compare.ts).
 */

export interface FoldPlan {
  part: 'fold' | 'test';
  /** 0-based fold number; the test period has none. */
  fold: number | null;
  start: string;
  samples: number;
}

export const EVALUATION_FILE = 'evaluation.json';
export const EVALUATION_REPORT = 'evaluation.md';

/** The folds and the test period of a config, in time order. */
export function evaluationPlan(config: PipelineConfig): FoldPlan[] {
  const e = config.evaluation;
  const stepSec = config.chain.intervalHours * 3600;
  const replaySec = (config.chain.warmupDays + config.chain.workloadDays) * 86400;
  const testStart = parseClock(e.test.start);
  const foldSpan = e.foldSamples * stepSec;
  const plan: FoldPlan[] = [];
  for (let k = 0; k < e.folds; k++) {
    // The last fold's last sample replays up to one step before the test period.
    const start = testStart - replaySec - (e.folds - k) * foldSpan + stepSec;
    plan.push({ part: 'fold', fold: k, start: formatClock(start), samples: e.foldSamples });
  }
  plan.push({ part: 'test', fold: null, start: e.test.start, samples: e.test.samples });
  const first = parseClock(plan[0].start);
  if (first <= parseClock(config.dataset.start)) {
    throw new Error(
      `evaluation: the first fold would start at ${plan[0].start}, not after dataset.start ${config.dataset.start}: use fewer or shorter folds (evaluation.folds, evaluation.foldSamples) or an earlier dataset.start`,
    );
  }
  return plan;
}

/** The pipeline config of one run of the evaluation: job size, model kind, training up to the period, the period as validation. */
export function runConfig(base: PipelineConfig, jobNodes: number, model: EvaluationModel, period: FoldPlan): PipelineConfig {
  const [kind, target] = model.split(':') as [PipelineConfig['training']['model'], 'wait-risk' | undefined];
  const stepSec = base.chain.intervalHours * 3600;
  // Enough training samples to reach the period; keptTrainingSamples leaves out those replaying into it.
  const reach = Math.ceil((parseClock(period.start) - parseClock(base.dataset.start)) / stepSec);
  const config = PipelineConfigSchema.parse({
    ...base,
    chain: { ...base.chain, jobNodes },
    training: { ...base.training, model: kind, ...(target ? { target } : {}) },
    dataset: { ...base.dataset, samples: Math.max(1, reach) },
    validation: { ...base.validation, start: period.start, samples: period.samples },
  });
  if (keptTrainingSamples(config) < 2) throw new Error(`evaluation: no training samples before ${period.start} (dataset.start ${base.dataset.start})`);
  return config;
}

export interface EvaluationRun {
  jobNodes: number;
  model: string;
  /** Its rows' policy name in the run's results (modelLabel). */
  label: string;
  period: FoldPlan;
  trainingSamples: number;
  comparison: Comparison;
  /** The trade-off data of the run (when calibrated). */
  tradeoff: TradeoffData | null;
  /**
   * The candidate rule that would have been chosen on this run's own
   * validation samples (smallest cost among those no worse than reactive on
   * its low-load samples), and the model's mean cost under it: not a result,
   * a bound on what a better choice of rule could add to this model. Null
   * for a model without a threshold rule (a policy).
   */
  hindsight: { rule: ThresholdRule; meanCostHours: number } | null;
}

export interface EvaluationSummary {
  kind: 'mirage-evaluation';
  version: string;
  overlapHoursPerInterruptionHour: number;
  blockSamples: number;
  plan: FoldPlan[];
  /** Pooled mean cost over every fold and job size, per candidate kind: what chose the model. */
  selection: { meanCostHours: Record<string, number>; chosen: string };
  runs: EvaluationRun[];
  /** The chosen kind against the baselines: per job size and all sizes, on the folds, on the test period, and both. */
  pooled: {
    scope: string;
    part: 'folds' | 'test' | 'folds + test';
    jobNodes: number | 'all';
    comparison: Comparison;
    /** The model's mean cost with each run's rule in hindsight (EvaluationRun.hindsight), pooled; null when a run has none. */
    hindsightMeanCostHours: number | null;
  }[];
}

export interface EvaluationOptions extends WorkOptions {
  outDir: string;
  tracePath: string;
  /** One line per run started or finished, for the CLI. */
  onLine?: (line: string) => void;
  onStage?: (event: StageEvent) => void;
}

/**
 * EvaluationRun.hindsight: every candidate rule scored on the run's
 * validation samples and chosen as calibration would choose on them. Kept in
 * the run's folder (hindsight-<label>.json) with what decides it, so an
 * evaluation run again over finished stages does not score the rules again.
 */
async function ruleInHindsight(
  cfg: PipelineConfig,
  run: { outDir: string; label: string; validationKey: string; modelDir: string },
  options: EvaluationOptions,
): Promise<EvaluationRun['hindsight']> {
  const R = cfg.cost.overlapHoursPerInterruptionHour;
  const { candidates, capped } = calibrationRules(cfg);
  const key = JSON.stringify({ validation: run.validationKey, overlapHoursPerInterruptionHour: R, candidates, capped });
  const file = join(run.outDir, `hindsight-${run.label}.json`);
  const kept = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as { key: string; hindsight: EvaluationRun['hindsight'] },
    () => null,
  );
  if (kept?.key === key) return kept.hindsight;
  const best = await runCalibration(
    {
      tracePath: options.tracePath,
      format: cfg.trace.format,
      sim: cfg.sim,
      // runConfig made the run's period its validation period.
      schedule: pipelineSchedule(cfg, 'validation'),
      modelDir: run.modelDir,
      backend: cfg.training.backend,
      candidates,
      capped,
      overlapHoursPerInterruptionHour: R,
    },
    { workers: cfg.workers === 0 ? undefined : cfg.workers, signal: options.signal, onProgress: (p) => options.onProgress?.({ ...p, stage: 'rule in hindsight' }) },
  );
  const hindsight = { rule: best.rule, meanCostHours: costOf(chosenTrial(best).stats, R) };
  await writeFileAtomic(file, JSON.stringify({ key, hindsight }, null, 1) + '\n');
  return hindsight;
}

export async function runEvaluation(config: PipelineConfig, options: EvaluationOptions): Promise<EvaluationSummary> {
  const plan = evaluationPlan(config);
  const e = config.evaluation;
  const R = config.cost.overlapHoursPerInterruptionHour;
  const blockSamples = replayBlockSamples(config.chain);
  await mkdir(options.outDir, { recursive: true });
  const runs: EvaluationRun[] = [];
  const records = new Map<EvaluationRun, SampleReward[]>();

  const runOne = async (jobNodes: number, model: EvaluationModel, period: FoldPlan): Promise<void> => {
    throwIfAborted(options.signal);
    const cfg = runConfig(config, jobNodes, model, period);
    const name = period.part === 'test' ? 'test' : `fold${period.fold}`;
    // One folder per job size and period: the models share its trace and dataset stages.
    const outDir = join(options.outDir, 'runs', `${jobNodes}-node`, name);
    options.onLine?.(`${jobNodes}-node ${name} (${period.start}, ${period.samples} samples) ${model}: training on ${keptTrainingSamples(cfg)} samples`);
    const result = await runPipeline(cfg, { outDir, tracePath: options.tracePath, signal: options.signal, onStage: options.onStage, onProgress: options.onProgress });
    const validation = result.stages.find((s) => s.stage === 'validation')!;
    const rows = await readValidationRecords(validation.dir);
    // Written only when the rule was calibrated.
    const tradeoff = await readFile(join(validation.dir, TRADEOFF_FILE), 'utf8').then(
      (text) => JSON.parse(text) as TradeoffData,
      () => null,
    );
    const comparison = compareToBaselines([rows], { model: modelLabel(cfg), overlapHoursPerInterruptionHour: R, blockSamples, ...e.bootstrap });
    const run: EvaluationRun = { jobNodes, model, label: modelLabel(cfg), period, trainingSamples: keptTrainingSamples(cfg), comparison, tradeoff, hindsight: null };
    // A trade-off curve is drawn exactly when a threshold rule was calibrated: then there are candidates to choose in hindsight.
    if (tradeoff) {
      const training = result.stages.find((s) => s.stage === 'training')!;
      run.hindsight = await ruleInHindsight(cfg, { outDir, label: run.label, validationKey: validation.key, modelDir: validatedModelOf(cfg, training.dir) }, options);
    }
    runs.push(run);
    records.set(run, rows);
    const m = comparison.policies.find((p) => p.policy === modelLabel(cfg))!;
    options.onLine?.(`  ${model}: mean cost ${m.meanCostHours.toFixed(3)} h (${comparison.bestBaseline} ${comparison.policies.find((p) => p.policy === comparison.bestBaseline)!.meanCostHours.toFixed(3)} h)`);
  };

  for (const jobNodes of e.jobNodes) for (const period of plan.filter((p) => p.part === 'fold')) for (const model of e.models) await runOne(jobNodes, model, period);

  // Selection: pooled mean cost over every fold sample of every job size; the test period plays no part.
  const meanCostHours: Record<string, number> = {};
  for (const model of e.models) {
    const costs = runs
      .filter((r) => r.model === model && r.period.part === 'fold')
      .flatMap((r) => records.get(r)!.filter((x) => x.policy === r.label).map((x) => sampleCostHours(x.rewardSeconds / 3600, R)));
    meanCostHours[model] = costs.reduce((s, c) => s + c, 0) / costs.length;
  }
  const chosen = e.models.reduce((a, b) => (meanCostHours[b] < meanCostHours[a] ? b : a));
  options.onLine?.(`chosen on the folds: ${chosen} (${e.models.map((m) => `${m} ${meanCostHours[m].toFixed(3)} h`).join(', ')})`);
  for (const jobNodes of e.jobNodes) await runOne(jobNodes, chosen, plan.find((p) => p.part === 'test')!);

  // The chosen kind's runs, pooled: rename its rows to 'model' so runs of one scope compare alike.
  const chosenRuns = runs.filter((r) => r.model === chosen);
  const pool = (part: 'folds' | 'test' | 'folds + test', jobNodes: number | 'all'): EvaluationSummary['pooled'][number] => {
    const selected = chosenRuns.filter(
      (r) => (jobNodes === 'all' || r.jobNodes === jobNodes) && (part === 'folds + test' || (part === 'test') === (r.period.part === 'test')),
    );
    const groups = selected.map((r) =>
      records
        .get(r)!
        .filter((x) => x.policy === r.label || !x.policy.startsWith('model-'))
        .map((x) => (x.policy === r.label ? { ...x, policy: 'model' } : x)),
    );
    const scope = `${jobNodes === 'all' ? 'all job sizes' : `${jobNodes}-node jobs`}, ${part}`;
    const hindsight = selected.every((r) => r.hindsight)
      ? selected.reduce((sum, r) => sum + r.hindsight!.meanCostHours * r.period.samples, 0) / selected.reduce((sum, r) => sum + r.period.samples, 0)
      : null;
    return { scope, part, jobNodes, comparison: compareToBaselines(groups, { model: 'model', overlapHoursPerInterruptionHour: R, blockSamples, ...e.bootstrap }), hindsightMeanCostHours: hindsight };
  };
  const pooled: EvaluationSummary['pooled'] = [];
  for (const jobNodes of [...e.jobNodes, 'all' as const]) for (const part of ['folds', 'test', 'folds + test'] as const) pooled.push(pool(part, jobNodes));

  const summary: EvaluationSummary = {
    kind: 'mirage-evaluation',
    version: TOOL_VERSION,
    overlapHoursPerInterruptionHour: R,
    blockSamples,
    plan,
    selection: { meanCostHours, chosen },
    runs,
    pooled,
  };
  await writeFileAtomic(join(options.outDir, EVALUATION_FILE), JSON.stringify(summary, null, 1) + '\n');
  return summary;
}
