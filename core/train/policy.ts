/**
 * The reference's policy-gradient agent: frozen regressors (a mixture's
 * experts, or one network) give their predictions in hours; a Linear(K -> 2)
 * head turns them into {wait, submit} logits. REINFORCE with discounted
 * rewards-to-go minus the reference's running-average baseline, an entropy
 * bonus, Adam; a batch of episodes per update.
 *
 * Episodes run against a small environment interface (EpisodeEnv); the
 * simulator adapter is in chain-env.ts. The episodes of one update are stepped
 * together so that their decisions go through the network as one batch.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { BackendChoice } from '../model/backend-choice.js';
import { ensureBackend } from '../model/backend.js';
import { readManifest, readNetworkFiles, saveManifest, saveNetworkFiles } from '../model/io.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { ModelManifest } from '../model/manifest.js';
import { MODEL_SCHEMA_VERSION, targetModeOf } from '../model/manifest.js';
import { buildPolicy } from '../model/networks.js';
import type { PolicyNetwork } from '../model/networks.js';
import { normalizeInto } from '../model/normalize.js';
import type { PolicySpec } from '../model/spec.js';
import { createRng, deriveSeed } from '../model/rng.js';
import { throwIfAborted } from '../progress.js';
import type { WorkOptions } from '../progress.js';
import { sampleCostHours } from '../validate/stats.js';
import { Adam } from './adam.js';
import { CHECKPOINT_DIR, clearCheckpoints, loadCheckpoint, prefixTensors, saveCheckpoint, tensorsWithPrefix } from './checkpoint.js';
import type { TrainEvent } from './events.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** One step of an episode: a decision to make, or the end with its reward. */
export type EnvStep = { done: false; window: Float32Array } | { done: true; rewardHours: number };

/** An episode environment: a chain whose successor the agent submits. */
export interface EpisodeEnv {
  /** Starts a new episode (its start drawn from `seed`) and runs to the first decision. */
  reset(seed: number): EnvStep;
  /** Applies the decision (submit now or wait) and runs to the next decision or the end. */
  step(submit: boolean): EnvStep;
}

export const PolicyConfigSchema = z.object({
  seed: z.number().int(),
  updates: z.number().int().positive(),
  episodesPerUpdate: z.number().int().positive(),
  learningRate: z.number().positive(),
  gamma: z.number().min(0).max(1),
  entropyBonus: z.number().min(0),
  /** Episode reward = -rewardScale * cost hours (the reference's 60; see episodeReturn). */
  rewardScale: z.number().positive(),
  /**
   * Hours of overlap worth one hour of interruption (the run config's
   * cost.overlapHoursPerInterruptionHour): the episode's cost is
   * interruption + overlap / this. 1 is the reference's |reward|.
   */
  overlapHoursPerInterruptionHour: z.number().positive().max(1000).default(1),
  /**
   * 'reference': advantage = rewards-to-go minus the running mean of the
   * episode's own rewards (nearly no baseline: every action of a bad episode is
   * discouraged, long episodes most). 'batch': rewards-to-go minus their mean
   * over the update's episodes at the same step, divided by their spread.
   */
  baseline: z.enum(['reference', 'batch']),
  /**
   * How the head starts. 'random': the reference's initialisation, an agent
   * that submits about half the time at each decision (so, asked every 10
   * minutes, nearly always at once: an overlap of about the whole job).
   * 'regressor-rule': the reference regressor rule, submit once the base's
   * mean prediction reaches -0.5 h (regressorRuleHead), so training starts from the
   * supervised model's own decisions and improves them on the cost.
   */
  initialHead: z.enum(['random', 'regressor-rule']).default('random'),
});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

export const REFERENCE_POLICY_CONFIG: Omit<PolicyConfig, 'seed'> = {
  updates: 60,
  episodesPerUpdate: 32,
  learningRate: 0.01,
  gamma: 0.99,
  entropyBonus: 0.1,
  rewardScale: 60,
  overlapHoursPerInterruptionHour: 1,
  baseline: 'reference',
  initialHead: 'random',
};

