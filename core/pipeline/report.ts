import type { ModelManifest } from '../model/manifest.js';
import type { Calibration, RegressorRule } from '../validate/calibrate.js';
import { comparisonSections } from '../validate/report.js';
import type { ValidationSummary } from '../validate/summary.js';
import type { PipelineConfig } from './config.js';

export interface PipelineReportInput {
  config: PipelineConfig;
  summary: ValidationSummary;
  /** A TensorFlow.js model's manifest, or the same few facts about a wait model. */
  model: Pick<ModelManifest, 'metrics' | 'backend'> & { kind: string; network: { type: string } };
  datasetCounts: Record<string, number>;
  /** The submit rule the model was validated with. */
  rule: RegressorRule;
  calibration: Calibration | null;
  stages: { stage: string; dir: string }[];
}

/** The experiment's report.md: what ran, the comparison, the charts, where each stage's output is. */
export function formatPipelineReport(input: PipelineReportInput, outDir: string): string {
  const { config, summary, model } = input;
  const c = config.chain;
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
    '## Setup',
    '',
    `- Trace: \`${config.trace.path}\` (sha256 ${String(summary.run.traceSha256 ?? '').slice(0, 12)}), ${config.sim.nodes}-node cluster.`,
    `- Chain: ${c.jobNodes}-node jobs of 48 h, a sample every ${c.intervalHours} h, ${c.warmupDays} days of warm-up, ${c.workloadDays} days of workload.`,
    `- Training data: ${config.dataset.samples} samples x ${config.dataset.probes} probes from ${config.dataset.start} (${config.dataset.featureMode} features): ${input.datasetCounts.examples ?? '?'} examples.`,
    `- Model: ${model.kind} (${model.network.type}), trained on ${model.backend}; ${metrics}.`,
    `- Validation: ${config.validation.samples} samples from ${config.validation.start}; asked every 10 simulated minutes, the model submits ${ruleText(input.rule)}` +
      (input.calibration ? ` (calibrated on ${input.calibration.samples} held-out training samples, see below).` : ' (fixed rule).'),
    '',
    ...comparisonSections(summary, 'charts'),
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

function relativeTo(dir: string, root: string): string {
  return dir.startsWith(root) ? dir.slice(root.length).replace(/^[\\/]+/, '') : dir;
}

function ruleText(rule: RegressorRule): string {
  const c = rule.confirmations ?? 1;
  return `once ${c === 1 ? 'its prediction lies' : `${c} consecutive predictions lie`} in [${rule.lowHours}, ${rule.highHours}] h`;
}

function calibrationSection(calibration: Calibration): string[] {
  const rows = calibration.trials.map((t) => {
    const chosen = t.rule === calibration.rule || (t.rule.lowHours === calibration.rule.lowHours && t.rule.confirmations === calibration.rule.confirmations);
    const s = t.stats;
    return `| ${t.rule.lowHours} | ${t.rule.confirmations ?? 1} | ${s.meanAbsRewardHours.toFixed(3)} | ${s.meanInterruptionHours.toFixed(3)} | ${s.meanOverlapHours.toFixed(3)} | ${(s.zeroInterruptionShare * 100).toFixed(1)} % |${chosen ? ' chosen' : ''}`;
  });
  return [
    '## Submit rule calibration',
    '',
    `On the ${calibration.samples} training samples held out of training (the last ones by time; never the validation samples), each candidate rule`,
    'was run online; the smallest mean |reward| was chosen.',
    '',
    '| low end (h) | confirmations | mean \\|reward\\| (h) | mean interruption (h) | mean overlap (h) | zero interruption | |',
    '|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
  ];
}
