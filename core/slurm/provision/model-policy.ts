import { FEATURE_NAMES } from '../../sim/features.js';
import type { BackendChoice } from '../../model/backend-choice.js';
import { loadPolicyModel } from '../../policy/index.js';
import type { PolicyModel } from '../../policy/index.js';
import type { DecisionRule } from '../../validate/decide.js';
import type { ModelEvaluator, ProvisionPolicy } from './policy.js';
import { modelPolicy } from './policy.js';

export interface LoadedModelPolicy {
  policy: ProvisionPolicy;
  model: PolicyModel;
  /** Snapshots the provisioner keeps: the model's window. */
  historyLength: number;
  /** Things the user should know (feature mode), one sentence each. */
  notes: string[];
}

/**
 * The live policy of a model folder (of any kind) under a rule: the model is
 * asked through validation's own evaluator (validate/runner.ts
 * modelEvaluator), so the number the rule reads is computed as in validation.
 */
export async function loadModelPolicy(
  modelDir: string,
  rule: DecisionRule,
  options: { timeScale: number; minHistory?: number; backend?: BackendChoice },
): Promise<LoadedModelPolicy> {
  const model = await loadPolicyModel(modelDir, { backend: options.backend });
  const names = model.featureNames;
  if (names.length !== FEATURE_NAMES.length || names.some((n, i) => n !== FEATURE_NAMES[i])) {
    model.dispose();
    throw new Error(`${modelDir}: the model reads features [${names.slice(0, 3).join(', ')}, ...], not the ${FEATURE_NAMES.length} snapshot features squeue gives`);
  }
  // Imported here: the runner module loads TensorFlow.js, which a baseline run never needs.
  const { modelEvaluator } = await import('../../validate/runner.js');
  let evaluate: ModelEvaluator['evaluate'];
  try {
    evaluate = modelEvaluator(model, { kind: 'model', modelDir, rule });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const notes =
    model.featureMode === 'decision' ? [] : [`${modelDir} was trained on '${model.featureMode}' features; live decisions see snapshots up to the decision ('decision' features)`];
  return {
    policy: modelPolicy({ kind: model.kind, seqLen: model.seqLen, evaluate }, { rule, minHistory: options.minHistory ?? model.seqLen, timeScale: options.timeScale }),
    model,
    historyLength: model.seqLen,
    notes,
  };
}
