import { FEATURE_NAMES } from '../sim/features.js';
import { createRng } from '../model/rng.js';
import { columnIndex, timeToPredEndHours } from '../model/wait-features.js';
import { z } from 'zod';
import type { QueueState } from '../sim/forecast.js';

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
      /** Never submit more than this many hours before pred's end (absent: no cap; 0: only at its end, as reactive). */
      maxLeadHours?: number;
    }
  /**
   * A risk model's output is P(the successor, submitted now, would still
   * start after the predecessor ends); submit once it reached `threshold`
   * on `confirmations` consecutive decisions (default 1).
   */
  | { kind: 'risk'; threshold: number; confirmations?: number; maxLeadHours?: number }
  | { kind: 'policy'; mode: 'greedy' | 'sample'; seed: number };

/** The rules that compare one output to a threshold, with confirmations: what calibration tunes. */
export type ThresholdRule = Extract<DecisionRule, { kind: 'regressor' | 'risk' }>;

export interface DecisionKey {
  sampleIndex: number;
  /** 0 for the sample's first decision point, then 1, 2, ... */
  decision: number;
  /** Hours until pred's end (hoursLeftInWindow): what a rule's maxLeadHours reads; absent: unknown, the cap holds back. */
  hoursLeft?: number;
  /** The queue at the decision, for a model that makes the scheduler's start estimate (wait-risk). */
  queue?: () => QueueState;
}

export interface Decision {
  submit: boolean;
  /** What reward.log's expected_reward shows for this decision (see RewardLogRow). */
  expected: number;
  expectedIsInt: boolean;
}

const SNAPSHOT_COLUMNS = columnIndex(FEATURE_NAMES, 'snapshot features');

/**
 * Hours until pred's end as a decision window says it (newest snapshot's pred
 * tuple: limit minus run so far; its whole limit while it is pending), the
 * same in validation and on a live cluster, and the same number the wait
 * models read.
 */
export function hoursLeftInWindow(window: ArrayLike<number>): number {
  return timeToPredEndHours(window, window.length - FEATURE_NAMES.length, SNAPSHOT_COLUMNS);
}

/**
 * The decision at one decision point. `streak` counts the consecutive
 * in-interval predictions before this one (a regressor rule with
 * confirmations); the returned streak includes this one.
 */
export function decideFromOutput(rule: DecisionRule, output: number, key: DecisionKey, streak = 0): Decision & { streak: number } {
  if (rule.kind === 'regressor' || rule.kind === 'risk') {
    // NaN never lies inside the interval: a broken prediction waits, it does not submit.
    const reached = rule.kind === 'risk' ? output >= rule.threshold : rule.lowHours <= output && output <= rule.highHours;
    // A capped rule holds back while pred's end is further away than its cap (or unknown: pred still pending).
    const hoursLeft = key.hoursLeft ?? Infinity;
    const inside = reached && (rule.maxLeadHours === undefined || hoursLeft <= rule.maxLeadHours);
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
  // A risk rule logs the risk, which is 1 once the predecessor has ended.
  return { submit: true, expected: rule.kind === 'regressor' ? 0 : 1, expectedIsInt: false };
}

/**
 * DecisionRule as stored in files (a policy bundle's mirage-policy.json):
 * strict, so a misspelt field or an unknown kind is refused by name. Kept
 * beside the type so a new rule kind extends both in one place.
 */
export const DecisionRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('regressor'),
    lowHours: z.number(),
    highHours: z.number(),
    confirmations: z.number().int().min(1).optional(),
    maxLeadHours: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal('risk'),
    threshold: z.number().min(0).max(1),
    confirmations: z.number().int().min(1).optional(),
    maxLeadHours: z.number().nonnegative().optional(),
  }),
  z.strictObject({ kind: z.literal('policy'), mode: z.enum(['greedy', 'sample']), seed: z.number().int() }),
]).refine((r) => r.kind !== 'regressor' || r.lowHours <= r.highHours, { message: 'lowHours must not exceed highHours' });

/** The rule in words, for reports, `mirage policy info` and the provisioner's log. */
export function describeRule(rule: DecisionRule): string {
  if (rule.kind === 'policy') return rule.mode === 'greedy' ? "submit on the model's likelier action" : `submit on a draw from the model's action probabilities (seed ${rule.seed})`;
  if (rule.maxLeadHours === 0) return "submit when the predecessor ends, as reactive (calibration's held-out samples showed the model's rules worse than reactive)";
  const n = rule.confirmations ?? 1;
  const confirm = n === 1 ? 'at the first decision' : `once ${n} consecutive decisions (10 minutes apart) agree`;
  const cap = rule.maxLeadHours === undefined ? '' : `, never more than ${rule.maxLeadHours} h before the predecessor's end`;
  if (rule.kind === 'risk') return `submit when the chance that submitting now still interrupts reaches ${rule.threshold}, ${confirm}${cap}`;
  return `submit when the predicted reward lies in [${rule.lowHours}, ${rule.highHours}] h, ${confirm}${cap}`;
}

/** The value a threshold rule is tuned by: a regressor's low end (hours), a risk rule's threshold. */
export function ruleThreshold(rule: Extract<DecisionRule, { kind: 'regressor' | 'risk' }>): number {
  return rule.kind === 'risk' ? rule.threshold : rule.lowHours;
}
