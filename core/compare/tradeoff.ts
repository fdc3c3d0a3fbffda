import type { TradeoffData, TradeoffPoint } from '../charts/index.js';
import type { ThresholdRule } from '../validate/decide.js';
import { ruleThreshold } from '../validate/decide.js';
import type { RuleTrial } from '../validate/calibrate.js';
import type { SampleReward } from '../validate/summary.js';
import { blockBootstrapMean } from './stats.js';
import type { BootstrapOptions } from './stats.js';

/**
 * The trade-off chart's data for one or several pooled runs: baselines and the
 * validated model as points with block-bootstrap error bars, the model's
 * curve over its threshold from the same samples scored under every
 * threshold (the other settings of its rule held as chosen).
 */
export function tradeoffData(input: {
  groups: readonly (readonly SampleReward[])[];
  model: string;
  baselines: readonly string[];
  /** The model's rules scored on the same samples; the curve keeps those that differ from `chosen` only in threshold. */
  trials: readonly RuleTrial[];
  chosen: ThresholdRule;
  blockSamples: number;
  overlapHoursPerInterruptionHour: number;
  bootstrap?: BootstrapOptions;
}): TradeoffData {
  const point = (policy: string): TradeoffPoint => {
    const lists = input.groups.map((records) =>
      records
        .filter((r) => r.policy === policy)
        .sort((a, b) => a.index - b.index)
        .map((r) => r.rewardSeconds / 3600),
    );
    const interruption = blockBootstrapMean(lists.map((l) => l.map((r) => Math.max(r, 0))), input.blockSamples, input.bootstrap);
    const overlap = blockBootstrapMean(lists.map((l) => l.map((r) => Math.max(-r, 0))), input.blockSamples, input.bootstrap);
    return {
      interruptionHours: interruption.estimate,
      overlapHours: overlap.estimate,
      interruptionInterval: { low: interruption.low, high: interruption.high },
      overlapInterval: { low: overlap.low, high: overlap.high },
    };
  };
  const sameButThreshold = (rule: ThresholdRule): boolean => {
    const { threshold: _a, lowHours: _b, ...rest } = rule as ThresholdRule & { threshold?: number; lowHours?: number };
    const { threshold: _c, lowHours: _d, ...chosen } = input.chosen as ThresholdRule & { threshold?: number; lowHours?: number };
    return rule.kind === input.chosen.kind && JSON.stringify(rest) === JSON.stringify(chosen);
  };
  const points = input.trials
    .filter((t) => sameButThreshold(t.rule))
    .map((t) => ({ threshold: ruleThreshold(t.rule), interruptionHours: t.stats.meanInterruptionHours, overlapHours: t.stats.meanOverlapHours }))
    .sort((a, b) => a.threshold - b.threshold);
  return {
    baselines: input.baselines.map((policy) => ({ policy, ...point(policy) })),
    curves: [{ policy: input.model, points, chosen: point(input.model) }],
    overlapHoursPerInterruptionHour: input.overlapHoursPerInterruptionHour,
  };
}
