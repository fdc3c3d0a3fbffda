import type { QueueState } from '../../sim/forecast.js';
import type { DecisionKey, DecisionRule } from '../../validate/decide.js';
import { decideFromOutput, hoursLeftInWindow, predecessorEndedDecision } from '../../validate/decide.js';
import type { JobRecord } from '../client.js';
import { isFinished } from './snapshot.js';

/** What a policy sees at one decision point. */
export interface DecisionContext {
  nowSec: number;
  /** The chain's current predecessor. */
  pred: JobRecord;
  /** Successor being decided: 1 for the first one submitted by the provisioner. */
  link: number;
  /** Decisions taken so far in this run (a key for seeded policies). */
  decisionNumber: number;
  /** Snapshots held (the ring keeps at most the model's window length). */
  historySize: number;
  /** The model input: `seqLen` rows of 42 features, oldest first, zero rows in front when short. */
  window(seqLen: number): Float32Array;
  /** Waits (s) of the last jobs seen starting, oldest first. */
  recentWaitsSec: readonly number[];
  /** Consecutive decisions for this link, just before this one, whose output met the rule (rules with confirmations). */
  streak: number;
  /** The queue now, time-scaled minutes, for a model that makes the scheduler's start estimate (snapshot.ts queueState). */
  queue(): QueueState;
}

export interface PolicyDecision {
  submit: boolean;
  /** reward.log's expected_reward: a regressor's prediction (h), a policy's action, a rule's wait estimate (h). */
  expected: number | null;
  expectedIsInt: boolean;
  /** One line a person reads in the event log. */
  reason: string;
  /** The streak including this decision (policies that count confirmations); absent: unchanged. */
  streak?: number;
}

/** Decides, at each sample of the queue, whether to submit the successor now. */
export interface ProvisionPolicy {
  readonly name: string;
  decide(context: DecisionContext): PolicyDecision | Promise<PolicyDecision>;
}

/** "Submit when the job ends": the successor goes in once the predecessor has left the queue. */
export function reactivePolicy(): ProvisionPolicy {
  return {
    name: 'reactive',
    decide(ctx) {
      const ended = isFinished(ctx.pred);
      return { submit: ended, expected: 0, expectedIsInt: false, reason: ended ? `predecessor ${ctx.pred.id} ended (${ctx.pred.state})` : `predecessor ${ctx.pred.id} is ${ctx.pred.state}` };
    },
  };
}

/**
 * "Submit the average wait early": at the predecessor's limit end minus the
 * mean wait of the jobs recently seen starting (measured from squeue, since
 * `sacct -c` shows no waits). Logs the mean wait (h) as its expectation.
 */
export function averagePolicy(): ProvisionPolicy {
  return {
    name: 'average',
    decide(ctx) {
      const waits = ctx.recentWaitsSec;
      const meanWait = waits.length === 0 ? 0 : waits.reduce((a, b) => a + b, 0) / waits.length;
      const expected = meanWait / 3600;
      if (isFinished(ctx.pred)) return { submit: true, expected, expectedIsInt: false, reason: `predecessor ${ctx.pred.id} ended (${ctx.pred.state})` };
      if (ctx.pred.startSec === null || ctx.pred.limitMinutes === null) {
        return { submit: false, expected, expectedIsInt: false, reason: `predecessor ${ctx.pred.id} is ${ctx.pred.state}${ctx.pred.limitMinutes === null ? ' with no time limit' : ''}: no end to aim at` };
      }
      const submitAt = ctx.pred.startSec + ctx.pred.limitMinutes * 60 - Math.floor(meanWait);
      const submit = ctx.nowSec >= submitAt;
      return { submit, expected, expectedIsInt: false, reason: `limit end ${ctx.pred.startSec + ctx.pred.limitMinutes * 60} - mean wait ${Math.round(meanWait)} s of ${waits.length} jobs = ${submitAt}` };
    },
  };
}

export interface ModelPolicyOptions {
  /** How outputs become decisions: the rule a bundle was validated with, or one given by flags. */
  rule: DecisionRule;
  /** Decide only once this many snapshots exist (validation: the full window). */
  minHistory: number;
  /** Prediction (model hours) to real hours: divide by the time scale. */
  timeScale: number;
}

/**
 * A model as the provisioner asks it: one output per window, the number the
 * rule reads (validate/runner.ts modelEvaluator: reward hours, P(submit),
 * risk...), so a live decision goes through the same code as a validated one.
 */
export interface ModelEvaluator {
  /** The model kind, for the event log. */
  kind: string;
  seqLen: number;
  evaluate(windows: Float32Array, count: number, keys: readonly DecisionKey[]): Float32Array | Promise<Float32Array>;
}

/**
 * A trained model asked at every sample; its output decides through
 * decideFromOutput, as in validation, confirmations counted across samples.
 */
export function modelPolicy(model: ModelEvaluator, options: ModelPolicyOptions): ProvisionPolicy {
  const { rule } = options;
  return {
    name: `model (${model.kind})`,
    async decide(ctx) {
      // Pred's end is its start plus its limit: submit on it, as validation does (core/sim/chain.ts submitAtPredEnd),
      // without waiting for Slurm to list the job as finished.
      const endSec = predEndSec(ctx.pred);
      if (isFinished(ctx.pred) || (endSec !== null && ctx.nowSec >= endSec)) {
        const d = predecessorEndedDecision(rule);
        return { ...d, streak: 0, reason: `predecessor ${ctx.pred.id} ${isFinished(ctx.pred) ? `ended (${ctx.pred.state})` : 'reached its time limit'}: submit at once` };
      }
      if (ctx.historySize < options.minHistory) {
        return { submit: false, expected: null, expectedIsInt: false, reason: `history ${ctx.historySize}/${options.minHistory} snapshots` };
      }
      const window = ctx.window(model.seqLen);
      const key = { sampleIndex: ctx.link, decision: ctx.decisionNumber, hoursLeft: hoursLeftInWindow(window), queue: () => ctx.queue() };
      const output = (await model.evaluate(window, 1, [key]))[0];
      const d = decideFromOutput(rule, output, key, ctx.streak);
      const verdict = d.submit ? 'submit' : 'wait';
      if (rule.kind === 'regressor') {
        const hours = d.expected / options.timeScale;
        const need = rule.confirmations ?? 1;
        const confirm = need > 1 ? `, ${d.streak}/${need} in [${rule.lowHours}, ${rule.highHours}]` : '';
        return { submit: d.submit, expected: hours, expectedIsInt: false, streak: d.streak, reason: `predicted reward ${output.toFixed(3)} model h (${hours.toFixed(4)} h here)${confirm}: ${verdict}` };
      }
      if (rule.kind === 'risk') {
        const need = rule.confirmations ?? 1;
        const confirm = need > 1 ? `, ${d.streak}/${need} at or above ${rule.threshold}` : '';
        return { submit: d.submit, expected: d.expected, expectedIsInt: false, streak: d.streak, reason: `chance that submitting now still interrupts ${output.toFixed(3)}${confirm}: ${verdict}` };
      }
      const what = 'P(submit)';
      return { submit: d.submit, expected: d.expected, expectedIsInt: d.expectedIsInt, streak: d.streak, reason: `${what} ${output.toFixed(3)}: ${verdict}` };
    },
  };
}

/** When the predecessor reaches its time limit (start + limit), seconds; null while pending or without a limit. */
export function predEndSec(pred: JobRecord): number | null {
  return pred.startSec !== null && pred.limitMinutes !== null ? pred.startSec + pred.limitMinutes * 60 : null;
}
