/**
 * Summary statistics of a set of rewards (hours; positive = interruption,
 * negative = overlap). Pure: the GUI computes the same numbers in the browser.
 */
export interface RewardStats {
  n: number;
  meanRewardHours: number;
  medianRewardHours: number;
  /** Mean of max(reward, 0): the time the service was down, per sample. */
  meanInterruptionHours: number;
  /** Mean of max(-reward, 0), a positive number: node-hours both jobs held, per sample and node. */
  meanOverlapHours: number;
  meanAbsRewardHours: number;
  /** Share (0..1) of samples with reward <= 0: no interruption at all. */
  zeroInterruptionShare: number;
  /** Share (0..1) of samples with |reward| <= 1 h. */
  within1hShare: number;
  maxInterruptionHours: number;
  maxOverlapHours: number;
}

export type LoadLevel = 'low' | 'medium' | 'heavy';
export const LOAD_LEVELS: readonly LoadLevel[] = ['low', 'medium', 'heavy'];

/** The reference's load classes (script/fig_plot.py): by the reactive baseline's interruption of the same sample. */
export function loadLevelOf(reactiveRewardHours: number): LoadLevel {
  if (reactiveRewardHours <= 2) return 'low';
  if (reactiveRewardHours <= 12) return 'medium';
  return 'heavy';
}

/** Cost of one sample, hours: interruption + overlap / R (R hours of overlap weigh as one of interruption). */
export function sampleCostHours(rewardHours: number, overlapHoursPerInterruptionHour: number): number {
  return rewardHours >= 0 ? rewardHours : -rewardHours / overlapHoursPerInterruptionHour;
}

/** numpy's median: the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** numpy's default percentile (linear interpolation between closest ranks), q in 0..100. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Throws on an empty set: callers decide what an empty group means. */
export function rewardStats(rewardsHours: readonly number[]): RewardStats {
  if (rewardsHours.length === 0) throw new Error('rewardStats: no rewards');
  const interruptions = rewardsHours.map((r) => Math.max(r, 0));
  const overlaps = rewardsHours.map((r) => Math.max(-r, 0));
  const n = rewardsHours.length;
  return {
    n,
    meanRewardHours: mean(rewardsHours),
    medianRewardHours: median(rewardsHours),
    meanInterruptionHours: mean(interruptions),
    meanOverlapHours: mean(overlaps),
    meanAbsRewardHours: mean(rewardsHours.map(Math.abs)),
    zeroInterruptionShare: rewardsHours.filter((r) => r <= 0).length / n,
    within1hShare: rewardsHours.filter((r) => Math.abs(r) <= 1).length / n,
    // reduce, not Math.max(...): a spread of a large run's rewards overflows the stack.
    maxInterruptionHours: interruptions.reduce((a, b) => Math.max(a, b), -Infinity),
    maxOverlapHours: overlaps.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}
