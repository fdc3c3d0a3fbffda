import { FEATURE_NAMES } from '../dataset/features.js';
import { WAIT_FEATURE_NAMES, saveWaitModel } from '../model/wait-model.js';
import type { WaitModel } from '../model/wait-model.js';

/**
 * A wait-linear model with hand-set weights (by feature name; others 0), for
 * tests that need a real model folder without training one. The one place to
 * follow the wait model's file format.
 */
export function testWaitModel(weights: Partial<Record<(typeof WAIT_FEATURE_NAMES)[number], number>> = {}): WaitModel {
  return {
    kind: 'wait-linear',
    schemaVersion: 1,
    target: { predicts: 'wait', unit: 'hours', toReward: 'reward = max(0, predicted wait) - (pred limit - pred run so far)' },
    input: { featureMode: 'decision', featureNames: [...FEATURE_NAMES], seqLen: 144 },
    clusterNodes: 88,
    ridgeLambda: 0.01,
    features: [...WAIT_FEATURE_NAMES],
    weights: WAIT_FEATURE_NAMES.map((name) => weights[name] ?? 0),
    dataset: { rows: 0, trainRows: 0, validationRows: 0, skippedRows: 0 },
    metrics: {},
  };
}

/** Writes testWaitModel(weights) into `dir` as a model folder. */
export function saveTestWaitModel(dir: string, weights: Parameters<typeof testWaitModel>[0] = {}): Promise<void> {
  return saveWaitModel(dir, testWaitModel(weights));
}
