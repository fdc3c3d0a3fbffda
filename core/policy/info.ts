import { describeRule } from '../validate/decide.js';
import { MIN_BLOCKS } from '../compare/stats.js';
import type { PolicyBundle } from './bundle.js';
import type { EvaluationValue } from './manifest.js';

/** One POSIX shell word (single quotes unless it is plainly safe). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs a bundle on a cluster; the script and the job to follow are the user's. */
export function provisionCommand(bundleDir: string): string {
  return `mirage provision --policy ${shellWord(bundleDir)} --script <next-job.sbatch> --after <running-job-id>`;
}

const COLUMNS: Array<[key: string, head: string, format: (v: number) => string]> = [
  ['meanAbsRewardHours', 'mean |reward| h', (v) => v.toFixed(3)],
  ['meanInterruptionHours', 'interruption h', (v) => v.toFixed(3)],
  ['meanOverlapHours', 'overlap h', (v) => v.toFixed(3)],
  ['zeroInterruptionShare', 'no interruption', (v) => `${(v * 100).toFixed(1)}%`],
];

function isRecord(v: EvaluationValue | undefined): v is { [key: string]: EvaluationValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `mirage policy info`: what a bundle is, what it was made for, how it scored. */
export function formatPolicyInfo(bundle: PolicyBundle): string {
  const m = bundle.manifest;
  const c = m.cluster;
  const lines = [
    `policy bundle ${bundle.dir}`,
    `  name      ${m.name} (${m.createdBy})`,
    `  model     ${m.model.kind}: ${m.model.seqLen} snapshots x ${m.model.features} features ('${m.model.featureMode}' features)`,
    `  rule      ${describeRule(m.rule)} (${m.ruleSource})`,
    ...(m.model.waitShareOfEstimate === undefined
      ? []
      : [`  hold-back no submission while the predecessor's end is further away than ${m.model.waitShareOfEstimate.toFixed(3)} x the scheduler's start estimate for the job`]),
    ...(m.model.leadMarginHours === undefined ? [] : [`  margin    each decision reads the predecessor's end ${Math.round(m.model.leadMarginHours * 60)} minutes nearer than it is`]),
    `  cost      1 h of interruption weighs as much as ${m.cost} h of overlap`,
    `  cluster   ${c.nodes} ${c.unit === 'gpus' ? 'GPUs' : 'nodes'}${c.partition ? `, partition ${c.partition}` : ''}; trace ${c.trace.name} (sha256 ${c.trace.sha256.slice(0, 12)}...)`,
    `  chain     jobs of ${c.jobNodes} ${c.unit === 'gpus' ? 'GPU(s)' : 'node(s)'} x ${c.jobMinutes} min; a decision every ${c.decisionIntervalSec} s`,
  ];
  const e = m.evaluation;
  const policies = e.policies;
  if (isRecord(policies)) {
    const from = typeof e.validationStart === 'string' ? ` from ${e.validationStart}` : '';
    lines.push(`  scored    on ${typeof e.samples === 'number' ? e.samples : '?'} validation samples${from}:`);
    const names = Object.keys(policies);
    const width = Math.max(6, ...names.map((n) => n.length));
    lines.push(`    ${'policy'.padEnd(width)}  ${COLUMNS.map(([, head]) => head.padStart(15)).join('  ')}`);
    for (const name of names) {
      const stats = policies[name];
      const cells = COLUMNS.map(([key, , format]) => {
        const v = isRecord(stats) ? stats[key] : undefined;
        return (typeof v === 'number' ? format(v) : '-').padStart(15);
      });
      lines.push(`    ${name.padEnd(width)}  ${cells.join('  ')}`);
    }
  }
  // Model minus each baseline with its interval (core/compare), where the bundle carries them.
  const intervals = e.intervals;
  if (isRecord(intervals)) {
    for (const [baseline, d] of Object.entries(intervals)) {
      if (!isRecord(d) || typeof d.costDifferenceHours !== 'number' || typeof d.low !== 'number' || typeof d.high !== 'number') continue;
      const level = typeof d.level === 'number' ? `${Math.round(d.level * 100)} %` : 'the';
      const few = typeof d.blocks === 'number' && d.blocks < MIN_BLOCKS ? ` (only ${d.blocks} block(s) of samples: too few to tell)` : '';
      lines.push(`  vs ${baseline.padEnd(8)}  mean cost ${d.costDifferenceHours.toFixed(3)} h per sample, ${level} interval [${d.low.toFixed(3)}, ${d.high.toFixed(3)}]${few}`);
    }
  }
  lines.push(`  run it    ${provisionCommand(bundle.dir)}`);
  return lines.join('\n') + '\n';
}
