import type { ChainSchedule } from '../sim/chain.js';
import type { Workload } from '../sim/workload.js';
import { ruleThreshold } from './decide.js';
import type { ThresholdRule } from './decide.js';
import { rewardStats } from './stats.js';
import type { RewardStats } from './stats.js';
import { simulateRuleSet } from './simulate.js';
import type { BatchEvaluator, OnlineStats } from './simulate.js';

/**
 * Chooses a model's submit rule on samples *outside* the validation set (the
 * held-out tail of the training period). A rule submits at the first decision
 * whose output reaches its threshold (a regressor's low end in hours, a risk
 * model's probability), `confirmations` times in a row; noisy outputs cross a
 * threshold early now and then, so the reference's rule (-0.5 h, at the first
 * crossing) overlaps more than it needs to. Every candidate is tried online on
 * the same samples; the smallest mean cost wins (interruption hours + overlap
 * hours / R, where R hours of overlap are worth one hour of interruption; R =
 * 1 is the mean |reward|).
 *
 * Cost: about one online validation of the samples: the model is asked once
 * per decision point along each sample's never-submitting path (the chain is
 * the same under every rule until it submits), and the simulator forks where
 * a rule submits (core/validate/simulate.ts simulateRuleSet).
 */

export type { ThresholdRule } from './decide.js';

export interface RuleTrial {
  rule: ThresholdRule;
  stats: RewardStats;
  /** On the low-load samples alone (reactive's interruption <= 2 h), where measured. */
  lowLoad?: RewardStats;
  /** Its cost minus reactive's, sample by sample, on all samples and on the low-load ones (where reactive was scored). */
  vsReactive?: { all: PairedDifference; lowLoad?: PairedDifference };
}

/** A mean of per-sample differences (hours) and its standard error. */
export interface PairedDifference {
  n: number;
  meanHours: number;
  /** Sample standard deviation / sqrt(n); 0 for fewer than 2 samples. */
  standardErrorHours: number;
}

export function pairedDifference(differences: readonly number[]): PairedDifference {
  const n = differences.length;
  const mean = n > 0 ? differences.reduce((a, b) => a + b, 0) / n : 0;
  if (n < 2) return { n, meanHours: mean, standardErrorHours: 0 };
  const variance = differences.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1);
  return { n, meanHours: mean, standardErrorHours: Math.sqrt(variance / n) };
}

/**
 * Whether the samples show a rule costing more than reactive beyond chance:
 * the mean difference above 1.645 standard errors (one-sided, 5 %). The
 * samples of a held-out tail are correlated (neighbours replay overlapping
 * weeks), so the standard error is too small and the test says "worse" too
 * readily: it errs towards waiting like reactive. Under 2 samples it cannot tell.
 */
export function significantlyWorse(d: PairedDifference | undefined): boolean {
  return d !== undefined && d.n >= 2 && d.meanHours - 1.645 * d.standardErrorHours > 1e-9;
}

export interface Calibration {
  rule: ThresholdRule;
  trials: RuleTrial[];
  /** The held-out training samples the rules were tried on. */
  samples: number;
  /** Hours of overlap worth one hour of interruption: the cost minimised. */
  overlapHoursPerInterruptionHour: number;
  /** The reactive and average baselines on the same samples, by name (for the report and the trade-off chart). */
  baselines?: Record<string, RewardStats>;
  /** Reactive on the low-load samples: the cost a chosen rule may not exceed there (do no harm). */
  reactiveLowLoad?: RewardStats;
  /** How many of the trials, after the candidates, are capped rules offered only where no candidate does no harm. */
  capped?: number;
}

/** The trial of the chosen rule (a Calibration read back from JSON holds equal rules, not the same objects). */
export function chosenTrial(calibration: Pick<Calibration, 'rule' | 'trials'>): RuleTrial {
  const chosen = JSON.stringify(calibration.rule);
  const trial = calibration.trials.find((t) => JSON.stringify(t.rule) === chosen);
  if (!trial) throw new Error('calibration: the chosen rule is not among the trials');
  return trial;
}

/** Mean cost per sample, hours: interruption + overlap / R (R hours of overlap are worth one hour of interruption). */
export function meanCostHours(stats: Pick<RewardStats, 'meanInterruptionHours' | 'meanOverlapHours'>, overlapHoursPerInterruptionHour: number): number {
  return stats.meanInterruptionHours + stats.meanOverlapHours / overlapHoursPerInterruptionHour;
}

/**
 * Whether rule `a` holds back more than `b`: a smaller cap on the lead (no
 * cap is the largest), then a later threshold (a higher risk; a regressor's
 * higher low end), then more confirmations.
 */
export function moreCautious(a: ThresholdRule, b: ThresholdRule): boolean {
  const capA = a.maxLeadHours ?? Infinity;
  const capB = b.maxLeadHours ?? Infinity;
  if (capA !== capB) return capA < capB;
  if (ruleThreshold(a) !== ruleThreshold(b)) return ruleThreshold(a) > ruleThreshold(b);
  return (a.confirmations ?? 1) > (b.confirmations ?? 1);
}

