import { basename } from 'node:path';
import type { PipelineConfig } from './config.js';
import { CHAIN_JOB_MINUTES } from '../sim/config.js';
import { parseSimConfig } from '../sim/config.js';
import type { DecisionRule } from '../validate/decide.js';
import type { ValidationSummary } from '../validate/summary.js';
import type { PolicyBundleInput } from '../policy/index.js';
import type { EvaluationValue } from '../policy/index.js';
import type { Comparison } from '../compare/compare.js';

/** The folder of OUT that `mirage run` writes the bundle to. */
export const PIPELINE_POLICY_DIR = 'policy';

export interface PipelinePolicyFacts {
  config: PipelineConfig;
  tracePath: string;
  traceSha256: string;
  /** The trained model folder (the training stage's). */
  modelDir: string;
  /** The validation's name for the model (rewards.csv, summary.json). */
  label: string;
  rule: DecisionRule;
  /** The rule came out of the calibration stage (else: as configured). */
  calibrated: boolean;
  summary: ValidationSummary;
  /** Hours of overlap worth one hour of interruption (default 1). */
  cost?: number;
  /** The model against each baseline with block-bootstrap intervals (core/compare/compare.ts). */
  comparison?: Comparison;
}

/** The intervals a bundle carries: per baseline, the cost difference and its interval, the zero-interruption test. */
function intervalsOf(c: Comparison): Record<string, EvaluationValue> {
  const out: Record<string, EvaluationValue> = {};
  for (const b of c.baselines) {
    out[b.baseline] = {
      costDifferenceHours: b.costDifference.estimate,
      low: b.costDifference.low,
      high: b.costDifference.high,
      level: b.costDifference.level,
      blocks: b.costDifference.blocks,
      costRatio: b.costRatio,
      zeroInterruptionModel: b.zeroInterruption.model,
      zeroInterruptionBaseline: b.zeroInterruption.baseline,
      mcNemarP: b.zeroInterruption.test.pValue,
    };
  }
  return out;
}

/** The evaluation numbers a bundle carries: every policy's figures from summary.json, the policy under test first. */
export function evaluationOf(summary: ValidationSummary, label: string, extra: Record<string, EvaluationValue> = {}): Record<string, EvaluationValue> {
  const policies: Record<string, EvaluationValue> = {};
  const ordered = [...summary.policies].sort((a, b) => Number(b.policy === label) - Number(a.policy === label));
  for (const { policy, loadLevels: _levels, ...stats } of ordered) policies[policy] = { ...stats };
  return {
    policy: label,
    samples: summary.policies.find((p) => p.policy === label)?.n ?? 0,
    ...extra,
    loadLevelCounts: { ...summary.loadLevelCounts },
    policies,
  };
}

/** What `mirage run` bundles: its model, its rule as validated, its cluster and its scores. */
export function pipelinePolicyInput(facts: PipelinePolicyFacts): PolicyBundleInput {
  const { config } = facts;
  // A chain config without jobMinutes means the reference's 2880-minute jobs (core/sim/chain.ts).
  const chain = { jobMinutes: CHAIN_JOB_MINUTES, ...config.chain };
  const sim = parseSimConfig(config.sim);
  return {
    modelDir: facts.modelDir,
    name: facts.label,
    rule: facts.rule,
    ruleSource: facts.calibrated ? 'calibrated' : 'configured',
    cost: facts.cost,
    cluster: {
      trace: { name: basename(facts.tracePath), sha256: facts.traceSha256 },
      unit: sim.unit,
      nodes: sim.nodes,
      partition: null,
      jobNodes: chain.jobNodes,
      jobMinutes: chain.jobMinutes,
      decisionIntervalSec: sim.snapshotIntervalMinutes * 60,
    },
    evaluation: evaluationOf(facts.summary, facts.label, {
      validationStart: config.validation.start,
      experiment: config.name,
      ...(facts.comparison ? { intervals: intervalsOf(facts.comparison), overlapHoursPerInterruptionHour: facts.comparison.overlapHoursPerInterruptionHour } : {}),
    }),
  };
}
