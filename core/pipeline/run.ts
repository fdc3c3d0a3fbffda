import { sha256OfFile } from '../trace/hash.js';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic } from '../dataset/atomic.js';
import { stableJson } from '../dataset/manifest.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import { readManifest } from '../model/io.js';
import { WAIT_MODEL_KIND, isWaitModelDir, readWaitModel } from '../model/wait-model.js';
import type { Progress, WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { scheduledSamples } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { loadTraceFile, parseClock } from '../trace/index.js';
import type { TrainOverrides } from '../train/config.js';
import { loadTrainingData } from '../train/dataset-data.js';
import type { TrainEvent } from '../train/events.js';
import { trainModel } from '../train/train.js';
import { trainWaitModelOnDataset } from '../train/wait.js';
import { TOOL_VERSION } from '../version.js';
import { candidateRules } from '../validate/calibrate.js';
import type { Calibration, RegressorRule } from '../validate/calibrate.js';
import { runCalibration } from '../validate/calibration-run.js';
import { readValidationSummary, RUN_FILES } from '../validate/output.js';
import type { BaselinePolicy } from '../validate/policies.js';
import { runValidation } from '../validate/run.js';
import type { ValidationSummary } from '../validate/summary.js';
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
}

export interface PipelineResult {
  outDir: string;
  stages: StageOutcome[];
  summary: ValidationSummary;
}

export const DATASET_SUBDIR = 'data';
export const CALIBRATION_FILE = 'calibration.json';

/**
 * The training samples held out of training (the last training.validationFraction
 * of them, by time, as core/train splits them): where the submit rule is tuned.
 */
export function tuningSamples(config: PipelineConfig): number[] {
  const indices = scheduledSamples(schedule(config, 'dataset'));
  const f = config.training.validationFraction;
  let held = Math.round(indices.length * f);
  if (f > 0 && indices.length > 1) held = Math.max(1, held);
  held = Math.min(held, indices.length - 1);
  if (held < 1) throw new Error('validation.calibrate needs held-out training samples: set training.validationFraction above 0, or calibrate.enabled to false');
  return indices.slice(indices.length - held);
}
export const MODEL_SUBDIR = 'model';

const WAIT_MODEL_BACKEND = 'TypeScript (closed-form ridge solve)';

/** What the report says about the model: a TensorFlow.js model's manifest, or a wait model's few facts. */
async function reportedModel(modelDir: string): Promise<PipelineReportInput['model']> {
  if (!(await isWaitModelDir(modelDir))) return readManifest(modelDir);
  const wait = await readWaitModel(modelDir);
  return { kind: wait.kind, network: { type: `ridge on ${wait.features.length} queue features, predicts the wait` }, backend: WAIT_MODEL_BACKEND, metrics: wait.metrics };
}

function schedule(config: PipelineConfig, part: 'dataset' | 'validation'): ChainSchedule {
  const samples = part === 'dataset' ? config.dataset : config.validation;
  return { startSec: parseClock(samples.start), samples: samples.samples, ...config.chain };
}

function trainOverrides(t: PipelineConfig['training']): TrainOverrides {
  const o: TrainOverrides = { validationFraction: t.validationFraction };
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
  return o;
}

function baselinesOf(config: PipelineConfig): BaselinePolicy[] {
  return config.validation.baselines.map((kind) =>
    kind === 'quantile' ? { kind, q: config.validation.quantile.q, window: config.validation.quantile.window } : { kind },
  );
}

