import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { BackendChoice } from '../model/backend-choice.js';
import { parseShard } from '../dataset/schedule.js';
import { BACKEND_CHOICES } from '../model/backend-choice.js';
import { readManifest } from '../model/io.js';
import { loadPolicyBundle } from '../policy/index.js';
import { WAIT_MODEL_KIND, isWaitModelDir } from '../model/wait-model.js';
import type { DecisionRule } from '../validate/decide.js';
import type { BaselinePolicy, ValidationPolicy } from '../validate/policies.js';
import { formatReport, summaryTable } from '../validate/report.js';
import { RUN_FILES, readValidationRecords, readValidationSummary } from '../validate/output.js';
import { COMPARISON_FILE, compareToBaselines, comparisonMarkdown, comparisonSentences } from '../compare/compare.js';
import type { Comparison } from '../compare/compare.js';
import { replayBlockSamples } from '../compare/stats.js';
import { writeFileAtomic } from '../files/atomic.js';
import type { ValidationRequest } from '../validate/run.js';
import { addChainScheduleOptions, chainScheduleFromFlags, loadChainTrace } from './chain.js';
import type { ChainScheduleFlags } from './chain.js';
import { progressReporter } from './progress.js';
import { makeDir } from '../files/dirs.js';
import { CHAIN_JOB_MINUTES } from '../sim/config.js';
import { nonNegativeInt, outPath, positiveInt, reportErrors } from './args.js';

interface ValidateFlags extends ChainScheduleFlags {
  /** A kind, or a policy bundle folder. */
  policy: string;
  model?: string;
  label?: string;
  quantile: number;
  quantileWindow: number;
  interval: [number, number];
  confirmations: number;
  greedy?: boolean;
  sample?: boolean;
  seed: number;
  baselines: string;
  out: string;
  workers?: number;
  batchSamples?: number;
  backend: BackendChoice;
  json?: boolean;
  shard?: string;
}

/** Options the local command needs; not `requiredOption`s, which commander would also demand of `validate merge`. */
const REQUIRED: Array<[keyof ValidateFlags, string]> = [
  ['trace', '--trace <file>'],
  ['start', '--start <time>'],
  ['out', '--out <dir>'],
];

