import { performance } from 'node:perf_hooks';
import { loadModel } from '../model/predictor.js';
import type { Predictor } from '../model/predictor.js';
import { isWaitModelDir, loadWaitModel } from '../model/wait-model.js';
import type { WaitPredictor } from '../model/wait-model.js';
import { prepareWorkload } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import type { SimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile } from '../trace/index.js';
import type { Job } from '../trace/index.js';
import type { ThresholdRule } from './calibrate.js';
import type { DecisionKey } from './decide.js';
import type { ModelPolicy, SampleOutcome, ValidationPolicy } from './policies.js';
import { simulateBaselineSample, simulateOnlineSamples, simulateRuleSet } from './simulate.js';
import type { BatchEvaluator } from './simulate.js';

/** What every worker needs, copied to each thread: plain data. */
export interface ValidationInit {
  tracePath: string;
  format: 'auto' | 'mirage' | 'sacct' | 'swf';
  /** The trace as planned: a file changed since is refused. */
  sha256: string;
  sim: SimConfig;
  schedule: ChainSchedule;
  policies: ValidationPolicy[];
}

export interface ValidationTask {
  /** Index into init.policies. */
  policy: number;
  indices: number[];
  /** Model policies: score each of these rules on the samples in one pass (calibration, trade-off curves). */
  rules?: ThresholdRule[];
}

export interface ValidationTaskResult {
  outcomes: SampleOutcome[];
  modelCalls: number;
  modelWindows: number;
  modelSeconds: number;
  /** Per rule of task.rules, in order. */
  byRule?: SampleOutcome[][];
}

/**
 * Builds the task handler a worker (or the calling thread, with no workers)
 * runs: the trace is loaded once, a workload prepared once per wait window,
 * a model loaded once, all on first use.
 */
export function createValidationRunner(init: ValidationInit): (task: ValidationTask) => Promise<ValidationTaskResult> {
  let jobs: Promise<Job[]> | undefined;
  const workloads = new Map<number, Workload>();
  const models = new Map<string, Promise<ValidationModel>>();

  const traceJobs = (): Promise<Job[]> =>
    (jobs ??= loadTraceFile(init.tracePath, { format: init.format }).then((trace) => {
      if (trace.sha256 !== init.sha256) throw new Error(`${init.tracePath}: the file changed while the validation was running`);
      return trace.jobs;
    }));

  // The quantile baseline reads the last `window` waits: the simulator keeps that many.
  const workloadFor = async (waitWindow: number): Promise<Workload> => {
    let w = workloads.get(waitWindow);
    if (!w) {
      w = prepareWorkload(await traceJobs(), { ...init.sim, waitWindow });
      workloads.set(waitWindow, w);
    }
    return w;
  };

  const modelFor = (policy: ModelPolicy): Promise<ValidationModel> => {
    let m = models.get(policy.modelDir);
    if (!m) {
      const dir = policy.modelDir;
      m = isWaitModelDir(dir).then((wait): Promise<ValidationModel> => (wait ? loadWaitModel(dir) : loadModel(dir, { backend: policy.backend })));
      models.set(policy.modelDir, m);
    }
    return m;
  };

  return async (task) => {
    const policy = init.policies[task.policy];
    if (!policy) throw new Error(`validation task names policy ${task.policy}, which the run does not have`);
    if (policy.kind !== 'model') {
      const workload = await workloadFor(policy.kind === 'quantile' ? policy.window : init.sim.waitWindow);
      const outcomes = task.indices.map((i) => simulateBaselineSample(workload, init.schedule, i, policy));
      return { outcomes, modelCalls: 0, modelWindows: 0, modelSeconds: 0 };
    }
    const [workload, model] = await Promise.all([workloadFor(init.sim.waitWindow), modelFor(policy)]);
    const evaluate = modelEvaluator(model, policy);
    let modelSeconds = 0;
    const timed: BatchEvaluator = (windows, count, keys) => {
      const t0 = performance.now();
      const out = evaluate(windows, count, keys);
      modelSeconds += (performance.now() - t0) / 1000;
      return out;
    };
    const stats = { calls: 0, windows: 0 };
    if (task.rules) {
      const byRule = await simulateRuleSet(workload, init.schedule, task.indices, timed, task.rules, stats);
      return { outcomes: [], byRule, modelCalls: stats.calls, modelWindows: stats.windows, modelSeconds };
    }
    const outcomes = await simulateOnlineSamples(workload, init.schedule, task.indices, timed, policy.rule, stats);
    return { outcomes, modelCalls: stats.calls, modelWindows: stats.windows, modelSeconds };
  };
}

/**
 * What validation asks of a model: a TensorFlow.js predictor or a wait-based
 * model (core/model/wait-model.ts). Each gives the outputs it has: reward
 * hours (regressors), P(submitting now still interrupts) (wait-risk), action
 * probabilities (policies).
 */
export type ValidationModel = Pick<Predictor, 'seqLen' | 'featureNames' | 'actionProbabilities'> & {
  kind: Predictor['kind'] | WaitPredictor['kind'];
  predictHours?: Predictor['predictHours'];
  predictRisk?: WaitPredictor['predictRisk'];
};

/**
 * One output per window: reward hours for a regressor rule, the risk for a
 * risk rule, P(submit) for a policy rule. `keys` carry what a decision sees
 * besides its window (the queue, for a wait-risk model's start estimate).
 */
export function modelEvaluator(model: ValidationModel, policy: ModelPolicy): (windows: Float32Array, count: number, keys?: readonly DecisionKey[]) => Float32Array {
  const windowSize = model.seqLen * model.featureNames.length;
  const check = (windows: Float32Array, count: number): void => {
    if (windows.length !== count * windowSize) {
      throw new Error(`${policy.modelDir} reads windows of ${model.seqLen} x ${model.featureNames.length}; the simulator gives ${windows.length / count} values per window`);
    }
  };
  if (policy.rule.kind === 'risk') {
    const risk = model.predictRisk?.bind(model);
    if (!risk) throw new Error(`${policy.modelDir} is a ${model.kind} model: it does not predict the risk of interruption (a risk rule needs a wait-risk model, or a network trained with target wait-risk)`);
    return (windows, count, keys = []) => {
      check(windows, count);
      return risk(windows, count, keys.map((key) => key.queue));
    };
  }
  if (policy.rule.kind === 'regressor') {
    const hours = model.predictHours?.bind(model);
    if (!hours) throw new Error(`${policy.modelDir} is a ${model.kind} model: it does not predict reward hours (a regressor rule needs a regressor)`);
    return (windows, count) => {
      check(windows, count);
      return hours(windows, count);
    };
  }
  const probabilities = model.actionProbabilities?.bind(model);
  if (!probabilities) throw new Error(`${policy.modelDir} is a ${model.kind} model: it gives no action probabilities (use the regressor rule)`);
  return (windows, count) => {
    check(windows, count);
    const p = probabilities(windows, count);
    const submit = new Float32Array(count);
    for (let i = 0; i < count; i++) submit[i] = p[i * 2 + 1];
    return submit;
  };
}
