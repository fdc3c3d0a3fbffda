import type { PolicySummary, ValidationSummary } from './summary.js';
import { LOAD_LEVELS } from './stats.js';

const h = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The main comparison table, one row per policy (also what README quotes). */
export function summaryTable(policies: readonly PolicySummary[]): string {
  const lines = [
    '| policy | n | mean reward (h) | median (h) | mean interruption (h) | mean overlap (h) | mean \\|reward\\| (h) | zero interruption | within ±1 h |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const p of policies) {
    lines.push(
      `| ${p.policy} | ${p.n} | ${h(p.meanRewardHours)} | ${h(p.medianRewardHours)} | ${h(p.meanInterruptionHours)} | ${h(p.meanOverlapHours)} | ${h(p.meanAbsRewardHours)} | ${pct(p.zeroInterruptionShare)} | ${pct(p.within1hShare)} |`,
    );
  }
  return lines.join('\n');
}

export function loadLevelTable(summary: ValidationSummary): string {
  const head = LOAD_LEVELS.map((l) => `${l} (n=${summary.loadLevelCounts[l]})`);
  const lines = [
    `| policy | ${head.map((x) => `${x}: mean interruption / overlap / \\|reward\\| (h), zero interruption`).join(' | ')} |`,
    `|---|${LOAD_LEVELS.map(() => '--:').join('|')}|`,
  ];
  for (const p of summary.policies) {
    const cells = LOAD_LEVELS.map((l) => {
      const s = p.loadLevels[l];
      return s ? `${h(s.meanInterruptionHours)} / ${h(s.meanOverlapHours)} / ${h(s.meanAbsRewardHours)}, ${pct(s.zeroInterruptionShare)}` : '-';
    });
    lines.push(`| ${p.policy} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The report's charts in report order: the file under charts/ and its title (svg.ts renders them). */
export const REPORT_CHARTS = [
  { file: 'cdf.svg', title: 'CDF of rewards' },
  { file: 'box.svg', title: 'Box plot of rewards' },
  { file: 'timeline.svg', title: 'Reward per sample over time' },
  { file: 'metrics.svg', title: 'Mean interruption, overlap and |reward|' },
  { file: 'zero-interruption.svg', title: 'Samples with zero interruption' },
  { file: 'load-levels.svg', title: 'Mean |reward| by load level' },
] as const;
export type ReportChartFile = (typeof REPORT_CHARTS)[number]['file'];

/** The comparison part of a report (summary, load levels, charts), shared by validation and experiment reports. */
export function comparisonSections(summary: ValidationSummary, chartDir: string): string[] {
  return [
    '## Summary',
    '',
    summaryTable(summary.policies),
    '',
    '## By load level',
    '',
    loadLevelTable(summary),
    '',
    '## Charts',
    '',
    ...REPORT_CHARTS.flatMap((c) => [`### ${c.title}`, '', `![${c.title}](${chartDir}/${c.file})`, '']),
  ];
}

function runTable(run: Record<string, unknown>): string {
  const rows = Object.entries(run).map(([k, v]) => `| ${k} | ${typeof v === 'string' ? v : JSON.stringify(v)} |`);
  return ['| setting | value |', '|---|---|', ...rows].join('\n');
}

/** report.md of a validation run: settings, the comparison tables, the charts (relative SVG links), then `sections` (Markdown lines). */
export function formatReport(summary: ValidationSummary, options: { title?: string; chartDir?: string; sections?: readonly string[] } = {}): string {
  const dir = options.chartDir ?? 'charts';
  const parts = [
    `# ${options.title ?? 'Validation report'}`,
    '',
    'Reward = successor start - predecessor end, in hours: positive is an interruption (the service was down),',
    'negative an overlap (both jobs held nodes). *Mean interruption* averages the positive part over all samples,',
    '*mean overlap* averages the negative part, reported as a positive number of hours. *Zero interruption* is the',
    'share of samples with reward <= 0. Load levels classify each sample by the',
    `\`${summary.loadReferencePolicy}\` baseline's interruption on it: low <= 2 h, medium 2-12 h, heavy > 12 h.`,
    '',
    '## Run',
    '',
    runTable(summary.run),
    '',
    ...comparisonSections(summary, dir),
    ...(options.sections ?? []),
  ];
  return parts.join('\n');
}
