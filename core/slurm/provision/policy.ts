import type { Predictor } from '../../model/predictor.js';
import type { DecisionRule } from '../../validate/decide.js';
import { decideFromOutput, predecessorEndedDecision } from '../../validate/decide.js';
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
}

export interface PolicyDecision {
  submit: boolean;
  /** reward.log's expected_reward: a regressor's prediction (h), a policy's action, a rule's wait estimate (h). */
  expected: number | null;
  expectedIsInt: boolean;
  /** One line a person reads in the event log. */
  reason: string;
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
  /** Regressors: submit when the prediction (h) lies in [lowHours, highHours] (reference: [-0.5, 500]). Policies: greedy or seeded draw. */
  rule: DecisionRule;
  /** Decide only once this many snapshots exist (reference: the full window). */
  minHistory: number;
  /** Prediction (model hours) to real hours: divide by the time scale. */
  timeScale: number;
}

/** A trained model asked, at every sample, what submitting now would yield. */
export function modelPolicy(predictor: Pick<Predictor, 'predictHours' | 'actionProbabilities' | 'seqLen' | 'kind'>, options: ModelPolicyOptions): ProvisionPolicy {
  const isPolicy = options.rule.kind === 'policy';
  if (isPolicy && !predictor.actionProbabilities) throw new Error(`a ${predictor.kind} model gives no action probabilities; use a regressor rule`);
  return {
    name: `model (${predictor.kind})`,
    decide(ctx) {
      if (isFinished(ctx.pred)) {
        const d = predecessorEndedDecision(options.rule);
        return { ...d, reason: `predecessor ${ctx.pred.id} ended (${ctx.pred.state}): submit at once` };
      }
      if (ctx.historySize < options.minHistory) {
        return { submit: false, expected: null, expectedIsInt: false, reason: `history ${ctx.historySize}/${options.minHistory} snapshots` };
      }
      const window = ctx.window(predictor.seqLen);
      const output = isPolicy ? predictor.actionProbabilities!(window, 1)[1] : predictor.predictHours(window, 1)[0];
      const d = decideFromOutput(options.rule, output, { sampleIndex: ctx.link, decision: ctx.decisionNumber });
      const hours = isPolicy ? d.expected : d.expected / options.timeScale;
      const what = isPolicy ? `P(submit) ${output.toFixed(3)}` : `predicted reward ${output.toFixed(3)} model h (${hours.toFixed(4)} h here)`;
      return { submit: d.submit, expected: hours, expectedIsInt: d.expectedIsInt, reason: `${what}: ${d.submit ? 'submit' : 'wait'}` };
    },
  };
}
