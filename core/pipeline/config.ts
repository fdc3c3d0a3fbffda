import { z } from 'zod';
import { formatClock, parseClock } from '../trace/browser.js';
import { MAX_CHAIN_JOB_MINUTES } from '../sim/config.js';

/**
 * The experiment configuration of `mirage run` (trace -> dataset -> training
 * -> validation -> report): one schema, its defaults reproduce the paper's
 * Lonestar6 experiment. No Node imports: the GUI builds its experiment form
 * from this same schema (every field has a description) and validates with it.
 */

const CLOCK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const clock = (what: string, fallback: string) =>
  z.string().regex(CLOCK, 'expected YYYY-MM-DDTHH:MM:SS (cluster clock), e.g. 2023-03-01T00:00:00').default(fallback).describe(what);
const int = z.number().int();

export const TraceConfigSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .default('assets/traces/ls6-a100.log')
      .describe('Job trace file (mirage tab-separated, sacct or SWF); relative paths start at the config file\'s folder, or the working directory without one'),
    format: z.enum(['auto', 'mirage', 'sacct', 'swf']).default('auto').describe('Trace format; auto detects it from the first lines'),
  })
  .describe('The job trace replayed by the simulator');

export const SimConfigSchema = z
  .strictObject({
    nodes: int.min(1).max(1_000_000).default(88).describe('Size of the simulated cluster, in sim.unit (Lonestar6 A100 partition: 88 nodes)'),
    unit: z
      .enum(['nodes', 'gpus'])
      .default('nodes')
      .describe('What sizes count: whole nodes (the reference), or GPUs for shared-node GPU clusters (sacct AllocTRES gres/gpu, SWF processors); sim.nodes and chain.jobNodes are then GPUs'),
  })
  .describe('Simulator settings; priority and backfill weights keep the reference values');

export const ChainConfigSchema = z
  .strictObject({
    jobNodes: int.min(1).default(1).describe('Nodes of each job of the service chain (the paper: 1 or 8)'),
    intervalHours: z.number().positive().default(4).describe('Hours between the starts of consecutive samples'),
    warmupDays: z.number().nonnegative().default(2).describe('Days of trace replayed before the predecessor job is submitted'),
    workloadDays: z.number().positive().default(5).describe('Days of trace jobs submitted into each sample\'s simulation'),
    jobMinutes: int
      .min(1)
      .max(MAX_CHAIN_JOB_MINUTES)
      .optional()
      .describe("Time limit (and run time) of each chain job, minutes (default 2880, the reference's 48 h; use the cluster's own cap where it is shorter)"),
  })
  .describe('How each sample\'s job chain is built (same as `mirage chain` flags)');

export const DatasetConfigSchema = z
  .strictObject({
    start: clock('Start of the first training sample', '2022-11-01T00:00:00'),
    samples: int.min(1).default(684).describe('Training samples (one every intervalHours from start)'),
    probes: int.min(2).default(25).describe('Successor submit times simulated per sample, evenly spaced from the predecessor\'s submit to its end (the paper: 7; 25 did better on LS6\'s training-period folds)'),
    featureMode: z
      .enum(['decision', 'reference'])
      .default('decision')
      .describe('decision: features up to the submit decision (correct); reference: up to the successor\'s start (the reference\'s train/serve skew)'),
  })
  .describe('Training data generation');

/** The TensorFlow.js back ends (core/model/backend.ts BACKEND_CHOICES; repeated here to keep this file free of Node). */
export const BACKEND_NAMES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu', 'webgpu'] as const;

const optionalInt = (what: string) => int.min(1).optional().describe(`${what} (default: the model kind's own)`);

/**
 * Whether the configured model gives P(submitting now still interrupts), read
 * by a risk rule: the wait-risk model, or a neural model with target
 * 'wait-risk'. Otherwise a regressor rule (or a policy's own action).
 */
export function predictsRisk(training: { model: string; target?: 'reward' | 'wait-risk' }): boolean {
  return training.model === 'wait-risk' || training.target === 'wait-risk';
}

/** The regressors a policy model can read (the neural ones: the agent's head runs on TensorFlow.js outputs). */
export const POLICY_BASE_KINDS = ['default', 'transformer', 'moe'] as const;

