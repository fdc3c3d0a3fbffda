/**
 * The model against each baseline on the same samples, with intervals: the
 * numbers a reviewer asks for. Works on one validation run or on several
 * pooled (folds, job sizes, the test period): each group keeps its own
 * samples in time order, so the block bootstrap resamples within groups.
 * Pure and browser-safe.
 */
import { LOAD_LEVELS, loadLevelOf, rewardStats, sampleCostHours } from '../validate/stats.js';
import type { LoadLevel, RewardStats } from '../validate/stats.js';
import type { SampleReward } from '../validate/summary.js';
import { MIN_BLOCKS, blockBootstrapMean, mcNemarExact } from './stats.js';
import type { BootstrapOptions, Interval, McNemar } from './stats.js';

/** The files written beside summary.json: the comparison with intervals (`mirage run`, `mirage validate`), and the trade-off chart's data (`mirage run`). */
export const COMPARISON_FILE = 'comparison.json';
export const TRADEOFF_FILE = 'tradeoff.json';

export interface PolicyResult extends RewardStats {
  policy: string;
  meanCostHours: number;
}

export interface BaselineComparison {
  baseline: string;
  /** Model minus baseline, per sample, averaged: negative means the model is better. */
  costDifference: Interval;
  absRewardDifference: Interval;
  /** Model's mean cost as a share of the baseline's. */
  costRatio: number;
  zeroInterruption: { model: number; baseline: number; test: McNemar };
  /** Cost difference within each load level (by reactive's interruption); null where the level has no sample. */
  byLoad: Record<LoadLevel, (Interval & { n: number }) | null>;
}

export interface Comparison {
  samples: number;
  overlapHoursPerInterruptionHour: number;
  /** Samples of one replay length: the bootstrap's block. */
  blockSamples: number;
  policies: PolicyResult[];
  model: string;
  /** The baseline of smallest mean cost. */
  bestBaseline: string;
  baselines: BaselineComparison[];
}

export interface CompareOptions extends BootstrapOptions {
  model: string;
  overlapHoursPerInterruptionHour: number;
  blockSamples: number;
  /** Baselines compared (default: every policy in the records but the model and other models). */
  baselines?: readonly string[];
}

/** Rewards (hours) per policy per group, every group's samples in index order. */
function byPolicy(groups: readonly (readonly SampleReward[])[]): Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  groups.forEach((records, g) => {
    const sorted = [...records].sort((a, b) => a.index - b.index);
    for (const r of sorted) {
      let lists = out.get(r.policy);
      if (!lists) out.set(r.policy, (lists = groups.map(() => [])));
      lists[g].push(r.rewardSeconds / 3600);
    }
  });
  return out;
}

export function compareToBaselines(groups: readonly (readonly SampleReward[])[], options: CompareOptions): Comparison {
  const rewards = byPolicy(groups);
  const model = rewards.get(options.model);
  if (!model) throw new Error(`compare: no rewards of '${options.model}'`);
  const reactive = rewards.get('reactive');
  if (!reactive) throw new Error("compare: no 'reactive' rewards (they define the load levels)");
  const R = options.overlapHoursPerInterruptionHour;
  const names = options.baselines ?? [...rewards.keys()].filter((p) => !p.startsWith('model'));
  const policies: PolicyResult[] = [...rewards.entries()].map(([policy, lists]) => {
    const flat = lists.flat();
    return { policy, ...rewardStats(flat), meanCostHours: flat.reduce((s, r) => s + sampleCostHours(r, R), 0) / flat.length };
  });
  const costOf = (p: string): number => policies.find((x) => x.policy === p)!.meanCostHours;
  const baselines = names.map((baseline, b): BaselineComparison => {
    const base = rewards.get(baseline);
    if (!base) throw new Error(`compare: no rewards of '${baseline}'`);
    base.forEach((list, g) => {
      if (list.length !== model[g].length) throw new Error(`compare: '${baseline}' and '${options.model}' have different samples in group ${g}`);
    });
    const seed = (options.seed ?? 0) + 7919 * (b + 1);
    const diff = (f: (r: number) => number, keep: (g: number, i: number) => boolean = () => true): number[][] =>
      model.map((list, g) => list.flatMap((r, i) => (keep(g, i) ? [f(r) - f(base[g][i])] : [])));
    const cost = (r: number): number => sampleCostHours(r, R);
    const byLoad = Object.fromEntries(
      LOAD_LEVELS.map((level) => {
        const d = diff(cost, (g, i) => loadLevelOf(reactive[g][i]) === level);
        const n = d.reduce((s, l) => s + l.length, 0);
        return [level, n === 0 ? null : { ...blockBootstrapMean(d, options.blockSamples, { ...options, seed: seed + 1 }), n }];
      }),
    ) as Record<LoadLevel, (Interval & { n: number }) | null>;
    const zero = (lists: number[][]): boolean[] => lists.flat().map((r) => r <= 0);
    const modelZero = zero(model);
    const baseZero = zero(base);
    return {
      baseline,
      costDifference: blockBootstrapMean(diff(cost), options.blockSamples, { ...options, seed }),
      absRewardDifference: blockBootstrapMean(diff(Math.abs), options.blockSamples, { ...options, seed: seed + 2 }),
      costRatio: costOf(options.model) / costOf(baseline),
      zeroInterruption: {
        model: modelZero.filter(Boolean).length / modelZero.length,
        baseline: baseZero.filter(Boolean).length / baseZero.length,
        test: mcNemarExact(modelZero, baseZero),
      },
      byLoad,
    };
  });
  const bestBaseline = names.reduce((a, b) => (costOf(b) < costOf(a) ? b : a));
  return {
    samples: model.reduce((s, l) => s + l.length, 0),
    overlapHoursPerInterruptionHour: R,
    blockSamples: options.blockSamples,
    policies,
    model: options.model,
    bestBaseline,
    baselines,
  };
}