/** The reference regressor rule's low end (hours) and how sharply the 'regressor-rule' head starts: logit gap per hour. */
const RULE_LOW_HOURS = -0.5;
const RULE_LOGITS_PER_HOUR = 1;

/**
 * Head weights (kernel [k, 2], bias [2]; action 0 waits, 1 submits) whose
 * submit-minus-wait logit is RULE_LOGITS_PER_HOUR * (mean of the k base
 * predictions - RULE_LOW_HOURS): P(submit) passes 1/2 where the regressor rule
 * starts submitting.
 */
export function regressorRuleHead(k: number): { kernel: Float32Array; bias: Float32Array } {
  const kernel = new Float32Array(k * 2);
  for (let i = 0; i < k; i++) kernel[i * 2 + 1] = RULE_LOGITS_PER_HOUR / k;
  return { kernel, bias: Float32Array.from([0, -RULE_LOGITS_PER_HOUR * RULE_LOW_HOURS]) };
}

export interface PolicyTrainRequest {
  /** A trained regressor folder (moe: its experts become the inputs; otherwise its one output). */
  baseDir: string;
  outDir: string;
  config: PolicyConfig;
  resume?: boolean;
  backend?: BackendChoice;
  /** Recorded in the manifest: where the episodes came from. */
  environment?: string;
}

export interface PolicyRunOptions extends WorkOptions {
  onEvent?: (event: TrainEvent) => void;
}

export interface PolicyResult {
  outDir: string;
  manifest: ModelManifest;
  history: UpdateRecord[];
}

interface UpdateRecord {
  update: number;
  loss: number;
  entropy: number;
  meanReturn: number;
  meanAbsRewardHours: number;
  seconds: number;
}

const PolicyStateSchema = z.object({
  adamStep: z.number().int(),
  elapsedSec: z.number(),
  recentReturns: z.array(z.number()),
  history: z.array(
    z.object({ update: z.number().int(), loss: z.number(), entropy: z.number(), meanReturn: z.number(), meanAbsRewardHours: z.number(), seconds: z.number() }),
  ),
});

/** Discounted rewards-to-go: G_t = sum_k gamma^k r_{t+k}. */
export function rewardsToGo(rewards: readonly number[], gamma: number): number[] {
  const out = new Array<number>(rewards.length);
  let running = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    running = rewards[t] + gamma * running;
    out[t] = running;
  }
  return out;
}

/**
 * The episode's return: -rewardScale * what it cost the user, its
 * interruption hours or its overlap hours / R (core/validate/stats sampleCostHours;
 * R = 1 gives -rewardScale * |reward|, the reference's).
 */
export function episodeReturn(rewardHours: number, config: Pick<PolicyConfig, 'rewardScale' | 'overlapHoursPerInterruptionHour'>): number {
  return -config.rewardScale * sampleCostHours(rewardHours, config.overlapHoursPerInterruptionHour);
}

/** The reference's baseline: at step t, the mean of the episode's rewards up to t. */
export function runningMeanBaseline(rewards: readonly number[]): number[] {
  let sum = 0;
  return rewards.map((r, t) => (sum += r) / (t + 1));
}

interface Episode {
  /** Base predictions (hours) at each decision, K per decision. */
  inputs: number[];
  actions: number[];
  rewardHours: number;
}