/** The reference's policy-gradient sizes (core/train/policy.ts REFERENCE_POLICY_CONFIG; repeated here to keep this file free of Node and TensorFlow.js). */
export const POLICY_DEFAULTS = { updates: 60, episodesPerUpdate: 32 } as const;

const POLICY_ONLY_SETTINGS = ['policyBase', 'policyUpdates', 'policyEpisodesPerUpdate'] as const;

const NEURAL_ONLY_SETTINGS = ['epochs', 'batchSize', 'learningRate', 'patience', 'maxMinutes', 'dModel', 'layers', 'heads', 'ffDim', 'patchLen'] as const;

/** What `mirage evaluate` can compare: the model kinds, and the neural kinds trained for the wait-risk target. */
export const EVALUATION_MODELS = ['wait-risk', 'wait-linear', 'default', 'transformer', 'moe', 'default:wait-risk', 'transformer:wait-risk', 'moe:wait-risk'] as const;
export type EvaluationModel = (typeof EVALUATION_MODELS)[number];

export const TrainingConfigSchema = z
  .strictObject({
    model: z
      .enum(['wait-risk', 'wait-linear', 'default', 'transformer', 'moe', 'policy'])
      .default('wait-risk')
      .describe(
        "wait-risk: logistic models of the successor's queue wait, giving the chance that submitting now still interrupts, held back while the predecessor's end is further away than a share of the scheduler's start estimate (chosen over wait-linear on LS6's training-period folds by `mirage evaluate`); wait-linear: ridge regression of the wait, turned into the reward; default: our best neural reward regressor; transformer: the reference regressor; moe: experts + a softmax gate; policy: the reference's policy-gradient agent, a {wait, submit} head over a neural regressor (training.policyBase) trained first, then trained in the simulator on the training period to minimise the cost (interruption + overlap / cost.overlapHoursPerInterruptionHour)",
      ),
    target: z
      .enum(['reward', 'wait-risk'])
      .optional()
      .describe(
        "default, transformer, moe: what the network predicts. reward (default): the reward in hours, read by the submit interval; wait-risk: one output per wait threshold, the chance that the successor's queue wait exceeds it (its survival function), read at the time left until the predecessor ends by a probability threshold, as the wait-risk model",
      ),
    policyBase: z
      .enum(POLICY_BASE_KINDS)
      .optional()
      .describe("policy: the neural regressor trained first on the dataset, whose predictions the agent reads (default: default); the neural settings below apply to it"),
    policyUpdates: int.min(1).max(10_000).optional().describe(`policy: policy-gradient updates (default ${POLICY_DEFAULTS.updates}, the reference's)`),
    policyEpisodesPerUpdate: int
      .min(1)
      .max(1024)
      .optional()
      .describe(`policy: simulated episodes per update, each from a random start in the training period (default ${POLICY_DEFAULTS.episodesPerUpdate}, the reference's)`),
    preset: z.enum(['none', 'paper']).default('none').describe("paper: the reference's sizes and settings (transformer and moe only; policy: its transformer or moe base's, and the reference's REINFORCE baseline)"),
    epochs: optionalInt('Training epochs (moe: per expert)'),
    batchSize: optionalInt('Examples per gradient step'),
    learningRate: z.number().positive().optional().describe("Learning rate (default: the model kind's own)"),
    patience: optionalInt('Stop after this many epochs without a better held-out loss'),
    maxMinutes: z.number().positive().optional().describe('Wall-clock budget of each training phase, minutes (default: none)'),
    heldOutFraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0.2)
      .describe('Last fraction of the training samples, by time, held out of the fit: where the best epoch is picked and the submit rule calibrated (the samples whose replay overlaps them are left out of the fit)'),
    dModel: optionalInt('Transformer width'),
    layers: optionalInt('Transformer encoder layers'),
    heads: optionalInt('Attention heads'),
    ffDim: optionalInt('Feed-forward width'),
    patchLen: optionalInt('Snapshots per transformer token'),
    seed: int.min(0).default(0).describe('Seed of weight initialisation, shuffles and dropout'),
    backend: z.enum(BACKEND_NAMES).default('auto').describe('TensorFlow.js back end (auto picks the fastest that works here)'),
  })
  .superRefine((t, ctx) => {
    if (t.model !== 'policy') {
      // The policy's settings would be ignored: say so.
      for (const key of POLICY_ONLY_SETTINGS) {
        if (t[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for training.model 'policy'; '${t.model}' has no ${key}` });
      }
    } else if (t.target !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: "a policy's base regresses the reward: training.target is for default, transformer and moe" });
    } else if (t.preset !== 'none' && (t.policyBase ?? 'default') === 'default') {
      ctx.addIssue({ code: 'custom', path: ['preset'], message: "the paper preset sizes a transformer or moe base: set training.policyBase to 'transformer' or 'moe'" });
    }
    if (t.model !== 'wait-linear' && t.model !== 'wait-risk') return;
    // The wait model is a closed-form fit: say so rather than ignore a neural setting.
    if (t.target !== undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: `only for the neural models (default, transformer, moe); training.model '${t.model}' predicts what its kind says` });
    for (const key of NEURAL_ONLY_SETTINGS) {
      if (t[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for the neural models (default, transformer, moe, and a policy's base); training.model '${t.model}' has no ${key}` });
    }
    if (t.preset !== 'none') ctx.addIssue({ code: 'custom', path: ['preset'], message: `only for transformer and moe; training.model '${t.model}' has no preset` });
  })
  .describe('Model training');

const QuantileSchema = z
  .strictObject({
    q: z.number().gt(0).lt(1).default(0.5).describe('Quantile of recent waits subtracted from the predecessor\'s end (QBETS-style)'),
    window: int.min(1).default(100).describe('How many recent waits the quantile is taken over'),
  })
  .describe('The quantile baseline');

const CalibrationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Choose the model's submit rule on the training period's held-out tail (training.heldOutFraction, never the validation samples) by the smallest mean cost; off: the fixed submitIntervalHours rule, as the reference",
      ),
    lowHours: z.array(z.number()).min(1).default([-0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 1]).describe('A regressor\'s candidate low ends of the submit interval, hours'),
    thresholds: z
      .array(z.number().gt(0).max(1))
      .min(1)
      .default([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
      .describe('A wait-risk model\'s candidate thresholds: submit once the chance that submitting now still interrupts reaches it'),
    confirmations: z
      .array(int.min(1))
      .min(1)
      .optional()
      .describe(
        'Candidate numbers of consecutive in-interval predictions (10 minutes apart) required before submitting. Default: 1 for wait-risk (its hold-back by the start estimate already skips the early crossings confirmations were for); [1, 2, 3, 6, 12] for the other models',
      ),
    maxLeadHours: z
      .array(z.number().positive().nullable())
      .min(1)
      .optional()
      .describe(
        "Candidate caps on how many hours before the predecessor's end the model may submit (null: no cap). Default: none for wait-risk, which holds back by the scheduler's start estimate (a hold-back that scales with the queue, where a cap in hours does not); [1, 2, 4, 8, null] for the other models",
      ),
  })
  .describe('Calibration of the submit rule');