const h = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** "significantly lower", "significantly higher" or "not significantly different", from an interval of a difference. */
export function significance(i: Interval): string {
  if (i.blocks < MIN_BLOCKS) return `not assessed (${i.blocks} block${i.blocks === 1 ? '' : 's'} of samples; an interval needs at least ${MIN_BLOCKS})`;
  if (i.high < 0) return 'significantly lower';
  if (i.low > 0) return 'significantly higher';
  return 'not significantly different';
}

/** One sentence per baseline saying what is significant (the report and the GUI's compare page). */
export function comparisonSentences(c: Comparison): string[] {
  return c.baselines.map((b) => {
    const level = Math.round(b.costDifference.level * 100);
    const z = b.zeroInterruption;
    const zs = z.test.pValue < 0.05 ? (z.model > z.baseline ? 'significantly more often' : 'significantly less often') : 'not significantly more or less often';
    const d = b.costDifference;
    if (d.blocks < MIN_BLOCKS) {
      return (
        `Against ${b.baseline}: the model's mean cost differs by ${h(d.estimate)} h per sample; too few samples to tell whether that is real ` +
        `(${d.blocks} block${d.blocks === 1 ? '' : 's'} of ${c.blockSamples}; an interval needs at least ${MIN_BLOCKS}). Zero interruption: ${pct(z.model)} against ${pct(z.baseline)}.`
      );
    }
    return (
      `Against ${b.baseline}: the model's mean cost is ${significance(d)} (${h(d.estimate)} h per sample, ${level} % interval ` +
      `[${h(d.low)}, ${h(d.high)}]); it avoids interruption ${zs} (exact McNemar p = ${z.test.pValue.toPrecision(2)}).`
    );
  });
}

/** Markdown: one table of the comparison, then one sentence per baseline saying what is significant. */
export function comparisonMarkdown(c: Comparison): string[] {
  const level = Math.round((c.baselines[0]?.costDifference.level ?? 0.95) * 100);
  const rows = c.baselines.map((b) => {
    const d = b.costDifference;
    const z = b.zeroInterruption;
    const low = b.byLoad.low;
    return (
      `| ${b.baseline} | ${h(d.estimate)} [${h(d.low)}, ${h(d.high)}] | ${pct(b.costRatio)} | ${h(b.absRewardDifference.estimate)} [${h(b.absRewardDifference.low)}, ${h(b.absRewardDifference.high)}] | ` +
      `${pct(z.model)} vs ${pct(z.baseline)} (${z.test.onlyFirst} vs ${z.test.onlySecond}, p = ${z.test.pValue.toPrecision(2)}) | ` +
      `${low ? `${h(low.estimate)} [${h(low.low)}, ${h(low.high)}] (n=${low.n})` : '-'} |`
    );
  });
  const sentences = comparisonSentences(c).map((line) => `- ${line}`);
  return [
    `Model minus baseline, per sample, over ${c.samples} samples; ${level} % block-bootstrap intervals (blocks of ${c.blockSamples} consecutive samples, one replay length, resampled within each run).`,
    `Cost = interruption + overlap / ${c.overlapHoursPerInterruptionHour}; negative differences favour the model.`,
    '',
    '| baseline | cost difference (h) | model cost / baseline cost | \\|reward\\| difference (h) | zero interruption: model vs baseline (discordant pairs, McNemar) | low-load cost difference (h) |',
    '|---|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    ...sentences,
    '',
  ];
}
