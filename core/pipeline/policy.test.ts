import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from './config.js';
import type { ValidationSummary } from '../validate/summary.js';
import { pipelinePolicyInput } from './policy.js';

const stats = (meanAbs: number) => ({
  n: 2,
  meanRewardHours: meanAbs,
  medianRewardHours: meanAbs,
  meanInterruptionHours: meanAbs,
  meanOverlapHours: 0,
  meanAbsRewardHours: meanAbs,
  zeroInterruptionShare: 0.5,
  within1hShare: 1,
  maxInterruptionHours: meanAbs,
  maxOverlapHours: 0,
});

const summary: ValidationSummary = {
  kind: 'mirage-validation-summary',
  version: 'test',
  loadReferencePolicy: 'reactive',
  loadLevelCounts: { low: 2, medium: 0, heavy: 0 },
  run: {},
  policies: [
    { policy: 'reactive', ...stats(1), loadLevels: { low: stats(1), medium: null, heavy: null } },
    { policy: 'model-wait-linear', ...stats(0.5), loadLevels: { low: stats(0.5), medium: null, heavy: null } },
  ],
};

describe("the bundle `mirage run` writes", () => {
  it('carries the cluster of the config and the scores of summary.json, the policy under test first', () => {
    const config = parsePipelineConfig({ name: 'exp', sim: { nodes: 40 }, chain: { jobNodes: 2 } });
    const input = pipelinePolicyInput({
      config,
      tracePath: '/data/traces/gpu.sacct',
      traceSha256: 'ef'.repeat(32),
      modelDir: '/runs/exp/stages/training-x/model',
      label: 'model-wait-linear',
      rule: { kind: 'regressor', lowHours: 0, highHours: 500, confirmations: 6 },
      calibrated: true,
      summary,
    });
    expect(input.cluster).toEqual({ trace: { name: 'gpu.sacct', sha256: 'ef'.repeat(32) }, unit: 'nodes', nodes: 40, partition: null, jobNodes: 2, jobMinutes: 2880, decisionIntervalSec: 600 });
    expect(input.ruleSource).toBe('calibrated');
    expect(input.name).toBe('model-wait-linear');
    const { loadLevels: _l, policy: _p, ...modelStats } = summary.policies[1];
    expect(input.evaluation).toEqual({
      policy: 'model-wait-linear',
      samples: 2,
      validationStart: config.validation.start,
      experiment: 'exp',
      loadLevelCounts: { low: 2, medium: 0, heavy: 0 },
      policies: { 'model-wait-linear': modelStats, reactive: { ...modelStats, ...stats(1) } },
    });
    expect(Object.keys(input.evaluation.policies as object)).toEqual(['model-wait-linear', 'reactive']);
  });
});