export const CostConfigSchema = z
  .strictObject({
    overlapHoursPerInterruptionHour: z
      .number()
      .positive()
      .max(1000)
      .default(1)
      .describe('How many hours of overlap (two jobs holding nodes) cost as much as one hour of interruption; 1 gives the mean |reward|, the reference\'s metric. Calibration and model selection minimise interruption + overlap / this'),
  })
  .describe('What a policy is judged by');

export const ValidationConfigSchema = z
  .strictObject({
    start: clock('Start of the first validation sample', '2023-03-01T00:00:00'),
    samples: int.min(1).default(156).describe('Validation samples (one every intervalHours from start)'),
    baselines: z
      .array(z.enum(['reactive', 'average', 'quantile']))
      .default(['reactive', 'average', 'quantile'])
      .describe('Baselines validated beside the model (reactive is always run: it defines the load levels)'),
    submitIntervalHours: z
      .tuple([z.number(), z.number()])
      .default([-0.5, 500])
      .describe('A regressor submits when its predicted reward (hours) lies in [low, high] (the low end is calibrated unless calibrate.enabled is false)')
      .refine(([low, high]) => low <= high, 'low must not exceed high'),
    decision: z.enum(['greedy', 'sample']).default('greedy').describe('A policy model submits on its most likely action (greedy) or on a seeded draw (sample)'),
    seed: int.default(0).describe('Seed of the sampled decisions'),
    quantile: QuantileSchema.prefault({}),
    calibrate: CalibrationSchema.prefault({}),
  })
  .describe('Online validation against the baselines');

