import { z } from 'zod';

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
    nodes: int.min(1).default(88).describe('Nodes of the simulated cluster (Lonestar6 A100 partition: 88)'),
  })
  .describe('Simulator settings; priority and backfill weights keep the reference values');

export const ChainConfigSchema = z
  .strictObject({
    jobNodes: int.min(1).default(1).describe('Nodes of each job of the service chain (the paper: 1 or 8)'),
    intervalHours: z.number().positive().default(4).describe('Hours between the starts of consecutive samples'),
    warmupDays: z.number().nonnegative().default(2).describe('Days of trace replayed before the predecessor job is submitted'),
    workloadDays: z.number().positive().default(5).describe('Days of trace jobs submitted into each sample\'s simulation'),
  })
  .describe('How each sample\'s job chain is built (same as `mirage chain` flags)');

export const DatasetConfigSchema = z
  .strictObject({
    start: clock('Start of the first training sample', '2022-11-01T00:00:00'),
    samples: int.min(1).default(684).describe('Training samples (one every intervalHours from start)'),
    probes: int.min(2).default(7).describe('Successor submit times simulated per sample, evenly spaced from the predecessor\'s submit to its end'),
    featureMode: z
      .enum(['decision', 'reference'])
      .default('decision')
      .describe('decision: features up to the submit decision (correct); reference: up to the successor\'s start (the reference\'s train/serve skew)'),
  })
  .describe('Training data generation');

/** The TensorFlow.js back ends (core/model/backend.ts BACKEND_CHOICES; repeated here to keep this file free of Node). */
export const BACKEND_NAMES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu', 'webgpu'] as const;

const optionalInt = (what: string) => int.min(1).optional().describe(`${what} (default: the model kind's own)`);

const NEURAL_ONLY_SETTINGS = ['epochs', 'batchSize', 'learningRate', 'patience', 'maxMinutes', 'dModel', 'layers', 'heads', 'ffDim', 'patchLen'] as const;

export const TrainingConfigSchema = z
  .strictObject({
    model: z
      .enum(['wait-linear', 'default', 'transformer', 'moe'])
      .default('wait-linear')
      .describe(
        "wait-linear: ridge regression of the successor's queue wait, turned into the reward (our measured best); default: our best neural reward regressor; transformer: the reference regressor; moe: experts + a softmax gate",
      ),
    preset: z.enum(['none', 'paper']).default('none').describe("paper: the reference's sizes and settings (transformer and moe only)"),
    epochs: optionalInt('Training epochs (moe: per expert)'),
    batchSize: optionalInt('Examples per gradient step'),
    learningRate: z.number().positive().optional().describe("Learning rate (default: the model kind's own)"),
    patience: optionalInt('Stop after this many epochs without a better validation loss'),
    maxMinutes: z.number().positive().optional().describe('Wall-clock budget of each training phase, minutes (default: none)'),
    validationFraction: z.number().min(0).lt(1).default(0.2).describe('Last fraction of the training samples, by time, held out to pick the best epoch'),
    dModel: optionalInt('Transformer width'),
    layers: optionalInt('Transformer encoder layers'),
    heads: optionalInt('Attention heads'),
    ffDim: optionalInt('Feed-forward width'),
    patchLen: optionalInt('Snapshots per transformer token'),
    seed: int.min(0).default(0).describe('Seed of weight initialisation, shuffles and dropout'),
    backend: z.enum(BACKEND_NAMES).default('auto').describe('TensorFlow.js back end (auto picks the fastest that works here)'),
  })
  .superRefine((t, ctx) => {
    if (t.model !== 'wait-linear') return;
    // The wait model is a closed-form fit: say so rather than ignore a neural setting.
    for (const key of NEURAL_ONLY_SETTINGS) {
      if (t[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for the neural models (default, transformer, moe); training.model 'wait-linear' has no ${key}` });
    }
    if (t.preset !== 'none') ctx.addIssue({ code: 'custom', path: ['preset'], message: "only for transformer and moe; training.model 'wait-linear' has no preset" });
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
        "Choose the regressor's submit rule on the training period's held-out tail (training.validationFraction, never the validation samples); off: the fixed submitIntervalHours rule, as the reference",
      ),
    lowHours: z.array(z.number()).min(1).default([-0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 1]).describe('Candidate low ends of the submit interval, hours'),
    confirmations: z
      .array(int.min(1))
      .min(1)
      .default([1, 2, 3, 6, 12])
      .describe('Candidate numbers of consecutive in-interval predictions (10 minutes apart) required before submitting'),
    objective: z
      .enum(['beat-baselines', 'mean-abs'])
      .default('beat-baselines')
      .describe(
        'beat-baselines: the smallest mean |reward| among the rules with at least the reactive and average baselines\' zero-interruption share on the same held-out samples; mean-abs: the smallest mean |reward|',
      ),
  })
  .describe('Calibration of the submit rule');

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

/** Validates a parsed JSON value; throws one Error listing every problem by field. */
export function parsePipelineConfig(value: unknown, source = 'config'): PipelineConfig {
  const result = PipelineConfigSchema.safeParse(value);
  if (!result.success) throw new Error(formatConfigIssues(result.error, source));
  return result.data;
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