export async function trainPolicy(makeEnv: () => EpisodeEnv, request: PolicyTrainRequest, options: PolicyRunOptions = {}): Promise<PolicyResult> {
  const config = PolicyConfigSchema.parse(request.config);
  const backend = await ensureBackend(request.backend ?? 'auto');
  const baseManifest = await readManifest(request.baseDir);
  if (baseManifest.kind === 'policy') throw new Error(`${request.baseDir} is a policy model; the base must be a regressor (transformer, default or moe)`);
  if (targetModeOf(baseManifest) !== 'reward') throw new Error(`${request.baseDir} predicts the wait risk; the base of a policy must be a reward regressor (training target 'reward')`);
  const base = await readNetworkFiles(request.baseDir);
  if (base.spec.type === 'policy') throw new Error(`${request.baseDir}: a policy cannot be the base of a policy`);
  const spec: PolicySpec = { type: 'policy', seqLen: baseManifest.input.seqLen, inFeatures: baseManifest.input.featureNames.length, base: base.spec, actions: 2 };
  const network = buildPolicy(spec, config.seed, baseManifest.target.scale);
  const adam = new Adam(network.params.trainable(), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: null });
  try {
    network.base.params.write(base.values);
    if (config.initialHead === 'regressor-rule') {
      const k = spec.base.type === 'moe' ? spec.base.experts.length : 1;
      const head = regressorRuleHead(k);
      network.params.write([
        ...base.values.map((v) => ({ ...v, name: `base/${v.name}` })),
        { name: 'head/kernel', shape: [k, 2], values: head.kernel },
        { name: 'head/bias', shape: [2], values: head.bias },
      ]);
    }
    await prepareFolder(request, config, baseManifest);
    let state: z.infer<typeof PolicyStateSchema> = { adamStep: 0, elapsedSec: 0, recentReturns: [], history: [] };
    let startUpdate = 0;
    if (request.resume) {
      const checkpoint = await loadCheckpoint(request.outDir, 'policy');
      if (checkpoint) {
        state = PolicyStateSchema.parse(checkpoint.state);
        network.params.write([...base.values.map((v) => ({ ...v, name: `base/${v.name}` })), ...tensorsWithPrefix(checkpoint.tensors, 'params/')]);
        adam.writeState(checkpoint.tensors, state.adamStep);
        startUpdate = checkpoint.epoch;
      }
    }
    const started = performance.now() - state.elapsedSec * 1000;
    const elapsed = (): number => (performance.now() - started) / 1000;
    const emit = (e: TrainEvent): void => options.onEvent?.(e);
    emit({
      type: 'start',
      phase: 'policy',
      elapsedSec: elapsed(),
      backend: backend.description,
      modelKind: 'policy',
      parameters: network.params.count(),
      trainableParameters: network.params.count(true),
      trainRows: 0,
      heldOutRows: 0,
      epochs: config.updates,
      stepsPerEpoch: config.episodesPerUpdate,
      batchSize: config.episodesPerUpdate,
      resumedFromEpoch: startUpdate,
    });

    const envs = Array.from({ length: config.episodesPerUpdate }, makeEnv);
    for (let update = startUpdate + 1; update <= config.updates; update++) {
      const updateStarted = performance.now();
      const episodes = playEpisodes(envs, network, baseManifest, config, update, options, (episode, e) => {
        emit({
          type: 'episode',
          phase: 'policy',
          elapsedSec: elapsed(),
          update,
          episode,
          decisions: e.actions.length,
          rewardHours: e.rewardHours,
          episodeReturn: episodeReturn(e.rewardHours, config),
        });
      });
      const { loss, entropy } = reinforceStep(network, adam, episodes, config);
      for (const e of episodes) state.recentReturns.push(episodeReturn(e.rewardHours, config));
      state.recentReturns = state.recentReturns.slice(-100);
      const record: UpdateRecord = {
        update,
        loss,
        entropy,
        meanReturn: state.recentReturns.reduce((s, r) => s + r, 0) / state.recentReturns.length,
        meanAbsRewardHours: episodes.reduce((s, e) => s + Math.abs(e.rewardHours), 0) / episodes.length,
        seconds: (performance.now() - updateStarted) / 1000,
      };
      state.history.push(record);
      state.adamStep = adam.step;
      state.elapsedSec = elapsed();
      emit({ type: 'update', phase: 'policy', elapsedSec: elapsed(), ...record, updates: config.updates, etaSec: (config.updates - update) * record.seconds });
      options.onProgress?.({ stage: 'train policy', done: update, total: config.updates, unit: 'updates', detail: { meanReturn: record.meanReturn, backend: backend.description } });
      const tensors = [...prefixTensors(network.params.read().filter((t) => t.name.startsWith('head/')), 'params/'), ...adam.readState()];
      const where = await saveCheckpoint(request.outDir, { phase: 'policy', epoch: update, done: update === config.updates, state, tensors });
      emit({ type: 'checkpoint', phase: 'policy', elapsedSec: elapsed(), epoch: update, path: where });
    }

    const last = state.history.at(-1);
    const manifest: ModelManifest = {
      schemaVersion: MODEL_SCHEMA_VERSION,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      kind: 'policy',
      network: spec,
      input: baseManifest.input,
      target: baseManifest.target,
      dataset: baseManifest.dataset,
      hyperParameters: { ...config, baseKind: baseManifest.kind, baseDatasetHash: baseManifest.dataset?.hash ?? null, environment: request.environment ?? null },
      metrics: {
        updates: state.history.length,
        trainSeconds: state.elapsedSec,
        parameters: network.params.count(),
        ...(last ? { meanReturn: last.meanReturn, entropy: last.entropy, lastMeanAbsRewardHours: last.meanAbsRewardHours } : {}),
      },
      backend: backend.description,
    };
    await saveNetworkFiles(request.outDir, spec, network.params.read());
    await saveManifest(request.outDir, manifest);
    emit({ type: 'done', phase: 'policy', elapsedSec: elapsed(), metrics: manifest.metrics });
    return { outDir: request.outDir, manifest, history: state.history };
  } finally {
    adam.dispose();
    network.dispose();
  }
}

