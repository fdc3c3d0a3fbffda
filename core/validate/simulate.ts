import { ChainRun, simulateSample } from '../sim/chain.js';
import type { ChainPolicy, ChainSchedule, SampleResult, SimulateOptions } from '../sim/chain.js';
import type { Workload } from '../sim/workload.js';
import type { QueueState } from '../sim/forecast.js';
import { decideFromOutput, hoursLeftInWindow, predecessorEndedDecision } from './decide.js';
import type { Decision, DecisionKey, DecisionRule } from './decide.js';
import type { BaselinePolicy, SampleOutcome } from './policies.js';

/**
 * Simulates validation samples: baselines one at a time at their computed
 * submit time, a model online with many samples' chains advanced together so
 * that every decision round is one batched model call.
 */

function outcomeOf(result: SampleResult, decision: Decision, decisions: number): SampleOutcome {
  const run = result.runs[0];
  return {
    index: result.index,
    sampleStartSec: result.sampleStartSec,
    predEndSec: result.predEndSec,
    submitSec: run.submitSec,
    succStartSec: run.succStartSec,
    rewardSeconds: run.rewardSeconds,
    backfillSec: run.succBackfillSec,
    expected: decision.expected,
    expectedIsInt: decision.expectedIsInt,
    decisions,
  };
}

/**
 * A baseline's sample. The simulator's workload must have been prepared with
 * `waitWindow` = the quantile's window for `quantile`. Its expected_reward is
 * the wait it submitted ahead of pred's end, in hours (0.0 for reactive): the
 * estimate the rule acted on, as the reference logs its quantile baseline's.
 */
export function simulateBaselineSample(workload: Workload, schedule: ChainSchedule, index: number, policy: BaselinePolicy): SampleOutcome {
  const chainPolicy: ChainPolicy = policy.kind === 'quantile' ? { kind: 'quantile', q: policy.q } : { kind: policy.kind };
  const result = simulateSample(workload, schedule, index, chainPolicy, { featureMode: 'none' });
  const aheadHours = (result.predEndSec - result.runs[0].submitSec) / 3600;
  return outcomeOf(result, { submit: true, expected: aheadHours, expectedIsInt: false }, 0);
}

/** How validation runs a model's chain: decision-time features, and pred's end submitted on the minute (see SimulateOptions). */
const ONLINE: SimulateOptions = { featureMode: 'decision', submitAtPredEnd: true };

/**
 * [count * window] model inputs -> one output per window: reward hours
 * (regressor) or P(submit) (policy). `keys` says which sample and decision
 * each window is (for evaluators that cache or replay outputs).
 */
export type BatchEvaluator = (windows: Float32Array, count: number, keys: readonly DecisionKey[]) => Float32Array | Promise<Float32Array>;

export interface OnlineStats {
  /** Model calls made and windows evaluated. */
  calls: number;
  windows: number;
}

/**
 * Runs the samples' chains together: each round advances every unfinished
 * chain to its next decision point, asks the model once for all of them, and
 * submits where the rule says so. A chain whose predecessor ended submits at
 * once without asking (ChainRun does it).
 */
export async function simulateOnlineSamples(
  workload: Workload,
  schedule: ChainSchedule,
  indices: readonly number[],
  evaluate: BatchEvaluator,
  rule: DecisionRule,
  stats: OnlineStats = { calls: 0, windows: 0 },
): Promise<SampleOutcome[]> {
  // One rule is a rule set of one: the chain forks where it submits, which costs one engine copy a sample.
  return (await simulateRuleSet(workload, schedule, indices, evaluate, [rule], stats))[0];
}

/**
 * Every rule of a list on the same samples in one pass: each chain runs
 * without submitting, the model is asked once per decision point, each rule
 * keeps its own confirmation streak, and where a rule first says "submit" the
 * simulator forks there and scores that submission. Rules that never submit
 * get the chain's own submission at pred's end. Outcomes equal running
 * simulateOnlineSamples once per rule (tested), at the cost of about one run.
 */
export async function simulateRuleSet(
  workload: Workload,
  schedule: ChainSchedule,
  indices: readonly number[],
  evaluate: BatchEvaluator,
  rules: readonly DecisionRule[],
  stats: OnlineStats = { calls: 0, windows: 0 },
): Promise<SampleOutcome[][]> {
  interface Live {
    run: ChainRun;
    decisions: number;
    streaks: number[];
    outcomes: (SampleOutcome | null)[];
  }
  const live: Live[] = indices.map((index) => ({
    run: new ChainRun(workload, schedule, index, ONLINE),
    decisions: 0,
    streaks: rules.map(() => 0),
    outcomes: rules.map(() => null),
  }));
  let active = live;
  while (active.length > 0) {
    const asking: { chain: Live; features: Float32Array; hoursLeft: number; queue: () => QueueState }[] = [];
    for (const chain of active) {
      const point = chain.run.advanceToNextDecision();
      if (point.kind === 'done') {
        rules.forEach((rule, r) => (chain.outcomes[r] ??= outcomeOf(point.result, predecessorEndedDecision(rule), chain.decisions)));
      } else {
        asking.push({ chain, features: point.context.features, hoursLeft: hoursLeftInWindow(point.context.features), queue: point.context.queue });
      }
    }
    if (asking.length === 0) break;
    const windowSize = asking[0].features.length;
    const windows = new Float32Array(asking.length * windowSize);
    asking.forEach((a, k) => windows.set(a.features, k * windowSize));
    const outputs = await evaluate(
      windows,
      asking.length,
      asking.map(({ chain, queue }) => ({ sampleIndex: chain.run.index, decision: chain.decisions, queue })),
    );
    stats.calls++;
    stats.windows += asking.length;
    const next: Live[] = [];
    asking.forEach(({ chain, hoursLeft }, k) => {
      const key = { sampleIndex: chain.run.index, decision: chain.decisions, hoursLeft };
      chain.decisions++;
      let fork: SampleResult | null = null;
      rules.forEach((rule, r) => {
        if (chain.outcomes[r]) return;
        const { streak, ...decision } = decideFromOutput(rule, outputs[k], key, chain.streaks[r]);
        chain.streaks[r] = streak;
        if (!decision.submit) return;
        // Rules submitting at the same point share one fork: the simulation does not depend on the rule.
        fork ??= chain.run.forkSubmit();
        chain.outcomes[r] = outcomeOf(fork, decision, chain.decisions);
      });
      if (chain.outcomes.some((o) => o === null)) next.push(chain);
    });
    active = next;
  }
  return rules.map((_, r) => live.map((chain) => chain.outcomes[r]!));
}
