import { z } from 'zod';
import { TrainEventSchema } from '../train/events.js';
import { TimeSeriesSchema } from './trace.js';

/**
 * Schemas of the experiment part of the API: configure a `mirage run`
 * experiment (the config schema itself is core/pipeline/config.ts), run it in
 * the back end, watch it, keep it on disk, compare runs, export.
 */

export const RunIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a run id');

/** `interrupted`: the process running it went away (app closed, crash); it can be resumed. */
export const RunStateSchema = z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']);
export type RunState = z.infer<typeof RunStateSchema>;

export const StageStateSchema = z.enum(['pending', 'running', 'done', 'reused', 'failed', 'cancelled']);
export type StageState = z.infer<typeof StageStateSchema>;

/** Progress of the running stage, with its rate and the time left. */
export const StageProgressSchema = z.object({
  done: z.number(),
  total: z.number(),
  unit: z.string(),
  ratePerSec: z.number(),
  /** null while it cannot be estimated. */
  etaSec: z.number().nullable(),
});
export type StageProgress = z.infer<typeof StageProgressSchema>;

export const RunStageSchema = z.object({
  name: z.string(),
  state: StageStateSchema,
  seconds: z.number().nullable(),
  progress: StageProgressSchema.nullable(),
  /** Its output folder, relative to the run's folder, once done (a run stopped before its end still finds its model). */
  dir: z.string().max(512).optional(),
});
export type RunStage = z.infer<typeof RunStageSchema>;

/** The headline numbers of one policy of a finished run (the rest is in compare.data). */
export const PolicyHeadlineSchema = z.object({
  policy: z.string(),
  n: z.number().int(),
  meanAbsRewardHours: z.number(),
  meanInterruptionHours: z.number(),
  meanOverlapHours: z.number(),
  zeroInterruptionShare: z.number(),
});
export type PolicyHeadline = z.infer<typeof PolicyHeadlineSchema>;

export const TrainingHeadlineSchema = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  bestHeldOutLoss: z.number().nullable(),
  samplesPerSec: z.number().nullable(),
  etaSec: z.number().nullable(),
});
export type TrainingHeadline = z.infer<typeof TrainingHeadlineSchema>;