async function prepareFolder(request: PolicyTrainRequest, config: PolicyConfig, baseManifest: ModelManifest): Promise<void> {
  const runFile = path.join(request.outDir, CHECKPOINT_DIR, 'run.json');
  const record = JSON.stringify({ config, base: baseManifest.dataset?.hash ?? null, baseNetwork: baseManifest.network }) + '\n';
  if (request.resume) {
    const previous = await fs.readFile(runFile, 'utf8').catch(() => undefined);
    if (previous !== undefined) {
      if (previous !== record) throw new Error(`--resume: the checkpoints in ${request.outDir} were made with another configuration or base model`);
      return;
    }
  } else {
    await clearCheckpoints(request.outDir);
  }
  await fs.mkdir(path.dirname(runFile), { recursive: true });
  await writeFileAtomic(runFile, record);
}

/** Plays one update's episodes in lockstep, batching their decisions through the network. */
function playEpisodes(
  envs: EpisodeEnv[],
  network: PolicyNetwork,
  manifest: ModelManifest,
  config: PolicyConfig,
  update: number,
  options: WorkOptions,
  onEpisode: (index: number, episode: Episode) => void,
): Episode[] {
  const { seqLen, featureNames, normalization } = manifest.input;
  const window = seqLen * featureNames.length;
  const scale = manifest.target.scale;
  const episodes: Episode[] = envs.map(() => ({ inputs: [], actions: [], rewardHours: 0 }));
  const rngs = envs.map((_, e) => createRng(config.seed, 'actions', update, e));
  let current: EnvStep[] = envs.map((env, e) => env.reset(deriveSeed(config.seed, 'episode', update, e)));
  current.forEach((s, e) => {
    if (s.done) {
      episodes[e].rewardHours = s.rewardHours;
      onEpisode(e, episodes[e]);
    }
  });
  const k = network.spec.base.type === 'moe' ? network.spec.base.experts.length : 1;
  while (current.some((s) => !s.done)) {
    throwIfAborted(options.signal);
    const active = current.map((s, e) => (s.done ? -1 : e)).filter((e) => e >= 0);
    const batch = new Float32Array(active.length * window);
    active.forEach((e, i) => normalizeInto((current[e] as { window: Float32Array }).window, batch, normalization, 0, i * window, window));
    const [hours, probs] = tf.tidy(() => {
      const baseHours = tf.add(tf.mul(network.baseOutputs(tf.tensor3d(batch, [active.length, seqLen, featureNames.length])), scale.std), scale.mean) as tf.Tensor2D;
      return [baseHours.dataSync() as Float32Array, tf.softmax(network.head(baseHours), -1).dataSync() as Float32Array];
    });
    const next = [...current];
    active.forEach((e, i) => {
      const submit = rngs[e].next() < probs[i * 2 + 1];
      episodes[e].inputs.push(...hours.subarray(i * k, (i + 1) * k));
      episodes[e].actions.push(submit ? 1 : 0);
      const step = envs[e].step(submit);
      next[e] = step;
      if (step.done) {
        episodes[e].rewardHours = step.rewardHours;
        onEpisode(e, episodes[e]);
      }
    });
    current = next;
  }
  return episodes;
}

