/**
 * The Slurm-like scheduler of the Mirage reference (minute steps, priority by
 * size plus age, backfill every bf_interval steps, first-come in between) and
 * the job-chain scenario on top of it. Two engines with identical results: a
 * minute-by-minute reference path and an event-skipping fast path.
 */
export type { SimConfig, SimConfigInput, SimConstants } from './config.js';
export { DEFAULT_SIM_CONFIG, parseSimConfig, simConstants, SimConfigSchema } from './config.js';
export type { OversizedJob, SubmitRange, UnusableJob, Workload } from './workload.js';
export { selectJobs } from './workload.js';
export type {
  ChainDone,
  ChainPolicy,
  ChainSchedule,
  DecisionContext,
  DecisionPoint,
  FeatureMode,
  PredState,
  RunResult,
  SampleResult,
  SimulateOptions,
} from './chain.js';
export {
  CHAIN_JOB_MINUTES,
  ChainRun,
  ChainScheduleSchema,
  isSampleExcluded,
  prepareWorkload,
  sampleStartSec,
  scheduledSamples,
  simulateSample,
  simulateSchedule,
  submitMinutes,
} from './chain.js';
export type { SimWarning, SimWarningCode } from './warnings.js';
export { FIT_SHARE, labelledScheduleWarnings, scheduleWarnings } from './warnings.js';
export type { ReplayOptions, ReplayResult } from './replay.js';
export { replayWindow } from './replay.js';
export type { SimEngine } from './engine.js';
