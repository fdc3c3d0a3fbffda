import { parseSimConfig } from '../sim/config.js';
import { FEATURE_NAMES } from '../sim/features.js';
import { WAIT_FEATURE_NAMES, saveWaitModel } from '../model/wait-model.js';
import type { WaitModel } from '../model/wait-model.js';
import { RISK_FEATURE_NAMES } from '../model/wait-features.js';
import { RISK_THRESHOLDS_HOURS } from '../model/wait-risk.js';
import type { WaitRiskModel } from '../model/wait-risk.js';

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
    dataset: { rows: 0, trainRows: 0, heldOutRows: 0, skippedRows: 0 },
    metrics: {},
  };
}

/** Writes testWaitModel(weights) into `dir` as a model folder. */
export function saveTestWaitModel(dir: string, weights: Parameters<typeof testWaitModel>[0] = {}): Promise<void> {
  return saveWaitModel(dir, testWaitModel(weights));
}

/**
 * A wait-risk model with hand-set logistic weights on the raw risk features
 * (means 0, standard deviations 1), the same for every threshold but shifted
 * by -0.5 per threshold index, so P(W > tau) falls as tau grows.
 */
export function testWaitRiskModel(weights: Partial<Record<(typeof RISK_FEATURE_NAMES)[number], number>> = {}): WaitRiskModel {
  const names = [...RISK_FEATURE_NAMES];
  const base = names.map((name) => weights[name] ?? 0);
  return {
    kind: 'wait-risk',
    schemaVersion: 2,
    target: { predicts: 'risk', meaning: 'P(successor wait > time until the predecessor ends), if submitted now' },
    input: { featureMode: 'decision', featureNames: [...FEATURE_NAMES], seqLen: 144 },
    clusterNodes: 88,
    scheduler: parseSimConfig({ nodes: 88 }),
    ridgeLambda: 0,
    features: names,
    featureMeans: names.map(() => 0),
    featureStds: names.map(() => 1),
    thresholdsHours: [...RISK_THRESHOLDS_HOURS],
    weights: RISK_THRESHOLDS_HOURS.map((_, j) => base.map((w, i) => (i === 0 ? w - 0.5 * j : w))),
    dataset: { rows: 0, trainRows: 0, heldOutRows: 0, skippedRows: 0 },
    metrics: {},
  };
}
