import type { BackendChoice } from '../model/backend-choice.js';
import type { DecisionRule } from './decide.js';

/**
 * The policies a validation run compares. Baselines submit at one computed
 * time (the reference's baseline path, which the golden numbers come from); a
 * model decides online, every 10 simulated minutes.
 */
export type BaselinePolicy =
  | { kind: 'reactive' }
  | { kind: 'average' }
  /** QBETS-style: pred's end minus the q-quantile (0..1) of the last `window` waits. */
  | { kind: 'quantile'; q: number; window: number };

export interface ModelPolicy {
  kind: 'model';
  /** Absolute path of the saved model folder. */
  modelDir: string;
  rule: DecisionRule;
  backend?: BackendChoice;
  /** Name in rewards.csv, summary and charts (default 'model'). */
  label?: string;
}

export type ValidationPolicy = BaselinePolicy | ModelPolicy;

export const BASELINE_KINDS = ['reactive', 'average', 'quantile'] as const;

export function policyLabel(policy: ValidationPolicy): string {
  return policy.kind === 'model' ? (policy.label ?? 'model') : policy.kind;
}

/** One finished sample under one policy, as a worker sends it back. */
export interface SampleOutcome {
  index: number;
  sampleStartSec: number;
  predEndSec: number;
  submitSec: number;
  succStartSec: number;
  rewardSeconds: number;
  backfillSec: number | null;
  /** reward.log's expected_reward (see RewardLogRow). */
  expected: number;
  expectedIsInt: boolean;
  /** Decision points the model was asked at (0 for baselines). */
  decisions: number;
}