/** `mirage validate`: a policy against the baselines, online, on every sample of a schedule. */
export function registerValidateCommands(program: Command): void {
  const validate = addChainScheduleOptions(program.command('validate'), { enforceRequired: false })
    .description(
      'run the job chain of every sample with the policy under test deciding online (every 10 simulated minutes once 24 h of snapshots exist; at once when the predecessor has ended), beside the baselines, and write the run folder: reward.log (the reference format, policy under test), rewards.csv (every policy), summary.json, report.md, charts/*.svg.',
    )
    .option(
      '--policy <kind|bundle>',
      'the policy under test: reactive, average, quantile, model (with --model), or a policy bundle folder (OUT/policy of `mirage run`: its model with its submit rule as validated)',
      'model',
    )
    .option('--model <dir>', 'trained model folder (for --policy model)')
    .option('--label <name>', "the model's name in the outputs (default: 'model')")
    .option('--quantile <q>', 'quantile baseline: the quantile of recent waits, 0..1', openUnitInterval, 0.5)
    .option('--quantile-window <n>', 'quantile baseline: how many recent waits', positiveInt, 100)
    .option('--interval <low,high>', 'a regressor submits when its prediction (hours) lies in [low, high]', intervalArg, [-0.5, 500] as [number, number])
    .option('--confirmations <n>', 'a regressor submits once n consecutive predictions (10 minutes apart) lie in the interval (reference: 1)', positiveInt, 1)
    .option('--greedy', 'a policy model submits on its most likely action (default)')
    .option('--sample', 'a policy model submits on a draw from its action probabilities (seeded by --seed)')
    .option('--seed <n>', 'seed of sampled decisions', nonNegativeInt, 0)
    .option('--baselines <list>', 'baselines to compare against (reactive is always run)', 'reactive,average,quantile')
    .option('--out <dir>', 'run folder to write, or with --shard the shard folder (required)', outPath)
    .option('--shard <K/N>', 'run only the samples i with i % N == K (K from 0) and write a shard folder for `mirage validate merge`')
    .option('--workers <n>', 'worker threads (default: every core; 0 = this thread)', nonNegativeInt)
    .option('--batch-samples <n>', 'samples whose decisions share one model call (default: spread over the workers, at most 64)', positiveInt)
    .addOption(new Option('--backend <name>', 'TensorFlow.js back end of the model').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--json', 'progress as JSON lines and the summary as JSON on stdout')
    .hook('preAction', (command, actionCommand) => {
      // Hooks of a parent also run for its sub-commands: `validate merge` needs none of these.
      if (actionCommand !== command) return;
      const flags = command.opts<ValidateFlags>();
      for (const [key, flag] of REQUIRED) if (flags[key] === undefined) command.error(`error: required option '${flag}' not specified`);
    })
    .action((flags: ValidateFlags, command: Command) =>
      reportErrors('validate', async () => {
        if (flags.greedy && flags.sample) throw new Error('--greedy and --sample exclude each other');
        await makeDir(flags.out); // one level at a time: recursive mkdir loops forever under /proc
        const shard = flags.shard === undefined ? null : parseShard(flags.shard);
        const baselines = parseBaselines(flags.baselines, flags);
        const { policy, notes } = POLICY_KINDS.includes(flags.policy) ? { policy: await policyUnderTest(flags), notes: [] } : await bundlePolicy(flags, command);
        for (const note of notes) process.stderr.write(`note: ${note}\n`);
        const progress = progressReporter({ json: flags.json });
        const abort = new AbortController();
        const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const schedule = chainScheduleFromFlags(flags);
          const request: ValidationRequest = {
              tracePath: flags.trace,
              format: flags.format,
              // The cluster as the chain commands size it; the trace's warnings printed before the run.
              sim: (await loadChainTrace(flags, schedule)).sim,
              schedule,
              policy,
              baselines,
              outDir: flags.out,
          };
          const options = { workers: flags.workers, batchSamples: flags.batchSamples, signal: abort.signal, onProgress: progress.report };
          if (shard) {
            const { runValidationShard } = await import('../validate/shard.js');
            const done = await runValidationShard(request, shard, options);
            progress.finish();
            const line = { shard: `${shard.index}/${shard.count}`, samples: done.manifest.samples.length, out: flags.out };
            process.stdout.write(flags.json ? JSON.stringify(line) + '\n' : `shard ${line.shard}: ${line.samples} samples -> ${flags.out} (join the shards with \`mirage validate merge\`)\n`);
            return;
          }
          const { runValidation } = await import('../validate/run.js');
          const result = await runValidation(request, options);
          const comparison = await addComparison(flags.out);
          progress.finish();
          if (flags.json) {
            process.stdout.write(JSON.stringify(result.summary) + '\n');
          } else {
            process.stdout.write(`${summaryTable(result.summary.policies)}\n\n${comparisonLines(comparison)}`);
            const model = result.modelCalls > 0 ? `; ${result.modelWindows} model decisions in ${result.modelCalls} calls, ${result.seconds.model.toFixed(1)} s of model time` : '';
            process.stdout.write(`${flags.out}: reward.log, rewards.csv, summary.json, report.md, charts/ (${result.seconds.total.toFixed(1)} s${model})\n`);
          }
        } finally {
          progress.finish();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );

  validate
    .command('merge')
    .description(
      'join the shard folders of one `mirage validate --shard K/N` run (every K of one N, each once) into the run folder an unsharded `mirage validate` writes, byte for byte',
    )
    .argument('<shard-dirs...>', 'shard folders')
    .option('--out <dir>', 'run folder to write (required)', outPath)
    .option('--json', 'the summary as JSON on stdout')
    .action((shardDirs: string[], own: { out?: string; json?: boolean }, command: Command) =>
      reportErrors('validate merge', async () => {
        // `validate` parses its own --out / --json before the sub-command sees them: take either.
        const flags = { ...command.parent?.opts<{ out?: string; json?: boolean }>(), ...own };
        if (flags.out === undefined) throw new Error("required option '--out <dir>' not specified");
        const { mergeValidationShards } = await import('../validate/shard.js');
        const summary = await mergeValidationShards(shardDirs, flags.out);
        const comparison = await addComparison(flags.out);
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else process.stdout.write(`${summaryTable(summary.policies)}\n\n${comparisonLines(comparison)}${flags.out}: reward.log, rewards.csv, summary.json, report.md, charts/ (from ${shardDirs.length} shards)\n`);
      }),
    );
}

/**
 * The evidence beside the means, as `mirage run` reports it: the policy under
 * test (the first of summary.json) against each other policy with 95 %
 * block-bootstrap intervals (blocks of one replay length) and McNemar's test,
 * at the reference's cost (1 h of overlap = 1 h of interruption). Written to
 * comparison.json and as report.md's last section; null where reactive, which
 * sorts samples into load levels, is the only policy.
 */
async function addComparison(dir: string): Promise<Comparison | null> {
  const summary = await readValidationSummary(dir);
  const [underTest, ...others] = summary.policies.map((p) => p.policy);
  if (others.length === 0) return null;
  const run = summary.run as { warmupDays: number; workloadDays: number; intervalHours: number };
  const comparison = compareToBaselines([await readValidationRecords(dir)], { model: underTest, overlapHoursPerInterruptionHour: 1, blockSamples: replayBlockSamples(run), baselines: others });
  await writeFileAtomic(join(dir, COMPARISON_FILE), JSON.stringify(comparison, null, 1) + '\n');
  await writeFileAtomic(join(dir, RUN_FILES.report), formatReport(summary, { sections: ['## Is the difference real?', '', ...comparisonMarkdown(comparison)] }));
  return comparison;
}

/** The comparison's sentences for the terminal, one per baseline. */
function comparisonLines(comparison: Comparison | null): string {
  return comparison ? comparisonSentences(comparison).map((s) => `${s}\n`).join('') + '\n' : '';
}

function parseBaselines(list: string, flags: ValidateFlags): BaselinePolicy[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.map((name) => {
    if (name === 'reactive' || name === 'average') return { kind: name };
    if (name === 'quantile') return { kind: 'quantile', q: flags.quantile, window: flags.quantileWindow };
    throw new Error(`--baselines: unknown baseline '${name}' (reactive, average, quantile)`);
  });
}

async function policyUnderTest(flags: ValidateFlags): Promise<ValidationPolicy> {
  if (flags.policy !== 'model') {
    if (flags.model) throw new Error(`--model is for --policy model, not --policy ${flags.policy}`);
    return flags.policy === 'quantile' ? { kind: 'quantile', q: flags.quantile, window: flags.quantileWindow } : { kind: flags.policy as 'reactive' | 'average' };
  }
  if (!flags.model) throw new Error('--policy model needs --model <dir> (a folder written by mirage train)');
  const modelDir = resolve(flags.model);
  const kind = (await isWaitModelDir(modelDir)) ? WAIT_MODEL_KIND : (await readManifest(modelDir)).kind;
  const rule: DecisionRule =
    kind === 'policy'
      ? { kind: 'policy', mode: flags.sample ? 'sample' : 'greedy', seed: flags.seed }
      : { kind: 'regressor', lowHours: flags.interval[0], highHours: flags.interval[1], confirmations: flags.confirmations };
  if (kind !== 'policy' && flags.sample) throw new Error(`--sample is for policy models; ${flags.model} is a ${kind} regressor`);
  return { kind: 'model', modelDir, rule, backend: flags.backend, label: flags.label };
}

/** What --policy names besides a bundle folder. */
export const POLICY_KINDS: readonly string[] = ['reactive', 'average', 'quantile', 'model'];
const RULE_FLAGS = ['model', 'interval', 'confirmations', 'greedy', 'sample', 'seed'] as const;

/**
 * --policy <bundle>: the bundle's model under the rule it was validated with
 * (core/policy, the loader provision uses too), in the setup it was validated
 * in: its chain jobs' size and limit, its unit and cluster size, where the
 * command line gives none (flags is updated). Where it gives others, a note
 * says so: validating a policy elsewhere is a fair question, but should not
 * happen by accident (48-h jobs for a policy of 12-h ones).
 */
async function bundlePolicy(flags: ValidateFlags, command: Command): Promise<{ policy: ValidationPolicy; notes: string[] }> {
  const given = RULE_FLAGS.filter((k) => command.getOptionValueSource(k) === 'cli');
  if (given.length > 0) {
    throw new Error(
      `--policy ${flags.policy} validates the bundle with its own rule; --${given.join(', --')} would change it: give --policy model --model ${flags.policy}/model to try another rule`,
    );
  }
  const bundle = await loadPolicyBundle(flags.policy);
  const c = bundle.manifest.cluster;
  const notes: string[] = [];
  const setup = <K extends 'jobNodes' | 'jobMinutes' | 'unit' | 'nodes'>(key: K, flag: string, value: ValidateFlags[K], what: string): void => {
    if (command.getOptionValueSource(key) !== 'cli') flags[key] = value;
    else if (flags[key] !== value) notes.push(`--${flag} ${String(flags[key])}: the bundle was validated with ${what}`);
  };
  setup('unit', 'unit', c.unit, `sizes in ${c.unit}`);
  const unit = c.unit === 'gpus' ? 'GPU' : 'node';
  setup('nodes', 'nodes', c.nodes, `a ${c.nodes}-${unit} cluster`);
  setup('jobNodes', 'job-nodes', c.jobNodes, `${c.jobNodes}-${unit} chain jobs`);
  // The reference's length stays implicit, as when no flag gives it, so such runs keep their bytes.
  setup('jobMinutes', 'job-minutes', c.jobMinutes === CHAIN_JOB_MINUTES ? undefined : c.jobMinutes, `chain jobs of ${c.jobMinutes} minutes`);
  return { policy: { kind: 'model', modelDir: bundle.modelDir, rule: bundle.rule, backend: flags.backend, label: flags.label ?? bundle.manifest.name }, notes };
}

function openUnitInterval(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('a number between 0 and 1');
  return n;
}

function intervalArg(value: string): [number, number] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)) || parts[0] > parts[1]) {
    throw new InvalidArgumentError('two numbers low,high with low <= high, e.g. -0.5,500');
  }
  return [parts[0], parts[1]];
}
