import type { Comparison } from '../compare/compare.js';
import { comparisonMarkdown } from '../compare/compare.js';
import { MIN_BLOCKS } from '../compare/stats.js';
import type { EvaluationSummary } from './run.js';

/**
 * evaluation.md: the plan, how the model kind was chosen, every run, the
 * pooled comparisons with intervals (test-period numbers marked), and the
 * issue's targets checked against the pooled numbers.
 */

const h = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

/** The targets of the policy work, on one pooled comparison. */
export function checkTargets(c: Comparison): TargetCheck[] {
  const best = c.baselines.find((b) => b.baseline === c.bestBaseline)!;
  const zeroBest = c.baselines.reduce((a, b) => (b.zeroInterruption.baseline > a.zeroInterruption.baseline ? b : a));
  const reactive = c.baselines.find((b) => b.baseline === 'reactive');
  const low = reactive?.byLoad.low ?? null;
  return [
    { target: `model mean cost <= 60 % of the best baseline's (${c.bestBaseline})`, value: pct(best.costRatio), met: best.costRatio <= 0.6 },
    {
      target: `95 % interval of model - ${c.bestBaseline} entirely below 0`,
      value: `[${h(best.costDifference.low)}, ${h(best.costDifference.high)}] h`,
      met: best.costDifference.high < 0 && best.costDifference.blocks >= MIN_BLOCKS,
    },
    {
      target: `zero-interruption share >= 5 points above the best baseline's (${zeroBest.baseline})`,
      value: `${pct(zeroBest.zeroInterruption.model)} vs ${pct(zeroBest.zeroInterruption.baseline)}`,
      met: zeroBest.zeroInterruption.model - zeroBest.zeroInterruption.baseline >= 0.05 - 1e-12,
    },
    {
      target: 'low load: no worse than reactive beyond the interval',
      value: low ? `${h(low.estimate)} [${h(low.low)}, ${h(low.high)}] h (n=${low.n})` : 'no low-load sample',
      met: low === null || low.low <= 0 || low.blocks < MIN_BLOCKS,
    },
  ];
}

/** A pooled scope's cost with each period's rule in hindsight as a share of reactive's there, or null when it has none. */
export function hindsightShareOfReactive(p: EvaluationSummary['pooled'][number]): number | null {
  const reactive = p.comparison.policies.find((q) => q.policy === 'reactive');
  return p.hindsightMeanCostHours !== null && reactive ? p.hindsightMeanCostHours / reactive.meanCostHours : null;
}

export function formatEvaluationReport(s: EvaluationSummary, chartFiles: Record<number, string>): string {
  const R = s.overlapHoursPerInterruptionHour;
  const lines = [
    '# Mirage evaluation',
    '',
    `Cost of a sample = interruption + overlap / ${R} (${R} h of overlap cost as much as 1 h of interruption${R === 1 ? '; the mean cost is the mean |reward|' : ''}).`,
    'Each fold trains on every training sample whose replay ends before the fold starts, calibrates the submit rule on the held-out tail of that training period,',
    'and validates on the fold. The model kind of smallest pooled mean cost over the folds is chosen; only it runs on the test period, which no selection step saw.',
    '',
    '## Plan',
    '',
    '| period | first sample | samples |',
    '|---|---|--:|',
    ...s.plan.map((p) => `| ${p.part === 'test' ? '**test**' : `fold ${p.fold}`} | ${p.start} | ${p.samples} |`),
    '',
    '## Model selection (folds only)',
    '',
    '| model kind | pooled mean cost over the folds (h) | |',
    '|---|--:|---|',
    ...Object.entries(s.selection.meanCostHours).map(([m, c]) => `| ${m} | ${h(c)} | ${m === s.selection.chosen ? 'chosen' : ''} |`),
    '',
    '## Every run',
    '',
    '| job nodes | period | model kind | training samples | model cost (h) | reactive (h) | average (h) | model - best baseline (h), 95 % interval | rule in hindsight (h) |',
    '|--:|---|---|--:|--:|--:|--:|--:|--:|',
    ...s.runs.map((r) => {
      const c = r.comparison;
      const cost = (p: string): string => {
        const x = c.policies.find((q) => q.policy === p);
        return x ? h(x.meanCostHours) : '-';
      };
      const best = c.baselines.find((b) => b.baseline === c.bestBaseline)!.costDifference;
      const period = r.period.part === 'test' ? '**test**' : `fold ${r.period.fold}`;
      const interval = best.blocks >= MIN_BLOCKS ? `[${h(best.low)}, ${h(best.high)}]` : `(${best.blocks} blocks: no interval)`;
      return `| ${r.jobNodes} | ${period} | ${r.model} | ${r.trainingSamples} | ${cost(c.model)} | ${cost('reactive')} | ${cost('average')} | ${h(best.estimate)} ${interval} (${c.bestBaseline}) | ${r.hindsight ? h(r.hindsight.meanCostHours) : '-'} |`;
    }),
    '',
    'Rule in hindsight: the model\'s cost under the candidate rule that calibration would have chosen on the validation samples themselves.',
    'It is not a result (those samples chose it); it bounds what a better choice of rule, with the same model, could add.',
    '',
    `## The chosen model (${s.selection.chosen}) pooled`,
    '',
  ];
  for (const p of s.pooled) {
    lines.push(`### ${p.scope}${p.part !== 'folds' ? ' (includes the test period)' : ''}`, '');
    lines.push('| policy | samples | mean cost (h) | mean interruption (h) | mean overlap (h) | zero interruption |', '|---|--:|--:|--:|--:|--:|');
    for (const q of p.comparison.policies) lines.push(`| ${q.policy} | ${q.n} | ${h(q.meanCostHours)} | ${h(q.meanInterruptionHours)} | ${h(q.meanOverlapHours)} | ${pct(q.zeroInterruptionShare)} |`);
    lines.push('', ...comparisonMarkdown(p.comparison));
    const share = hindsightShareOfReactive(p);
    if (share !== null) lines.push(`With each period's rule in hindsight (not a result, see above) the model would cost ${h(p.hindsightMeanCostHours!)} h, ${pct(share)} of reactive's.`, '');
  }
  const all = s.pooled.find((p) => p.jobNodes === 'all' && p.part === 'folds + test');
  if (all) {
    lines.push('## Targets (all job sizes, folds + test period)', '', '| target | value | met |', '|---|--:|---|');
    for (const t of checkTargets(all.comparison)) lines.push(`| ${t.target} | ${t.value} | ${t.met ? 'yes' : 'no'} |`);
    lines.push('');
  }
  const charts = Object.entries(chartFiles);
  if (charts.length > 0) {
    lines.push('## Interruption against overlap on the test period', '');
    for (const [nodes, file] of charts) lines.push(`### ${nodes}-node jobs`, '', `![${nodes}-node trade-off](${file})`, '');
  }
  return lines.join('\n');
}
