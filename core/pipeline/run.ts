import { sha256OfFile } from '../trace/index.js';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic } from '../files/atomic.js';
import { DATASET_SCHEMA_VERSION, stableJson } from '../dataset/manifest.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import { readManifest } from '../model/io.js';
import { isWaitModelDir, readWaitModel } from '../model/wait-model.js';
import { WAIT_RISK_KIND } from '../model/wait-risk.js';
import { openDataset, splitDatasetHeldOut } from '../dataset/reader.js';
import type { Progress, WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import type { ChainSchedule } from '../sim/chain.js';
import { loadTraceFile, parseClock } from '../trace/index.js';
import type { LoadedTrace } from '../trace/index.js';
import type { TrainOverrides } from '../train/config.js';
import { loadTrainingData } from '../train/dataset-data.js';
import type { TrainEvent } from '../train/events.js';
import { trainModel } from '../train/train.js';
import { isWaitModelKind, trainWaitModelOnDataset } from '../train/wait.js';
import { TOOL_VERSION } from '../version.js';
import { writePolicyBundle } from '../policy/index.js';
import { PIPELINE_POLICY_DIR, pipelinePolicyInput } from './policy.js';
import { candidateRiskRules, candidateRules } from '../validate/calibrate.js';
import type { Calibration, ThresholdRule } from '../validate/calibrate.js';
import type { DecisionRule } from '../validate/decide.js';
import { POLICY_BASE_SUBDIR, policyStageInputs, trainPipelinePolicy } from './policy-train.js';
import { runCalibration, scoreRules } from '../validate/calibration-run.js';
import { COMPARISON_FILE, TRADEOFF_FILE, compareToBaselines } from '../compare/compare.js';
import type { Comparison } from '../compare/compare.js';
import { tradeoffData } from '../compare/tradeoff.js';
import { replayBlockSamples } from '../compare/stats.js';
import { tradeoffOption } from '../charts/index.js';
import { renderChartSvg } from '../validate/svg.js';
import { readValidationRecords, readValidationSummary, RUN_FILES } from '../validate/output.js';
import type { BaselinePolicy } from '../validate/policies.js';
import { runValidation } from '../validate/run.js';
import { parseSimConfig } from '../sim/config.js';
import { labelledScheduleWarnings } from '../sim/warnings.js';
import type { ValidationSummary } from '../validate/summary.js';
import { keptTrainingSamples, predictsRisk, trimmedTrainingNote } from './config.js';
import type { PipelineConfig } from './config.js';
import { formatPipelineReport } from './report.js';
import type { PipelineReportInput } from './report.js';
import { runStage, stageDir, stageKey } from './stage.js';
import type { StageOutcome } from './stage.js';

/**
 * `mirage run`: trace -> dataset -> training -> validation -> report. Each
 * stage writes its own folder under OUT/stages, named by a hash of what
 * decides its content, and is skipped when that folder is already finished;
 * dataset generation and training also resume inside an interrupted stage.
 * The report stage copies the comparison to OUT/ (report.md, summary.json,
 * reward.log, rewards.csv, charts/) and records the stages in pipeline.json.
 */

export const PIPELINE_STAGES = ['trace', 'dataset', 'training', 'calibration', 'validation', 'report'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface StageEvent {
  stage: PipelineStage;
  status: 'start' | 'reused' | 'done';
  key: string;
  dir: string;
  seconds?: number;
}

export interface PipelineOptions extends WorkOptions {
  outDir: string;
  /** Absolute trace path (the config's, resolved by loadPipelineConfig). */
  tracePath: string;
  onStage?: (event: StageEvent) => void;
  onTrainEvent?: (event: TrainEvent) => void;
  /** A result would mean little (core/sim/warnings.ts): said once, before the stages run. */
  onWarning?: (message: string) => void;
}

export interface PipelineResult {
  outDir: string;
  stages: StageOutcome[];
  summary: ValidationSummary;
}

export const DATASET_SUBDIR = 'data';

export const CALIBRATION_FILE = 'calibration.json';

/**
 * The training samples held out of the fit (core/dataset/split.ts, as every
 * fit splits them): where the submit rule is calibrated.
 */
export async function tuningSamples(config: PipelineConfig, dataDir: string): Promise<number[]> {
  const held = splitDatasetHeldOut(await openDataset(dataDir), config.training.heldOutFraction).heldOutSamples;
  if (held.length < 1) throw new Error('validation.calibrate needs held-out training samples: set training.heldOutFraction above 0, or calibrate.enabled to false');
  return held.sort((a, b) => a - b);
}

/**
 * What the trace stage records of a loaded trace. The submit range is a loop,
 * not Math.min(...): spreading an archive log's half a million jobs as
 * arguments overflows the stack.
 */
export function traceRecord(name: string, trace: Pick<LoadedTrace, 'sha256' | 'format' | 'jobs' | 'rejectedCount'>): Record<string, unknown> {
  let first = Infinity;
  let last = -Infinity;
  for (const j of trace.jobs) {
    first = Math.min(first, j.submitSec);
    last = Math.max(last, j.submitSec);
  }
  const some = trace.jobs.length > 0;
  return { name, sha256: trace.sha256, format: trace.format, jobs: trace.jobs.length, rejectedRows: trace.rejectedCount, firstSubmitSec: some ? first : null, lastSubmitSec: some ? last : null };
}

/**
 * The submit rule a model gets without calibration: the configured interval
 * (regressors), the newsvendor threshold 1 / (1 + R) (wait-risk), its own
 * action (a policy model, per validation.decision: it has no threshold, and is
 * never calibrated).
 */
export function uncalibratedRule(config: PipelineConfig): DecisionRule {
  const v = config.validation;
  if (config.training.model === 'policy') return { kind: 'policy', mode: v.decision, seed: v.seed };
  if (predictsRisk(config.training)) return { kind: 'risk', threshold: 1 / (1 + config.cost.overlapHoursPerInterruptionHour) };
  return { kind: 'regressor', lowHours: v.submitIntervalHours[0], highHours: v.submitIntervalHours[1] };
}

/**
 * The confirmations and caps calibration offers when the config names none,
 * and the caps it falls back to only where no uncapped rule does no harm on
 * the held-out low-load samples (`harmlessCaps`, chooseRule's `capped`).
 * wait-risk holds back by the scheduler's start estimate itself
 * (core/model/wait-risk.ts): hour caps chosen on an idle held-out tail only
 * held it back where the queue was busy, and confirmations, there to skip
 * noisy early crossings, mostly won ties on idle tails and then waited an
 * hour or two too long (LS6 folds: pooled cost 0.823 h with [1, 2, 3, 6,
 * 12], 0.785 h with 1; docs/results.md). The other models see no estimate:
 * without caps they submit hours early into idle queues. On HPC2N-2002,
 * whose waits are a large share of the estimate, uncapped wait-risk paid
 * +0.13 h per low-load validation sample against reactive; with the caps as
 * a fallback, a 2-hour cap did no harm on the tail and none in validation
 * (docs/results.md). The other models' candidates hold the caps already.
 */
export function calibrationDefaults(training: PipelineConfig['training']): { confirmations: number[]; maxLeadHours: (number | null)[]; harmlessCaps: number[] } {
  return training.model === 'wait-risk'
    ? { confirmations: [1], maxLeadHours: [null], harmlessCaps: [8, 4, 2, 1] }
    : { confirmations: [1, 2, 3, 6, 12], maxLeadHours: [1, 2, 4, 8, null], harmlessCaps: [] };
}

/**
 * The rules calibration tries for the config's model kind: its candidates,
 * and the capped rules it falls back to where no candidate does no harm
 * (none when the config lists its own caps).
 */
export function calibrationRules(config: PipelineConfig): { candidates: ThresholdRule[]; capped: ThresholdRule[] } {
  const c = config.validation.calibrate;
  const defaults = calibrationDefaults(config.training);
  const confirmations = c.confirmations ?? defaults.confirmations;
  const withCaps = (caps: readonly (number | undefined)[]): ThresholdRule[] =>
    predictsRisk(config.training)
      ? candidateRiskRules(c.thresholds, confirmations, caps)
      : candidateRules(c.lowHours, confirmations, config.validation.submitIntervalHours[1], caps);
  return {
    candidates: withCaps((c.maxLeadHours ?? defaults.maxLeadHours).map((cap) => cap ?? undefined)),
    capped: c.maxLeadHours === undefined && defaults.harmlessCaps.length > 0 ? withCaps(defaults.harmlessCaps) : [],
  };
}
export const MODEL_SUBDIR = 'model';
/**
 * A wait-based model fitted again on every training sample, the held-out tail
 * included, once calibration has chosen its rule on the tail with the fit in
 * MODEL_SUBDIR: what validation runs and the policy bundle carries. The tail
 * is the newest stretch of the training period, the closest to what comes
 * next; leaving it out of the final fit cost 2-3 % on LS6's folds (pooled
 * cost 1.105 h against 1.085 h for wait-risk, 1.159 h against 1.130 h for
 * wait-linear). Neural models keep their one fit: the tail chose its epoch.
 */
export const FINAL_MODEL_SUBDIR = 'final';

/** The model folder of a training stage that validation runs and the policy bundle carries. */
export function validatedModelOf(config: PipelineConfig, trainingStageDir: string): string {
  return join(trainingStageDir, isWaitModelKind(config.training.model) ? FINAL_MODEL_SUBDIR : MODEL_SUBDIR);
}

const WAIT_MODEL_BACKEND = 'TypeScript (closed-form ridge solve)';

/** What the report says about the model: a TensorFlow.js model's manifest, or a wait model's few facts. */
async function reportedModel(modelDir: string, validatedModelDir: string): Promise<PipelineReportInput['model']> {
  if (!(await isWaitModelDir(modelDir))) {
    const manifest = await readManifest(modelDir);
    const thresholds = manifest.target.thresholdsHours;
    // A wait-risk network: say what its outputs are, as the wait-risk model's line does.
    return thresholds ? { ...manifest, network: { type: `${manifest.network.type}, ${thresholds.length} outputs: P(wait > tau), read at the time left` } } : manifest;
  }
  const wait = await readWaitModel(modelDir);
  const validated = await readWaitModel(validatedModelDir);
  // The share is the validated fit's (the refit on every training sample computes its own).
  const risk = validated.kind === WAIT_RISK_KIND ? validated : null;
  const share = risk?.waitShareOfEstimate !== undefined ? `, read as 0 while the time left exceeds ${risk.waitShareOfEstimate.toFixed(3)} of the scheduler's start estimate` : '';
  const margin = risk?.leadMarginHours !== undefined ? `, the time left read ${Math.round(risk.leadMarginHours * 60)} minutes short` : '';
  const type =
    wait.kind === WAIT_RISK_KIND
      ? `${wait.thresholdsHours.length} logistic models on ${wait.features.length} queue features, predict P(wait >= time left)${share}${margin}`
      : `ridge on ${wait.features.length} queue features, predicts the wait`;
  // The metrics are this fit's, on the held-out tail; validation runs the fit on every training sample.
  return { kind: wait.kind, network: { type: `${type}; validated as fitted again on every training sample once calibration chose its rule` }, backend: WAIT_MODEL_BACKEND, metrics: wait.metrics };
}

/** The chain schedule of a config's training (dataset) or validation period. */
export function pipelineSchedule(config: PipelineConfig, part: 'dataset' | 'validation'): ChainSchedule {
  const samples = part === 'dataset' ? { start: config.dataset.start, samples: keptTrainingSamples(config) } : config.validation;
  return { startSec: parseClock(samples.start), samples: samples.samples, ...config.chain };
}

function trainOverrides(t: PipelineConfig['training']): TrainOverrides {
  const o: TrainOverrides = { heldOutFraction: t.heldOutFraction };
  if (t.epochs !== undefined) o.epochs = t.epochs;
  if (t.batchSize !== undefined) o.batchSize = t.batchSize;
  if (t.learningRate !== undefined) o.learningRate = t.learningRate;
  if (t.patience !== undefined) o.patience = t.patience;
  if (t.maxMinutes !== undefined) o.maxSeconds = t.maxMinutes * 60;
  if (t.dModel !== undefined) o.dModel = t.dModel;
  if (t.layers !== undefined) o.layers = t.layers;
  if (t.heads !== undefined) o.heads = t.heads;
  if (t.ffDim !== undefined) o.ffDim = t.ffDim;
  if (t.patchLen !== undefined) o.patchLen = t.patchLen;
  if (t.target !== undefined) o.target = t.target;
  return o;
}

function baselinesOf(config: PipelineConfig): BaselinePolicy[] {
  return config.validation.baselines.map((kind) =>
    kind === 'quantile' ? { kind, q: config.validation.quantile.q, window: config.validation.quantile.window } : { kind },
  );
}

export function modelLabel(config: PipelineConfig): string {
  const target = config.training.target;
  return `model-${config.training.model}${target && target !== 'reward' ? `-${target}` : ''}`;
}

export async function runPipeline(config: PipelineConfig, options: PipelineOptions): Promise<PipelineResult> {
  const stagesRoot = join(options.outDir, 'stages');
  await mkdir(stagesRoot, { recursive: true });
  const workers = config.workers === 0 ? undefined : config.workers;
  const outcomes: StageOutcome[] = [];
  // Versions are part of every key: a new tool version may simulate or train differently.
  const tool = { version: TOOL_VERSION };

  const stage = async (name: PipelineStage, inputs: unknown, work: (dir: string) => Promise<void>, keepPartial = false): Promise<StageOutcome> => {
    throwIfAborted(options.signal);
    const started = performance.now();
    const key = stageKey(name, inputs);
    let ran = false;
    const outcome = await runStage(
      stagesRoot,
      name,
      inputs,
      async (dir) => {
        ran = true;
        options.onStage?.({ stage: name, status: 'start', key, dir: stageDir(stagesRoot, name, key) });
        await work(dir);
      },
      { keepPartial, signal: options.signal },
    );
    const seconds = (performance.now() - started) / 1000;
    options.onStage?.({ stage: name, status: ran ? 'done' : 'reused', key: outcome.key, dir: outcome.dir, seconds });
    outcomes.push(outcome);
    return outcome;
  };
  const progress = (p: Progress): void => options.onProgress?.(p);

  // Trace: its content hash keys everything after it.
  const traceSha256 = await sha256OfFile(options.tracePath);
  const traceInputs = { tool, name: basename(options.tracePath), sha256: traceSha256, format: config.trace.format };
  // Read once: the trace stage records it, and the schedule warnings below need its jobs on every run.
  const trace = await loadTraceFile(options.tracePath, { format: config.trace.format, signal: options.signal, onProgress: progress });
  if (trace.sha256 !== traceSha256) throw new Error(`${options.tracePath}: the file changed while it was being read`);
  const traceStage = await stage('trace', traceInputs, async (dir) => {
    await writeFileAtomic(join(dir, 'trace.json'), stableJson(traceRecord(basename(options.tracePath), trace)));
  });

  // Results that would mean nothing (no job to replay, samples outside the trace, a job size the cluster seldom held) are said before the work.
  const warnings = labelledScheduleWarnings(trace.jobs, parseSimConfig(config.sim), [
    { label: 'training', schedule: pipelineSchedule(config, 'dataset') },
    { label: 'validation', schedule: pipelineSchedule(config, 'validation') },
  ]);
  const trimmed = trimmedTrainingNote(config);
  if (trimmed) warnings.push({ code: 'empty-samples', message: trimmed });
  for (const w of warnings) options.onWarning?.(w.message);

  const sim = config.sim;
  const datasetStage = await stage(
    'dataset',
    // The dataset format's version: a folder of an older format is generated again, not reused.
    { tool, format: DATASET_SCHEMA_VERSION, trace: traceStage.key, sim, chain: config.chain, dataset: { ...config.dataset, samples: keptTrainingSamples(config) }, seed: config.training.seed },
    async (dir) => {
      await generateTraceDataset(
        {
          tracePath: options.tracePath,
          format: config.trace.format,
          schedule: pipelineSchedule(config, 'dataset'),
          sim,
          policy: { kind: 'probes', probes: config.dataset.probes },
          featureMode: config.dataset.featureMode,
          seed: config.training.seed,
        },
        { outDir: join(dir, DATASET_SUBDIR), resume: true, workers, signal: options.signal, onProgress: (p) => progress({ ...p, stage: 'dataset' }) },
      );
    },
    true,
  );

  const policyModel = config.training.model === 'policy';
  const trainingStage = await stage(
    'training',
    // A policy also trains in the simulator on the trace: its REINFORCE settings (the cost among them) and episodes.
    {
      tool,
      dataset: datasetStage.key,
      training: config.training,
      ...(policyModel ? { trace: traceStage.key, ...policyStageInputs(config) } : {}),
      ...(isWaitModelKind(config.training.model) ? { final: FINAL_MODEL_SUBDIR } : {}),
    },
    async (dir) => {
      const kind = config.training.model;
      if (isWaitModelKind(kind)) {
        await trainWaitModelOnDataset(join(datasetStage.dir, DATASET_SUBDIR), join(dir, MODEL_SUBDIR), {
          kind,
          heldOutFraction: config.training.heldOutFraction,
          allRowsDir: join(dir, FINAL_MODEL_SUBDIR),
        });
        await writeFileAtomic(join(dir, 'history.json'), JSON.stringify({ backend: WAIT_MODEL_BACKEND, events: [] }, null, 1) + '\n');
        return;
      }
      const data = await loadTrainingData(join(datasetStage.dir, DATASET_SUBDIR));
      const events: TrainEvent[] = [];
      const trainOptions = {
        signal: options.signal,
        onProgress: (p: Progress) => progress({ ...p, stage: 'training' }),
        onEvent: (e: TrainEvent) => {
          // Steps and episodes are many; the epochs and updates carry their means.
          if (e.type !== 'step' && e.type !== 'episode') events.push(e);
          options.onTrainEvent?.(e);
        },
      };
      // A policy model: its supervised base first (into base/), then the agent over it (into model/).
      const result = await trainModel(
        data,
        {
          kind: kind === 'policy' ? (config.training.policyBase ?? 'default') : kind,
          preset: config.training.preset === 'paper' ? 'paper' : null,
          seed: config.training.seed,
          overrides: trainOverrides(config.training),
          outDir: join(dir, kind === 'policy' ? POLICY_BASE_SUBDIR : MODEL_SUBDIR),
          resume: true,
          backend: config.training.backend,
        },
        trainOptions,
      );
      if (kind === 'policy') {
        await trainPipelinePolicy(
          { config, jobs: trace.jobs, traceSha256, baseDir: join(dir, POLICY_BASE_SUBDIR), outDir: join(dir, MODEL_SUBDIR), backend: config.training.backend },
          // Its own progress line: the base's 'training' line has already said it finished.
          { ...trainOptions, onProgress: (p: Progress) => progress({ ...p, stage: 'training (policy)' }) },
        );
      }
      await writeFileAtomic(join(dir, 'history.json'), JSON.stringify({ backend: result.backend.description, events }, null, 1) + '\n');
    },
    true,
  );

  const v = config.validation;
  const modelDir = join(trainingStage.dir, MODEL_SUBDIR);
  const validatedModelDir = validatedModelOf(config, trainingStage.dir);
  // Threshold rules are calibrated on the held-out tail, or as configured; a policy model decides by its own action.
  let rule: DecisionRule = uncalibratedRule(config);
  let calibrationKey: string | null = null;
  let calibration: Calibration | null = null;
  if (v.calibrate.enabled && !policyModel) {
    const tuning = await tuningSamples(config, join(datasetStage.dir, DATASET_SUBDIR));
    const { candidates, capped } = calibrationRules(config);
    const calibrationStage = await stage(
      'calibration',
      { tool, trace: traceStage.key, model: trainingStage.key, sim, chain: config.chain, tuning, candidates, capped, cost: config.cost },
      async (dir) => {
        const calibration = await runCalibration(
          {
            tracePath: options.tracePath,
            format: config.trace.format,
            sim,
            schedule: pipelineSchedule(config, 'dataset'),
            indices: tuning,
            modelDir,
            backend: config.training.backend,
            candidates,
            capped,
            overlapHoursPerInterruptionHour: config.cost.overlapHoursPerInterruptionHour,
          },
          { workers, signal: options.signal, onProgress: progress },
        );
        await writeFileAtomic(join(dir, CALIBRATION_FILE), JSON.stringify(calibration, null, 1) + '\n');
      },
    );
    calibrationKey = calibrationStage.key;
    calibration = JSON.parse(await readFile(join(calibrationStage.dir, CALIBRATION_FILE), 'utf8')) as Calibration;
    rule = calibration.rule;
  }

  const validationStage = await stage('validation', { tool, trace: traceStage.key, model: trainingStage.key, calibration: calibrationKey, rule, sim, chain: config.chain, validation: config.validation }, async (dir) => {
    await runValidation(
      {
        tracePath: options.tracePath,
        format: config.trace.format,
        sim,
        schedule: pipelineSchedule(config, 'validation'),
        policy: { kind: 'model', modelDir: validatedModelDir, rule, backend: config.training.backend, label: modelLabel(config) },
        baselines: baselinesOf(config),
        outDir: dir,
      },
      { workers, signal: options.signal, onProgress: progress },
    );
    // The evidence beside the numbers: intervals of the differences, and the model's threshold curve on these samples.
    const records = await readValidationRecords(dir);
    const blockSamples = replayBlockSamples(config.chain);
    const R = config.cost.overlapHoursPerInterruptionHour;
    const comparison = compareToBaselines([records], { model: modelLabel(config), overlapHoursPerInterruptionHour: R, blockSamples, baselines: config.validation.baselines.includes('reactive') ? config.validation.baselines : ['reactive', ...config.validation.baselines] });
    await writeFileAtomic(join(dir, COMPARISON_FILE), JSON.stringify(comparison, null, 1) + '\n');
    if (calibration) {
      // A model that waits like reactive is drawn on the curve of its first candidates' settings: what it would have done.
      const { candidates, capped } = calibrationRules(config);
      const rules = [...candidates, ...capped];
      const chosen = calibration.rule.maxLeadHours === 0 ? rules[0] : calibration.rule;
      const curve = rules.filter((r) => r.confirmations === chosen.confirmations && r.maxLeadHours === chosen.maxLeadHours);
      const scores = await scoreRules(
        { tracePath: options.tracePath, format: config.trace.format, sim, schedule: pipelineSchedule(config, 'validation'), modelDir: validatedModelDir, backend: config.training.backend, candidates: curve, baselines: false },
        { workers, signal: options.signal, onProgress: progress },
        'trade-off curve',
      );
      const data = tradeoffData({ groups: [records], model: modelLabel(config), baselines: ['reactive', 'average'].filter((b) => records.some((r) => r.policy === b)), trials: scores.trials, chosen, blockSamples, overlapHoursPerInterruptionHour: R });
      await writeFileAtomic(join(dir, TRADEOFF_FILE), JSON.stringify(data, null, 1) + '\n');
      await writeFileAtomic(join(dir, RUN_FILES.charts, 'tradeoff.svg'), renderChartSvg(tradeoffOption(data)));
    }
  });

  const { workers: _workers, ...resultConfig } = config;
  const reportStage = await stage('report', { tool, config: resultConfig, stages: outcomes.map((o) => ({ stage: o.stage, key: o.key })) }, async (dir) => {
    const summary = await readValidationSummary(validationStage.dir);
    const model = await reportedModel(join(trainingStage.dir, MODEL_SUBDIR), validatedModelDir);
    const datasetManifest = JSON.parse(await readFile(join(datasetStage.dir, DATASET_SUBDIR, 'manifest.json'), 'utf8')) as { counts: Record<string, number> };
    for (const file of [RUN_FILES.rewardLog, RUN_FILES.rewardsCsv, RUN_FILES.summary, COMPARISON_FILE]) await cp(join(validationStage.dir, file), join(dir, file));
    const hasTradeoff = calibration !== null;
    if (hasTradeoff) await cp(join(validationStage.dir, TRADEOFF_FILE), join(dir, TRADEOFF_FILE));
    const comparison = JSON.parse(await readFile(join(validationStage.dir, COMPARISON_FILE), 'utf8')) as Comparison;
    await cp(join(validationStage.dir, RUN_FILES.charts), join(dir, RUN_FILES.charts), { recursive: true });
    await writeFileAtomic(
      join(dir, RUN_FILES.report),
      formatPipelineReport(
        { config, summary, model, rule, calibration, comparison, hasTradeoff, warnings: warnings.map((w) => w.message), datasetCounts: datasetManifest.counts, stages: outcomes.map((o) => ({ stage: o.stage, dir: o.dir })) },
        options.outDir,
      ),
    );
  });

  // The latest report at the top of OUT, where a reader looks first.
  for (const file of [RUN_FILES.report, RUN_FILES.rewardLog, RUN_FILES.rewardsCsv, RUN_FILES.summary, COMPARISON_FILE]) await cp(join(reportStage.dir, file), join(options.outDir, file));
  await rm(join(options.outDir, TRADEOFF_FILE), { force: true });
  if (calibration) await cp(join(reportStage.dir, TRADEOFF_FILE), join(options.outDir, TRADEOFF_FILE));
  await rm(join(options.outDir, RUN_FILES.charts), { recursive: true, force: true });
  await cp(join(reportStage.dir, RUN_FILES.charts), join(options.outDir, RUN_FILES.charts), { recursive: true });
  await writeFileAtomic(
    join(options.outDir, 'pipeline.json'),
    stableJson({ config, tool: TOOL_VERSION, stages: outcomes.map((o) => ({ stage: o.stage, key: o.key, dir: join('stages', basename(o.dir)) })) }),
  );
  // The validated policy as one folder that `mirage provision --policy OUT/policy` runs: the model, its rule as validated, the cluster, the scores.
  await writePolicyBundle(
    join(options.outDir, PIPELINE_POLICY_DIR),
    pipelinePolicyInput({
      config,
      tracePath: options.tracePath,
      traceSha256,
      modelDir: validatedModelDir,
      label: modelLabel(config),
      rule,
      calibrated: calibration !== null,
      summary: await readValidationSummary(validationStage.dir),
      cost: config.cost.overlapHoursPerInterruptionHour,
      comparison: JSON.parse(await readFile(join(validationStage.dir, COMPARISON_FILE), 'utf8')) as Comparison,
    }),
  );
  return { outDir: options.outDir, stages: outcomes, summary: await readValidationSummary(validationStage.dir) };
}