export const EvaluationConfigSchema = z
  .strictObject({
    jobNodes: z.array(int.min(1)).min(1).max(8).default([1, 8]).describe('Chain job sizes evaluated (each gets its own folds and test run)'),
    folds: int.min(1).max(12).default(4).describe('Rolling-origin folds over the training period, each validated after training on everything before it'),
    foldSamples: int.min(1).max(1000).default(84).describe('Samples per fold (84 at 4 h apart: two weeks)'),
    models: z
      .array(z.enum(EVALUATION_MODELS))
      .min(1)
      .max(EVALUATION_MODELS.length)
      .default(['wait-risk', 'wait-linear'])
      .describe("Candidate models: a model kind, or a neural kind with ':wait-risk' for its wait-risk target (training.target); the one of smallest pooled mean cost over the folds is the one tested"),
    test: z
      .strictObject({
        start: clock('Start of the final test period: no selection step sees it', '2023-03-01T00:00:00'),
        samples: int.min(1).max(100000).default(156).describe('Test samples'),
      })
      .describe('The final test period, after the folds')
      .prefault({}),
    bootstrap: z
      .strictObject({
        resamples: int.min(100).max(100000).default(2000).describe('Block-bootstrap resamples'),
        seed: int.min(0).default(0).describe('Seed of the resampling'),
        level: z.number().gt(0.5).lt(1).default(0.95).describe('Confidence level of the intervals'),
      })
      .describe('Block-bootstrap intervals (blocks of one replay length of samples)')
      .prefault({}),
  })
  .describe('`mirage evaluate`: rolling-origin folds over the training period, then a final test period; validation.start and validation.samples are not used there');

export const PipelineConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)')
      .default('ls6-paper')
      .describe('Experiment name: the default output folder is runs/<name>'),
    description: z.string().max(500).optional().describe('What this experiment is for (shown with presets and runs; changes no result)'),
    trace: TraceConfigSchema.prefault({}),
    sim: SimConfigSchema.prefault({}),
    chain: ChainConfigSchema.prefault({}),
    dataset: DatasetConfigSchema.prefault({}),
    training: TrainingConfigSchema.prefault({}),
    validation: ValidationConfigSchema.prefault({}),
    cost: CostConfigSchema.prefault({}),
    evaluation: EvaluationConfigSchema.prefault({}),
    workers: int.min(0).default(0).describe('Worker threads for simulation (0: every core)'),
  })
  .describe('A whole experiment: trace -> dataset -> training -> validation -> report');

export type PipelineConfig = z.output<typeof PipelineConfigSchema>;
export type PipelineConfigInput = z.input<typeof PipelineConfigSchema>;