export function modelLabel(config: PipelineConfig): string {
  return `model-${config.training.model}`;
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
      { keepPartial },
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
  const traceStage = await stage('trace', traceInputs, async (dir) => {
    const trace = await loadTraceFile(options.tracePath, { format: config.trace.format, signal: options.signal, onProgress: progress });
    if (trace.sha256 !== traceSha256) throw new Error(`${options.tracePath}: the file changed while it was being read`);
    const submits = trace.jobs.map((j) => j.submitSec);
    await writeFileAtomic(
      join(dir, 'trace.json'),
      stableJson({
        name: basename(options.tracePath),
        sha256: trace.sha256,
        format: trace.format,
        jobs: trace.jobs.length,
        rejectedRows: trace.rejectedCount,
        firstSubmitSec: submits.length ? Math.min(...submits) : null,
        lastSubmitSec: submits.length ? Math.max(...submits) : null,
      }),
    );
  });

  const sim = config.sim;
  const datasetStage = await stage(
    'dataset',
    { tool, trace: traceStage.key, sim, chain: config.chain, dataset: config.dataset, seed: config.training.seed },
    async (dir) => {
      await generateTraceDataset(
        {
          tracePath: options.tracePath,
          format: config.trace.format,
          schedule: schedule(config, 'dataset'),
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

  const trainingStage = await stage(
    'training',
    { tool, dataset: datasetStage.key, training: config.training },
    async (dir) => {
      if (config.training.model === WAIT_MODEL_KIND) {
        await trainWaitModelOnDataset(join(datasetStage.dir, DATASET_SUBDIR), join(dir, MODEL_SUBDIR), { validationFraction: config.training.validationFraction });
        await writeFileAtomic(join(dir, 'history.json'), JSON.stringify({ backend: WAIT_MODEL_BACKEND, events: [] }, null, 1) + '\n');
        return;
      }
      const data = await loadTrainingData(join(datasetStage.dir, DATASET_SUBDIR));
      const events: TrainEvent[] = [];
      const result = await trainModel(
        data,
        {
          kind: config.training.model as Exclude<PipelineConfig['training']['model'], typeof WAIT_MODEL_KIND>,
          preset: config.training.preset === 'paper' ? 'paper' : null,
          seed: config.training.seed,
          overrides: trainOverrides(config.training),
          outDir: join(dir, MODEL_SUBDIR),
          resume: true,
          backend: config.training.backend,
        },
        {
          signal: options.signal,
          onProgress: (p) => progress({ ...p, stage: 'training' }),
          onEvent: (e) => {
            if (e.type !== 'step') events.push(e);
            options.onTrainEvent?.(e);
          },
        },
      );
      await writeFileAtomic(join(dir, 'history.json'), JSON.stringify({ backend: result.backend.description, events }, null, 1) + '\n');
    },
    true,
  );

  const v = config.validation;
  const modelDir = join(trainingStage.dir, MODEL_SUBDIR);
  // The pipeline trains regressors: the rule is a submit interval, its low end calibrated or as configured.
  let rule: RegressorRule = { kind: 'regressor', lowHours: v.submitIntervalHours[0], highHours: v.submitIntervalHours[1] };
  let calibrationKey: string | null = null;
  let calibration: Calibration | null = null;
  if (v.calibrate.enabled) {
    const tuning = tuningSamples(config);
    const calibrationStage = await stage(
      'calibration',
      { tool, trace: traceStage.key, model: trainingStage.key, sim, chain: config.chain, tuning, calibrate: v.calibrate, highHours: v.submitIntervalHours[1] },
      async (dir) => {
        const calibration = await runCalibration(
          {
            tracePath: options.tracePath,
            format: config.trace.format,
            sim,
            schedule: schedule(config, 'dataset'),
            indices: tuning,
            modelDir,
            backend: config.training.backend,
            candidates: candidateRules(v.calibrate.lowHours, v.calibrate.confirmations, v.submitIntervalHours[1]),
            objective: v.calibrate.objective,
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

  const validationStage = await stage('validation', { tool, trace: traceStage.key, model: trainingStage.key, calibration: calibrationKey, sim, chain: config.chain, validation: config.validation }, async (dir) => {
    await runValidation(
      {
        tracePath: options.tracePath,
        format: config.trace.format,
        sim,
        schedule: schedule(config, 'validation'),
        policy: { kind: 'model', modelDir, rule, backend: config.training.backend, label: modelLabel(config) },
        baselines: baselinesOf(config),
        outDir: dir,
      },
      { workers, signal: options.signal, onProgress: progress },
    );
  });

  const { workers: _workers, ...resultConfig } = config;
  const reportStage = await stage('report', { tool, config: resultConfig, stages: outcomes.map((o) => ({ stage: o.stage, key: o.key })) }, async (dir) => {
    const summary = await readValidationSummary(validationStage.dir);
    const model = await reportedModel(join(trainingStage.dir, MODEL_SUBDIR));
    const datasetManifest = JSON.parse(await readFile(join(datasetStage.dir, DATASET_SUBDIR, 'manifest.json'), 'utf8')) as { counts: Record<string, number> };
    for (const file of [RUN_FILES.rewardLog, RUN_FILES.rewardsCsv, RUN_FILES.summary]) await cp(join(validationStage.dir, file), join(dir, file));
    await cp(join(validationStage.dir, RUN_FILES.charts), join(dir, RUN_FILES.charts), { recursive: true });
    await writeFileAtomic(
      join(dir, RUN_FILES.report),
      formatPipelineReport(
        { config, summary, model, rule, calibration, datasetCounts: datasetManifest.counts, stages: outcomes.map((o) => ({ stage: o.stage, dir: o.dir })) },
        options.outDir,
      ),
    );
  });

  // The latest report at the top of OUT, where a reader looks first.
  for (const file of [RUN_FILES.report, RUN_FILES.rewardLog, RUN_FILES.rewardsCsv, RUN_FILES.summary]) await cp(join(reportStage.dir, file), join(options.outDir, file));
  await rm(join(options.outDir, RUN_FILES.charts), { recursive: true, force: true });
  await cp(join(reportStage.dir, RUN_FILES.charts), join(options.outDir, RUN_FILES.charts), { recursive: true });
  await writeFileAtomic(
    join(options.outDir, 'pipeline.json'),
    stableJson({ config, tool: TOOL_VERSION, stages: outcomes.map((o) => ({ stage: o.stage, key: o.key, dir: join('stages', basename(o.dir)) })) }),
  );
  return { outDir: options.outDir, stages: outcomes, summary: await readValidationSummary(validationStage.dir) };
}
