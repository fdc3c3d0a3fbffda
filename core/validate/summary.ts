import { z } from 'zod';
import { LOAD_LEVELS, loadLevelOf, rewardStats } from './stats.js';
import type { LoadLevel, RewardStats } from './stats.js';

/** One validation sample under one policy: a row of rewards.csv. */
export interface SampleReward {
  policy: string;
  index: number;
  sampleStartSec: number;
  submitSec: number;
  succStartSec: number;
  /** Successor start minus predecessor end, seconds (positive = interruption). */
  rewardSeconds: number;
  backfillSec: number | null;
  /** What the policy's inference returned when it submitted (see RewardLogRow); null when it has none. */
  expectedReward: number | null;
}

const statsSchema = z.object({
  n: z.number().int().nonnegative(),
  meanRewardHours: z.number(),
  medianRewardHours: z.number(),
  meanInterruptionHours: z.number(),
  meanOverlapHours: z.number().describe('mean of the negative part, reported as a positive number of hours'),
  meanAbsRewardHours: z.number(),
  zeroInterruptionShare: z.number(),
  within1hShare: z.number(),
  maxInterruptionHours: z.number(),
  maxOverlapHours: z.number(),
});

export const policySummarySchema = statsSchema.extend({
  policy: z.string(),
  /** null where no sample of that load level exists. */
  loadLevels: z.object({ low: statsSchema.nullable(), medium: statsSchema.nullable(), heavy: statsSchema.nullable() }),
});
export type PolicySummary = z.infer<typeof policySummarySchema>;

export const summarySchema = z.object({
  kind: z.literal('mirage-validation-summary'),
  version: z.string(),
  /** The baseline whose interruption classifies samples into load levels. */
  loadReferencePolicy: z.string(),
  loadLevelCounts: z.object({ low: z.number().int(), medium: z.number().int(), heavy: z.number().int() }),
  /** Whatever describes the run (trace, schedule, policy flags): echoed for the report. */
  run: z.record(z.string(), z.unknown()),
  policies: z.array(policySummarySchema),
});
export type ValidationSummary = z.infer<typeof summarySchema>;

/** Groups records by policy, in first-seen order, each sorted by sample index. */
export function groupByPolicy(records: readonly SampleReward[]): Map<string, SampleReward[]> {
  const groups = new Map<string, SampleReward[]>();
  for (const r of records) {
    const g = groups.get(r.policy);
    if (g) g.push(r);
    else groups.set(r.policy, [r]);
  }
  for (const g of groups.values()) g.sort((a, b) => a.index - b.index);
  return groups;
}

/**
 * Per-policy summary with the load-level breakdown. Every policy must cover
 * the same sample indices as the load reference (reactive), so each sample
 * falls in the same level for every policy.
 */
export function summarizeRecords(
  records: readonly SampleReward[],
  options: { loadReferencePolicy?: string; version: string; run?: Record<string, unknown> },
): ValidationSummary {
  const refName = options.loadReferencePolicy ?? 'reactive';
  const groups = groupByPolicy(records);
  const ref = groups.get(refName);
  if (!ref) throw new Error(`summary: no '${refName}' rewards to classify samples by load`);
  const levelOf = new Map<number, LoadLevel>();
  for (const r of ref) levelOf.set(r.index, loadLevelOf(r.rewardSeconds / 3600));
  const policies: PolicySummary[] = [];
  for (const [policy, rows] of groups) {
    const seen = new Set<number>();
    const byLevel: Record<LoadLevel, number[]> = { low: [], medium: [], heavy: [] };
    for (const r of rows) {
      if (seen.has(r.index)) throw new Error(`summary: policy '${policy}' has sample ${r.index} twice`);
      seen.add(r.index);
      const level = levelOf.get(r.index);
      if (!level) throw new Error(`summary: policy '${policy}' has sample ${r.index}, which '${refName}' lacks`);
      byLevel[level].push(r.rewardSeconds / 3600);
    }
    if (seen.size !== levelOf.size) throw new Error(`summary: policy '${policy}' has ${seen.size} samples, '${refName}' has ${levelOf.size}`);
    const loadLevels = Object.fromEntries(
      LOAD_LEVELS.map((l) => [l, byLevel[l].length > 0 ? rewardStats(byLevel[l]) : null]),
    ) as Record<LoadLevel, RewardStats | null>;
    policies.push({ policy, ...rewardStats(rows.map((r) => r.rewardSeconds / 3600)), loadLevels });
  }
  const loadLevelCounts = { low: 0, medium: 0, heavy: 0 };
  for (const l of levelOf.values()) loadLevelCounts[l]++;
  return {
    kind: 'mirage-validation-summary',
    version: options.version,
    loadReferencePolicy: refName,
    loadLevelCounts,
    run: options.run ?? {},
    policies,
  };
}