/** One line per problem, each naming the field: `validation.samples: expected an integer`. */
export function formatConfigIssues(error: z.ZodError, source = 'config'): string {
  return error.issues
    .flatMap((issue) => {
      const at = (path: readonly PropertyKey[]): string => (path.length > 0 ? path.map(String).join('.') : '(top level)');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${source}: ${at([...issue.path, key])}: unknown field`);
      return [`${source}: ${at(issue.path)}: ${issue.message}`];
    })
    .join('\n');
}

/**
 * Configs written by earlier versions, brought to this one: the held-out tail
 * was `training.validationFraction` (a name it shared with the validation
 * period), and calibration had an `objective` (now the cost section).
 */
export function migrateConfig(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  if (isPlainObject(out.training) && 'validationFraction' in out.training) {
    const { validationFraction, ...training } = out.training;
    out.training = { heldOutFraction: validationFraction, ...training };
  }
  if (isPlainObject(out.validation) && isPlainObject(out.validation.calibrate) && 'objective' in out.validation.calibrate) {
    const { objective: _objective, ...calibrate } = out.validation.calibrate;
    out.validation = { ...out.validation, calibrate };
  }
  return out;
}

/** Validates a parsed JSON value; throws one Error listing every problem by field. */
export function parsePipelineConfig(value: unknown, source = 'config'): PipelineConfig {
  const result = PipelineConfigSchema.safeParse(migrateConfig(value));
  if (!result.success) throw new Error(formatConfigIssues(result.error, source));
  const overlap = overlappingWindows(result.data);
  if (overlap) throw new Error(`${source}: ${overlap}`);
  if (keptTrainingSamples(result.data) < 1) {
    throw new Error(`${source}: dataset.start ${result.data.dataset.start} leaves no training sample whose replay ends before validation.start ${result.data.validation.start}`);
  }
  return result.data;
}

/** A period of samples and the trace each one replays: [first start, last start + warm-up + workload). */
export interface SampleWindow {
  kind: 'training' | 'validation';
  /** How errors name it. */
  name: string;
  samples: number;
  /** First sample's start: its replay begins there. */
  fromSec: number;
  /** Last sample's start. */
  lastSampleSec: number;
  /** End of the last sample's replay (warm-up + workload days). */
  toSec: number;
}


/**
 * Training samples kept: when the validation period starts after the training
 * period, the last training samples whose replay would reach into it are left
 * out (the same gap the held-out tail keeps), so the paper's setup, whose last
 * training samples replay into March, runs as configured but without the leak.
 */
export function keptTrainingSamples(config: PipelineConfig): number {
  const start = parseClock(config.dataset.start);
  const validationStart = parseClock(config.validation.start);
  if (validationStart <= start) return config.dataset.samples;
  const replaySec = (config.chain.warmupDays + config.chain.workloadDays) * 86400;
  const stepSec = config.chain.intervalHours * 3600;
  // Sample i replays [start + i * step, start + i * step + replay): keep those ending by the validation start.
  const fit = Math.floor((validationStart - replaySec - start) / stepSec) + 1;
  return Math.max(0, Math.min(config.dataset.samples, fit));
}

/**
 * Where the policy agent's episodes may start: from the first training sample's
 * start to the last kept one's, inclusive (whole minutes, as chainEpisodeEnv
 * draws them in [fromSec, toSec)). No episode starts later than the last
 * training sample, so none replays trace the training period does not.
 */
export function policyEpisodeRange(config: PipelineConfig): { fromSec: number; toSec: number } {
  const fromSec = parseClock(config.dataset.start);
  const lastStart = fromSec + Math.round((Math.max(1, keptTrainingSamples(config)) - 1) * config.chain.intervalHours * 3600);
  return { fromSec, toSec: lastStart + 60 };
}

/**
 * The trace a period's samples replay: training as kept (keptTrainingSamples),
 * or validation; each sample's whole replay counted. Throws on a start that is
 * not a clock time (the form calls it on every edit and shows nothing then).
 */
export function sampleWindow(config: PipelineConfig, kind: SampleWindow['kind']): SampleWindow {
  const replaySec = (config.chain.warmupDays + config.chain.workloadDays) * 86400;
  const start = kind === 'training' ? config.dataset.start : config.validation.start;
  const samples = kind === 'training' ? keptTrainingSamples(config) : config.validation.samples;
  const fromSec = parseClock(start);
  const lastSampleSec = fromSec + Math.round((Math.max(1, samples) - 1) * config.chain.intervalHours * 3600);
  return { kind, name: kind === 'training' ? 'training (dataset)' : 'validation', samples, fromSec, lastSampleSec, toSec: lastSampleSec + replaySec };
}

/** Both periods' windows, training first. */
export function sampleWindows(config: PipelineConfig): SampleWindow[] {
  return [sampleWindow(config, 'training'), sampleWindow(config, 'validation')];
}

/** What the run will say about its training period before it starts (the pipeline's own warning), or null. */
export function trimmedTrainingNote(config: PipelineConfig): string | null {
  const kept = keptTrainingSamples(config);
  if (kept >= config.dataset.samples) return null;
  return `training: ${kept} of the ${config.dataset.samples} samples are used; the last ${config.dataset.samples - kept} would replay into the validation period (from ${config.validation.start}) and are left out`;
}

/** Why two windows overlap (naming both), or null: no sample may see queue state that another period learned or was scored on. */
export function overlappingWindows(config: PipelineConfig): string | null {
  const windows = sampleWindows(config);
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i];
      const b = windows[j];
      if (a.fromSec < b.toSec && b.fromSec < a.toSec) {
        return (
          `the ${a.name} window ${formatClock(a.fromSec)} .. ${formatClock(a.toSec)} and the ${b.name} window ${formatClock(b.fromSec)} .. ${formatClock(b.toSec)} overlap ` +
          '(each counts its samples\' whole replay: warm-up + workload days); move one start or use fewer samples'
        );
      }
    }
  }
  return null;
}

/**
 * Overlays `over` on `base`: objects merge key by key, anything else (arrays
 * included) replaces. How a config file overrides a preset.
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfig(out[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
