import type { ModelManifest } from '../model/manifest.js';
import { chosenTrial, meanCostHours } from '../validate/calibrate.js';
import type { Calibration } from '../validate/calibrate.js';
import { describeRule, ruleThreshold } from '../validate/decide.js';
import type { DecisionRule } from '../validate/decide.js';
import { comparisonSections } from '../validate/report.js';
import { comparisonMarkdown } from '../compare/compare.js';
import type { Comparison } from '../compare/compare.js';
import type { ValidationSummary } from '../validate/summary.js';
import { POLICY_DEFAULTS, policyEpisodeRange } from './config.js';
import type { PipelineConfig } from './config.js';
import { formatClock } from '../trace/index.js';
import { CHAIN_JOB_MINUTES } from '../sim/config.js';

export interface PipelineReportInput {
  config: PipelineConfig;
  summary: ValidationSummary;
  /** A TensorFlow.js model's manifest, or the same few facts about a wait model. */
  model: Pick<ModelManifest, 'metrics' | 'backend'> & { kind: string; network: { type: string } };
  datasetCounts: Record<string, number>;
  /** The submit rule the model was validated with. */
  rule: DecisionRule;
  calibration: Calibration | null;
  /** The model against each baseline with intervals; the trade-off chart when the rule was calibrated. */
  comparison: Comparison;
  hasTradeoff: boolean;
  /** Warnings about the schedule (core/sim/warnings.ts), shown first. */
  warnings?: readonly string[];
  stages: { stage: string; dir: string }[];
}

/** "88-node" or "8-GPU": sizes count whole nodes or GPUs (sim.unit). */
function sized(n: number, config: PipelineConfig): string {
  return `${n}-${config.sim.unit === 'gpus' ? 'GPU' : 'node'}`;
}

/** The report's line on the chain: its jobs' size and time limit (chain.jobMinutes, the reference's 48 h when absent) and its samples. */
export function chainLine(config: PipelineConfig): string {
  const c = config.chain;
  const minutes = c.jobMinutes ?? CHAIN_JOB_MINUTES;
  const limit = minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
  return `- Chain: ${sized(c.jobNodes, config)} jobs of ${limit}, a sample every ${c.intervalHours} h, ${c.warmupDays} days of warm-up, ${c.workloadDays} days of workload.`;
}

/** The experiment's report.md: what ran, the comparison, the charts, where each stage's output is. */
export function formatPipelineReport(input: PipelineReportInput, outDir: string): string {
  const { config, summary, model } = input;
  const metrics = Object.entries(model.metrics)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');
  const lines = [
    `# Mirage experiment \`${config.name}\``,
    '',
    'Reward = successor start - predecessor end, in hours: positive is an interruption, negative an overlap.',
    '*Mean overlap* is the mean of the negative part, reported as a positive number of hours; *zero interruption*',
    'is the share of samples with reward <= 0. Load levels classify each sample by the reactive baseline\'s',
    'interruption on it: low <= 2 h, medium 2-12 h, heavy > 12 h.',
    '',
    ...(input.warnings && input.warnings.length > 0 ? ['## Warnings', '', ...input.warnings.map((w) => `- ${w}`), ''] : []),
    '## Setup',
    '',
    `- Trace: \`${config.trace.path}\` (sha256 ${String(summary.run.traceSha256 ?? '').slice(0, 12)}), ${sized(config.sim.nodes, config)} cluster.`,
    chainLine(config),
    `- Training data: ${config.dataset.samples} samples x ${config.dataset.probes} probes from ${config.dataset.start} (${config.dataset.featureMode} features): ${input.datasetCounts.examples ?? '?'} examples.`,
    `- Model: ${model.kind} (${model.network.type}), trained on ${model.backend}; ${metrics}.`,
    ...(config.training.model === 'policy' ? [policyLine(config)] : []),
    `- Validation: ${config.validation.samples} samples from ${config.validation.start}; asked every 10 simulated minutes, the model's rule: ${describeRule(input.rule)}` +
      (input.calibration
        ? ` (calibrated on ${input.calibration.samples} held-out training samples, see below).`
        : input.rule.kind === 'policy'
          ? ' (a policy model has no threshold: no calibration ran).'
          : ' (fixed rule).'),
    '',
    ...comparisonSections(summary, 'charts'),
    '## Is the difference real?',
    '',
    ...comparisonMarkdown(input.comparison),
    ...(input.hasTradeoff
      ? [
          '### Interruption against overlap',
          '',
          `Baselines as points, the model as a curve over its ${input.rule.kind === 'risk' ? 'risk threshold' : 'low end'} on these validation samples (its other settings as chosen); the diamond is the rule chosen on the held-out training samples, error bars are ${Math.round((input.comparison.baselines[0]?.costDifference.level ?? 0.95) * 100)} % block-bootstrap intervals.`,
          '',
          '![Interruption against overlap](charts/tradeoff.svg)',
          '',
        ]
      : []),
    ...(input.calibration ? calibrationSection(input.calibration) : []),
    '## Stages',
    '',
    'Each stage\'s folder is named by a hash of its inputs; `mirage run` reuses a finished one.',
    '',
    ...input.stages.map((s) => `- ${s.stage}: \`${relativeTo(s.dir, outDir)}\``),
    '',
  ];
  return lines.join('\n');
}

