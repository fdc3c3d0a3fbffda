import type { ChainSchedule } from '../sim/chain.js';
import type { Workload } from '../sim/workload.js';
import type { DecisionRule } from './decide.js';
import type { SampleOutcome } from './policies.js';
import { rewardStats } from './stats.js';
import type { RewardStats } from './stats.js';
import { simulateOnlineSamples } from './simulate.js';
import type { BatchEvaluator, OnlineStats } from './simulate.js';

/**
 * Chooses a regressor's submit rule on samples *outside* the validation set
 * (the held-out tail of the training period). A regressor submits at the
 * first decision whose prediction reaches the interval's low end; noisy
 * predictions cross it early now and then, so the reference's rule (-0.5 h,
 * at the first crossing) overlaps more than it needs to. Every candidate
 * (low end, confirmations) is tried online on the same samples; the smallest
 * mean |reward| wins.
 *
 * Cost: the model is asked once per decision point along each sample's
 * never-submitting path (the chain is the same under every rule until it
 * submits), then each candidate replays those outputs through the simulator
 * without asking the model again.
 */

export type RegressorRule = Extract<DecisionRule, { kind: 'regressor' }>;

/** Model outputs along the never-submitting paths, by `${sampleIndex}:${decision}`. */
export type RecordedOutputs = Record<string, number>;

export interface RuleTrial {
  rule: RegressorRule;
  stats: RewardStats;
}

export interface Calibration {
  rule: RegressorRule;
  trials: RuleTrial[];
  samples: number;
  /** The baselines on the same samples (objective 'beat-baselines'), by name. */
  baselines?: Record<string, RewardStats>;
  /** The zero-interruption share a rule had to reach to be chosen (the best baseline's); absent: none asked. */
  minZeroInterruptionShare?: number;
}

/**
 * How calibration picks a rule: 'mean-abs' the smallest mean |reward|;
 * 'beat-baselines' the smallest mean |reward| among the rules whose share of
 * samples without interruption is at least the best baseline's on the same
 * samples (the smallest mean |reward| overall when no rule reaches it).
 */
export type CalibrationObjective = 'mean-abs' | 'beat-baselines';

const keyOf = (k: { sampleIndex: number; decision: number }): string => `${k.sampleIndex}:${k.decision}`;

/** Asks the model at every decision point of the samples, never submitting (the chain submits when the predecessor ends). */
export async function recordModelOutputs(
  workload: Workload,
  schedule: ChainSchedule,
  indices: readonly number[],
  evaluate: BatchEvaluator,
  stats: OnlineStats = { calls: 0, windows: 0 },
): Promise<RecordedOutputs> {
  const outputs: RecordedOutputs = {};
  const record: BatchEvaluator = async (windows, count, keys) => {
    const out = await evaluate(windows, count, keys);
    keys.forEach((k, j) => (outputs[keyOf(k)] = out[j]));
    return out;
  };
  await simulateOnlineSamples(workload, schedule, indices, record, { kind: 'regressor', lowHours: Infinity, highHours: Infinity }, stats);
  return outputs;
}

/** The samples' outcomes under `rule`, the model's outputs replayed from a recording. */
export function replayRule(workload: Workload, schedule: ChainSchedule, indices: readonly number[], outputs: RecordedOutputs, rule: RegressorRule): Promise<SampleOutcome[]> {
  const replay: BatchEvaluator = (_windows, count, keys) => {
    const out = new Float32Array(count);
    keys.forEach((k, j) => {
      const v = outputs[keyOf(k)];
      if (v === undefined) throw new Error(`calibration: no recorded output for sample ${k.sampleIndex}, decision ${k.decision}`);
      out[j] = v;
    });
    return out;
  };
  return simulateOnlineSamples(workload, schedule, indices, replay, rule);
}

/**
 * Smallest mean |reward| among the trials reaching `minZeroInterruptionShare`
 * (all of them when none does, or none is given); on a tie, the candidate listed first.
 */
export function chooseRule(trials: readonly RuleTrial[], minZeroInterruptionShare?: number): RuleTrial {
  if (trials.length === 0) throw new Error('calibration: no candidate rules');
  const floor = minZeroInterruptionShare ?? -Infinity;
  // Shares are ratios of small counts: compare with a tolerance so equal counts compare equal.
  const eligible = trials.filter((t) => t.stats.zeroInterruptionShare >= floor - 1e-9);
  return (eligible.length > 0 ? eligible : trials).reduce((a, b) => (b.stats.meanAbsRewardHours < a.stats.meanAbsRewardHours ? b : a));
}

/** Every (low end, confirmations) pair of the two lists, low ends varying fastest. */
export function candidateRules(lowHours: readonly number[], confirmations: readonly number[], highHours: number): RegressorRule[] {
  return confirmations.flatMap((c) => lowHours.map((low) => ({ kind: 'regressor' as const, lowHours: low, highHours, confirmations: c })));
}

/** The whole calibration in this thread (the pipeline spreads the same steps over workers). */
export async function calibrateSubmitRule(
  workload: Workload,
  schedule: ChainSchedule,
  indices: readonly number[],
  evaluate: BatchEvaluator,
  candidates: readonly RegressorRule[],
  stats?: OnlineStats,
): Promise<Calibration> {
  if (indices.length === 0) throw new Error('calibration: no samples');
  const outputs = await recordModelOutputs(workload, schedule, indices, evaluate, stats);
  const trials: RuleTrial[] = [];
  for (const rule of candidates) {
    const outcomes = await replayRule(workload, schedule, indices, outputs, rule);
    trials.push({ rule, stats: rewardStats(outcomes.map((o) => o.rewardSeconds / 3600)) });
  }
  return { rule: chooseRule(trials).rule, trials, samples: indices.length };
}