export const RunInfoSchema = z.object({
  id: RunIdSchema,
  /** The config's name. */
  name: z.string(),
  /** 'app': started here; 'cli': a `mirage run` output folder found in the runs folder (read-only). */
  origin: z.enum(['app', 'cli']),
  createdMs: z.number(),
  updatedMs: z.number(),
  finishedMs: z.number().nullable(),
  state: RunStateSchema,
  error: z.string().nullable(),
  stages: z.array(RunStageSchema),
  traceName: z.string(),
  /** The TensorFlow.js backend that trained the model. */
  backend: z.string().nullable(),
  training: TrainingHeadlineSchema.nullable(),
  /** Per policy, once validated. */
  metrics: z.array(PolicyHeadlineSchema).nullable(),
  /** Interrupted, cancelled or failed runs of the app continue where they stopped. */
  resumable: z.boolean(),
  /** The user's tags and note (runs.annotate), kept beside the run; absent when it has none. */
  tags: z.array(z.string()).optional(),
  note: z.string().optional(),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

/** A tag: a short word or two (letters, digits, space, . _ - + :). */
export const RunTagSchema = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(40, 'a tag takes at most 40 characters')
  .regex(/^[\p{L}\p{N} ._+:-]+$/u, 'a tag holds letters, digits, spaces and . _ - + : only');

/** What runs.annotate sets: the run's tags (replacing them) and its note. */
export const RunAnnotationSchema = z
  .object({
    tags: z.array(RunTagSchema).max(12, 'at most 12 tags a run'),
    note: z.string().max(4000, 'a note takes at most 4000 characters'),
  })
  .strict();
export type RunAnnotation = z.infer<typeof RunAnnotationSchema>;

/** A run's model and how well it fitted (a closed-form model has no loss curve: this is what its page shows). */
export const ModelFitSchema = z.object({
  kind: z.string(),
  /** Fitted directly, without epochs or TensorFlow.js (wait-linear in closed form, wait-risk by Newton's method). */
  closedForm: z.boolean(),
  description: z.string(),
  /** The model's held-out metrics, as saved with it (hours unless the name says otherwise). */
  metrics: z.record(z.string(), z.number()),
  trainRows: z.number().nullable(),
  heldOutRows: z.number().nullable(),
  /** The submit rule calibrated on the held-out training samples, when the run calibrated one. */
  calibration: z.object({ rule: z.string(), samples: z.number().nullable(), candidates: z.number().nullable() }).nullable(),
});
export type ModelFit = z.infer<typeof ModelFitSchema>;

export const RunDetailSchema = z.object({
  info: RunInfoSchema,
  /** The run's config.json, as `mirage run --config` reads it. */
  config: z.record(z.string(), z.unknown()),
  /** Every training event so far (steps included), oldest first. */
  trainEvents: z.array(TrainEventSchema),
  /** Its charts/*.svg (the CLI report's charts), once validated. */
  charts: z.array(z.string()),
  /** The model and its fit, once trained (absent from older back ends). */
  fit: ModelFitSchema.nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** A file (or the linked stages folder) in a run's folder. */
export const RunFileSchema = z.object({
  /** Relative to the run's folder, with '/'. */
  path: z.string(),
  bytes: z.number().int().nonnegative().nullable(),
  kind: z.enum(['file', 'folder']),
  /** Readable as text with runs.file (a small text file). */
  text: z.boolean(),
});
export type RunFile = z.infer<typeof RunFileSchema>;

export const PresetSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** The preset's (partial) config as in assets/presets/NAME.json. */
  config: z.record(z.string(), z.unknown()),
});
export type Preset = z.infer<typeof PresetSchema>;

/** A trace an experiment may use: its value for the config's trace.path. */
export const TraceChoiceSchema = z.object({
  kind: z.enum(['sample', 'upload', 'path']),
  label: z.string(),
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});
export type TraceChoice = z.infer<typeof TraceChoiceSchema>;

/** What the form shows about the config's trace: its time range and load, to place the windows on. */
export const TraceRangeSchema = z.object({
  fileName: z.string(),
  sha256: z.string(),
  jobCount: z.number().int().nonnegative(),
  capacityNodes: z.number().int().positive(),
  firstSubmitSec: z.number().nullable(),
  lastSubmitSec: z.number().nullable(),
  series: TimeSeriesSchema,
});
export type TraceRange = z.infer<typeof TraceRangeSchema>;

const StatsSchema = z.object({
  n: z.number().int(),
  meanRewardHours: z.number(),
  medianRewardHours: z.number(),
  meanInterruptionHours: z.number(),
  meanOverlapHours: z.number(),
  meanAbsRewardHours: z.number(),
  zeroInterruptionShare: z.number(),
  within1hShare: z.number(),
  maxInterruptionHours: z.number(),
  maxOverlapHours: z.number(),
});

/** One policy's row of a comparison (core/validate's PolicySummary on the wire). */
export const ComparePolicySchema = StatsSchema.extend({
  policy: z.string(),
  /** The run it comes from. */
  runId: RunIdSchema,
  /** Its name inside that run's rewards.csv. */
  runPolicy: z.string(),
  isBaseline: z.boolean(),
  loadLevels: z.object({ low: StatsSchema.nullable(), medium: StatsSchema.nullable(), heavy: StatsSchema.nullable() }),
});
export type ComparePolicy = z.infer<typeof ComparePolicySchema>;

export const CompareRecordSchema = z.object({
  policy: z.string(),
  index: z.number().int(),
  sampleStartSec: z.number(),
  submitSec: z.number(),
  succStartSec: z.number(),
  rewardSeconds: z.number(),
});
export type CompareRecord = z.infer<typeof CompareRecordSchema>;

export const CompareDataSchema = z.object({
  runs: z.array(z.object({ id: RunIdSchema, name: z.string(), modelPolicy: z.string() })),
  policies: z.array(ComparePolicySchema),
  loadLevelCounts: z.object({ low: z.number().int(), medium: z.number().int(), heavy: z.number().int() }),
  records: z.array(CompareRecordSchema),
  /** Things the reader must know (runs validated on different samples...). */
  notes: z.array(z.string()),
  /**
   * The first run's evidence: one sentence per baseline on what is significant
   * (block-bootstrap intervals, McNemar), and its trade-off chart's data
   * (core/charts/tradeoff.ts); empty / null for runs that lack them.
   */
  evidence: z.object({ sentences: z.array(z.string()), tradeoff: z.unknown().nullable() }).optional(),
});
export type CompareData = z.infer<typeof CompareDataSchema>;

/** One validation sample replayed: the chain's jobs and the queue around them. */
export const SampleTimelineSchema = z.object({
  runId: RunIdSchema,
  policy: z.string(),
  index: z.number().int(),
  sampleStartSec: z.number(),
  predSubmitSec: z.number(),
  predStartSec: z.number(),
  predEndSec: z.number(),
  succSubmitSec: z.number(),
  succStartSec: z.number(),
  rewardSeconds: z.number(),
  /** The replay reproduced the successor start recorded in rewards.csv. */
  matchesRecord: z.boolean(),
  /** Pending jobs (the successor included once submitted), one point every stepSec from startSec. */
  queue: z.object({ startSec: z.number(), stepSec: z.number().positive(), pending: z.array(z.number()) }),
});
export type SampleTimeline = z.infer<typeof SampleTimelineSchema>;

/** Files a run can export; `chart` names one of its charts/*.svg. */
export const ExportKindSchema = z.enum(['reward.log', 'rewards.csv', 'summary.json', 'report.md', 'report.html', 'config.json', 'chart']);
export type ExportKind = z.infer<typeof ExportKindSchema>;

export const ChartFileSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}\.svg$/, 'a chart file name (name.svg)');

export const ExportFileSchema = z.object({ fileName: z.string(), mediaType: z.string(), text: z.string() });
export type ExportFile = z.infer<typeof ExportFileSchema>;

/** Events a run pushes to every connected UI. */
export const RunProgressEventSchema = z.object({ runId: RunIdSchema, stage: z.string(), progress: StageProgressSchema });
export const RunTrainEventSchema = z.object({ runId: RunIdSchema, events: z.array(TrainEventSchema) });

/**
 * A run's policy bundle (OUT/policy of `mirage run`, core/policy): where it
 * is, the command that runs it on a cluster, and what `mirage policy info`
 * says about it. Paths are the back end's.
 */
export const PolicyBundleViewSchema = z.object({
  dir: z.string(),
  provisionCommand: z.string(),
  /** `mirage policy info` text. */
  info: z.string(),
  /** mirage-policy.json as written. */
  manifest: z.record(z.string(), z.unknown()),
});
export type PolicyBundleView = z.infer<typeof PolicyBundleViewSchema>;

/** The bundle folder as one tar archive (binary: base64), unpacked with `tar -xf`. */
export const PolicyArchiveSchema = z.object({ fileName: z.string(), mediaType: z.literal('application/x-tar'), base64: z.string() });
export type PolicyArchive = z.infer<typeof PolicyArchiveSchema>;
