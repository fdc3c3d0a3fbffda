import { formatClock } from '../trace/index.js';
import type { Job } from '../trace/index.js';
import { prepareWorkload } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import { chainEpisodeEnv } from '../train/chain-env.js';
import type { ChainEnvOptions } from '../train/chain-env.js';
import { REFERENCE_POLICY_CONFIG, trainPolicy } from '../train/policy.js';
import type { PolicyConfig, PolicyResult, PolicyRunOptions } from '../train/policy.js';
import type { BackendChoice } from '../model/backend-choice.js';
import { policyEpisodeRange } from './config.js';
import type { PipelineConfig } from './config.js';

/**
 * The policy phase of `mirage run`'s training stage (training.model 'policy'):
 * after the supervised base is trained on the dataset, the agent's head is
 * trained with REINFORCE in the simulator, on the same trace, cluster and
 * chain as the dataset, with episodes starting in the training period, and
 * rewarded by the user's cost (cost.overlapHoursPerInterruptionHour).
 */

/** The training stage's folder for the supervised base of a policy model (the policy itself goes where every model goes). */
export const POLICY_BASE_SUBDIR = 'base';

/**
 * Minutes between the agent's decisions in training: validation's (the
 * simulator's snapshot interval, 10 minutes), not the reference's 60, so the
 * agent is trained on the decisions it is judged on.
 */
export function policyDecisionMinutes(config: PipelineConfig): number {
  return parseSimConfig(config.sim).snapshotIntervalMinutes;
}

/** The REINFORCE settings a run config gives: the reference's, with the config's sizes, seed and cost. */
export function pipelinePolicyConfig(config: PipelineConfig): PolicyConfig {
  const t = config.training;
  return {
    ...REFERENCE_POLICY_CONFIG,
    // The paper preset keeps the reference's advantage baseline; otherwise the batch baseline (as `mirage train --model policy`).
    baseline: t.preset === 'paper' ? 'reference' : 'batch',
    seed: t.seed,
    updates: t.policyUpdates ?? REFERENCE_POLICY_CONFIG.updates,
    episodesPerUpdate: t.policyEpisodesPerUpdate ?? REFERENCE_POLICY_CONFIG.episodesPerUpdate,
    overlapHoursPerInterruptionHour: config.cost.overlapHoursPerInterruptionHour,
    // Asked every 10 minutes, a random head submits at once and starts from ~43 h of overlap on the quick preset; starting
    // from the regressor rule ended lower on the same training episodes (last 10 updates: 4.19 h against 5.02 h mean |reward|).
    initialHead: 'regressor-rule',
  };
}

/** The episodes the agent trains on (chainEpisodeEnv's options): the dataset's chain, over the training samples' starts. */
export function policyEpisodes(config: PipelineConfig): ChainEnvOptions {
  return {
    ...policyEpisodeRange(config),
    warmupDays: config.chain.warmupDays,
    workloadDays: config.chain.workloadDays,
    jobNodes: config.chain.jobNodes,
    ...(config.chain.jobMinutes !== undefined ? { jobMinutes: config.chain.jobMinutes } : {}),
    everyMinutes: policyDecisionMinutes(config),
    submitAtPredEnd: true,
  };
}

/** What decides the agent beyond the dataset and the base: part of the training stage's key. */
export function policyStageInputs(config: PipelineConfig): { policy: PolicyConfig; episodes: ChainEnvOptions } {
  return { policy: pipelinePolicyConfig(config), episodes: policyEpisodes(config) };
}

export interface PipelinePolicyRequest {
  config: PipelineConfig;
  /** The trace's jobs (as the run read them) and its hash, recorded in the model. */
  jobs: readonly Job[];
  traceSha256: string;
  baseDir: string;
  outDir: string;
  backend?: BackendChoice;
}

/** Trains the policy over the trained base; resumes from the last update a stopped run saved. */
export async function trainPipelinePolicy(request: PipelinePolicyRequest, options: PolicyRunOptions): Promise<PolicyResult> {
  const { config } = request;
  const workload = prepareWorkload(request.jobs, parseSimConfig(config.sim));
  const episodes = policyEpisodes(config);
  return trainPolicy(
    () => chainEpisodeEnv(workload, episodes),
    {
      baseDir: request.baseDir,
      outDir: request.outDir,
      config: pipelinePolicyConfig(config),
      resume: true,
      backend: request.backend,
      environment: `${request.traceSha256.slice(0, 12)} ${formatClock(episodes.fromSec)}..${formatClock(episodes.toSec)}`,
    },
    options,
  );
}