/**
 * The trial of smallest mean cost; on a tie (within 1e-9 h) the most
 * cautious rule (moreCautious), then the one listed first. Ties are common
 * where the held-out samples are idle (every rule waits like reactive
 * there); the held-out samples then say nothing about the rules, and the
 * one that holds back most does least harm if validation is busier. With a
 * low-load cap (reactive's cost on the low-load samples), only rules at or
 * under it there compete (do no harm where the queue is idle).
 *
 * When none is, those of the `capped` trials that are compete: the same
 * rules with a cap on the lead, offered only then, so that a tie on an idle tail never
 * picks a cap (a model that holds back by the start estimate itself gains
 * nothing from one there). When none of those is either, the candidates of
 * least low-load cost compete; but given `reactive`, the rule that waits
 * like reactive (waitLikeReactive, scored as the reactive baseline on the
 * same samples), that rule is chosen instead when the samples show the
 * chosen candidate worse than reactive beyond chance (significantlyWorse):
 * on the low-load samples where none does no harm, or on all of them. A
 * small excess on an idle tail (one early submission) keeps the model,
 * which may still gain where validation is busier; a consistent one means
 * it would harm idle periods.
 */
export function chooseRule(
  trials: readonly RuleTrial[],
  overlapHoursPerInterruptionHour = 1,
  lowLoadCapHours?: number,
  reactive?: RuleTrial,
  capped: readonly RuleTrial[] = [],
): RuleTrial {
  if (trials.length === 0) throw new Error('calibration: no candidate rules');
  const cost = (s: RewardStats): number => meanCostHours(s, overlapHoursPerInterruptionHour);
  let pool: readonly RuleTrial[] = trials;
  let harmful = false;
  if (lowLoadCapHours !== undefined && trials.every((t) => t.lowLoad)) {
    const harmless = (t: RuleTrial): boolean => t.lowLoad !== undefined && cost(t.lowLoad) <= lowLoadCapHours + 1e-9;
    const eligible = trials.filter(harmless);
    const eligibleCapped = capped.filter(harmless);
    if (eligible.length > 0) pool = eligible;
    else if (eligibleCapped.length > 0) pool = eligibleCapped;
    else {
      const least = trials.reduce((m, t) => Math.min(m, cost(t.lowLoad!)), Infinity);
      pool = trials.filter((t) => cost(t.lowLoad!) <= least + 1e-9);
      harmful = true;
    }
  }
  const best = pool.reduce((a, b) => {
    const d = cost(b.stats) - cost(a.stats);
    return d < -1e-9 || (d <= 1e-9 && moreCautious(b.rule, a.rule)) ? b : a;
  });
  const harms = harmful && significantlyWorse(best.vsReactive?.lowLoad);
  return reactive && (harms || significantlyWorse(best.vsReactive?.all)) ? reactive : best;
}

/**
 * The candidates' most cautious rule, never submitting before the
 * predecessor's end (a lead cap of 0 hours): it decides as reactive does,
 * kept in the model's own rule form so a policy bundle and the validation
 * run it like any other rule.
 */
export function waitLikeReactive(candidates: readonly ThresholdRule[]): ThresholdRule {
  if (candidates.length === 0) throw new Error('calibration: no candidate rules');
  const most = candidates.reduce((a, b) => (moreCautious(b, a) ? b : a));
  return { ...most, confirmations: 1, maxLeadHours: 0 };
}

/** A cap list's entries as rule fields: none (undefined) adds no maxLeadHours. */
const capped = <R extends ThresholdRule>(rule: R, cap: number | undefined): R => (cap === undefined ? rule : { ...rule, maxLeadHours: cap });

/** Every (cap, confirmations, low end), low ends varying fastest: a regressor's candidates. */
export function candidateRules(lowHours: readonly number[], confirmations: readonly number[], highHours: number, maxLeadHours: readonly (number | undefined)[] = [undefined]): ThresholdRule[] {
  return maxLeadHours.flatMap((cap) => confirmations.flatMap((c) => lowHours.map((low) => capped({ kind: 'regressor' as const, lowHours: low, highHours, confirmations: c }, cap))));
}

/** Every (cap, confirmations, threshold), thresholds varying fastest: a risk model's candidates. */
export function candidateRiskRules(thresholds: readonly number[], confirmations: readonly number[], maxLeadHours: readonly (number | undefined)[] = [undefined]): ThresholdRule[] {
  return maxLeadHours.flatMap((cap) => confirmations.flatMap((c) => thresholds.map((threshold) => capped({ kind: 'risk' as const, threshold, confirmations: c }, cap))));
}

/** The whole calibration in this thread (the pipeline spreads the same steps over workers). */
export async function calibrateSubmitRule(
  workload: Workload,
  schedule: ChainSchedule,
  indices: readonly number[],
  evaluate: BatchEvaluator,
  candidates: readonly ThresholdRule[],
  overlapHoursPerInterruptionHour = 1,
  stats?: OnlineStats,
): Promise<Calibration> {
  if (indices.length === 0) throw new Error('calibration: no samples');
  const outcomes = await simulateRuleSet(workload, schedule, indices, evaluate, candidates, stats);
  const trials = candidates.map((rule, r) => ({ rule, stats: rewardStats(outcomes[r].map((o) => o.rewardSeconds / 3600)) }));
  return { rule: chooseRule(trials, overlapHoursPerInterruptionHour).rule, trials, samples: indices.length, overlapHoursPerInterruptionHour };
}