/** Per episode and decision: the advantage weighting log pi(a_t). */
export function advantagesOf(
  episodes: readonly { actions: readonly number[]; rewardHours: number }[],
  config: Pick<PolicyConfig, 'gamma' | 'rewardScale' | 'overlapHoursPerInterruptionHour' | 'baseline'>,
): number[][] {
  const togo = episodes.map((e) => {
    const rewards = e.actions.map((_, t) => (t === e.actions.length - 1 ? episodeReturn(e.rewardHours, config) : 0));
    return { rewards, togo: rewardsToGo(rewards, config.gamma) };
  });
  if (config.baseline === 'reference') {
    return togo.map(({ rewards, togo: g }) => {
      const baseline = runningMeanBaseline(rewards);
      return g.map((v, t) => v - baseline[t]);
    });
  }
  const longest = Math.max(...togo.map((e) => e.togo.length));
  const meanAt = Array.from({ length: longest }, (_, t) => {
    const values = togo.filter((e) => t < e.togo.length).map((e) => e.togo[t]);
    return values.reduce((a, b) => a + b, 0) / values.length;
  });
  const centred = togo.map(({ togo: g }) => g.map((v, t) => v - meanAt[t]));
  const flat = centred.flat();
  const spread = Math.sqrt(flat.reduce((s, v) => s + v * v, 0) / Math.max(1, flat.length));
  return centred.map((a) => a.map((v) => (spread > 1e-9 ? v / spread : v)));
}

/**
 * One REINFORCE update. Each episode's rewards are zero at every decision but
 * the last, which carries its return (episodeReturn); advantages per
 * `config.baseline` (advantagesOf). Loss = -(mean over
 * episodes of sum_t log pi(a_t) A_t) - beta * mean entropy.
 */
function reinforceStep(network: PolicyNetwork, adam: Adam, episodes: Episode[], config: PolicyConfig): { loss: number; entropy: number } {
  const k = network.spec.base.type === 'moe' ? network.spec.base.experts.length : 1;
  const used = episodes.filter((e) => e.actions.length > 0);
  if (used.length === 0) return { loss: 0, entropy: 0 };
  const advantages = advantagesOf(used, config);
  const inputs: number[] = [];
  const chosen: number[] = [];
  const weights: number[] = [];
  used.forEach((e, i) => {
    e.actions.forEach((a, t) => {
      chosen.push(a === 0 ? 1 : 0, a === 1 ? 1 : 0);
      weights.push(advantages[i][t] / used.length);
    });
    inputs.push(...e.inputs);
  });
  const steps = weights.length;
  let entropyValue = 0;
  const x = tf.tensor2d(inputs, [steps, k]);
  const mask = tf.tensor2d(chosen, [steps, 2]);
  const w = tf.tensor1d(weights);
  try {
    const { loss } = adam.minimize(() => {
      const logp = tf.logSoftmax(network.head(x), -1);
      const policyLoss = tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(logp, mask), 1), w)));
      const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
      entropyValue = entropy.dataSync()[0];
      return tf.sub(policyLoss, tf.mul(entropy, config.entropyBonus)) as tf.Scalar;
    }, config.learningRate);
    return { loss, entropy: entropyValue };
  } finally {
    x.dispose();
    mask.dispose();
    w.dispose();
  }
}
