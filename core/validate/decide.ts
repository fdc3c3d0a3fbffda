import { createRng } from '../model/rng.js';

/**
 * How a model's outputs become submit decisions at the online decision points.
 * - regressor: its output is the reward (hours) it expects if the successor
 *   were submitted now; submit when it lies in [lowHours, highHours]
 *   (reference: [-0.5, 500]).
 * - policy: its output is the probability of "submit"; submit on the most
 *   likely action (greedy) or on a seeded draw (sample). Each draw comes from
 *   (seed, sample index, decision number), so the outcome does not depend on
 *   how samples were spread over workers or batched together.
 */
export type DecisionRule =
  | {
      kind: 'regressor';
      lowHours: number;
      highHours: number;
      /**
       * Submit only once this many consecutive predictions lay in the interval
       * (default 1: the reference's rule). Noisy predictions cross the low end
       * early now and then; asking for a confirmation 10 minutes later skips
       * most of those crossings.
       */
      confirmations?: number;
    }
  | { kind: 'policy'; mode: 'greedy' | 'sample'; seed: number };

export interface DecisionKey {
  sampleIndex: number;
  /** 0 for the sample's first decision point, then 1, 2, ... */
  decision: number;
}

export interface Decision {
  submit: boolean;
  /** What reward.log's expected_reward shows for this decision (see RewardLogRow). */
  expected: number;
  expectedIsInt: boolean;
}

/**
 * The decision at one decision point. `streak` counts the consecutive
 * in-interval predictions before this one (a regressor rule with
 * confirmations); the returned streak includes this one.
 */
export function decideFromOutput(rule: DecisionRule, output: number, key: DecisionKey, streak = 0): Decision & { streak: number } {
  if (rule.kind === 'regressor') {
    // NaN never lies inside the interval: a broken prediction waits, it does not submit.
    const inside = rule.lowHours <= output && output <= rule.highHours;
    const now = inside ? streak + 1 : 0;
    return { submit: now >= (rule.confirmations ?? 1), expected: output, expectedIsInt: false, streak: now };
  }
  const submit = rule.mode === 'greedy' ? output > 0.5 : createRng(rule.seed, 'validate', key.sampleIndex, key.decision).next() < output;
  // The reference logs the sampled action itself: 1 = submit.
  return { submit, expected: submit ? 1 : 0, expectedIsInt: true, streak: 0 };
}

/**
 * The decision once the predecessor has ended: submit at once. The reference
 * returns 0.0 from a regressor and 1.0 from a policy there, and logs it.
 */
export function predecessorEndedDecision(rule: DecisionRule): Decision {
  return { submit: true, expected: rule.kind === 'regressor' ? 0 : 1, expectedIsInt: false };
}