/** How the policy agent was trained: its base, its episodes, the cost it minimised. */
function policyLine(config: PipelineConfig): string {
  const t = config.training;
  const r = config.cost.overlapHoursPerInterruptionHour;
  const range = policyEpisodeRange(config);
  return (
    `- Policy training: a {wait, submit} head over the \`${t.policyBase ?? 'default'}\` regressor trained first on the dataset, then REINFORCE in the simulator: ` +
    `${t.policyUpdates ?? POLICY_DEFAULTS.updates} updates x ${t.policyEpisodesPerUpdate ?? POLICY_DEFAULTS.episodesPerUpdate} episodes starting between ${formatClock(range.fromSec)} and ${formatClock(range.toSec - 60)} (the training samples), ` +
    `each rewarded by -(interruption h + overlap h / ${r})${r === 1 ? ' (the mean |reward|, the reference\'s reward)' : ''}.`
  );
}

function relativeTo(dir: string, root: string): string {
  return dir.startsWith(root) ? dir.slice(root.length).replace(/^[\\/]+/, '') : dir;
}

function calibrationSection(calibration: Calibration): string[] {
  const r = calibration.overlapHoursPerInterruptionHour;
  const picked = chosenTrial(calibration);
  const rows = calibration.trials.map((t) => {
    const chosen = t === picked;
    const s = t.stats;
    // The rule that waits like reactive has no threshold of its own to show.
    const first = t.rule.maxLeadHours === 0 ? 'wait like reactive' : ruleThreshold(t.rule);
    return `| ${first} | ${t.rule.confirmations ?? 1} | ${t.rule.maxLeadHours ?? 'none'} | ${meanCostHours(s, r).toFixed(3)} | ${s.meanAbsRewardHours.toFixed(3)} | ${s.meanInterruptionHours.toFixed(3)} | ${s.meanOverlapHours.toFixed(3)} | ${(s.zeroInterruptionShare * 100).toFixed(1)} % |${chosen ? ' chosen' : ''}`;
  });
  const risk = calibration.rule.kind === 'risk';
  return [
    '## Submit rule calibration',
    '',
    `On the ${calibration.samples} training samples held out of the fit (the last ones by time, after a gap of one replay; never the validation samples), each candidate rule`,
    `was run online; the one of smallest mean cost was chosen, cost = interruption + overlap / ${r} (${r} h of overlap cost as much as 1 h of interruption${r === 1 ? ': the mean |reward|' : ''})` +
      (calibration.reactiveLowLoad
        ? `, among the rules no worse than reactive on the ${calibration.reactiveLowLoad.n} low-load samples (do no harm where the queue is idle); a tie goes to the rule that holds back most. ` +
          (calibration.capped ? `The ${calibration.capped} rules with a lead cap compete only where no rule without one does no harm. ` : '') +
          'Where the samples show the rule so chosen worse than reactive beyond chance (its mean excess above 1.645 standard errors, on the low-load samples when no rule does no harm, or on all), ' +
          'the model waits like reactive instead (the last row: the reactive baseline on the same samples).'
        : '; a tie goes to the rule that holds back most.'),
    '',
    `| ${risk ? 'risk threshold' : 'low end (h)'} | confirmations | lead cap (h) | mean cost (h) | mean \\|reward\\| (h) | mean interruption (h) | mean overlap (h) | zero interruption | |`,
    '|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
  ];
}
