import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadPolicyBundle } from '../policy/index.js';
import { describeRule } from '../validate/decide.js';
import { CliSlurmClient } from '../slurm/client.js';
import { NO_RETRY } from '../slurm/command.js';
import { clusterMismatches, ruleWithOverrides, scriptJobSize } from '../slurm/provision/bundle-check.js';
import type { ProvisionPolicy } from '../slurm/provision/policy.js';
import { averagePolicy, reactivePolicy } from '../slurm/provision/policy.js';
import type { ProvisionEvent } from '../slurm/provision/provisioner.js';
import { Provisioner } from '../slurm/provision/provisioner.js';
import type { DecisionRule } from '../validate/decide.js';
import { collect, finiteNumber, nonNegativeInt, positiveInt, positiveNumber, reportErrors } from './args.js';

interface ProvisionFlags {
  script: string;
  after: string;
  model?: string;
  policy?: string;
  links: number;
  dryRun?: boolean;
  interval: number;
  timeScale: number;
  partition?: string;
  stateDir?: string;
  rewardLog?: string;
  events?: string;
  minHistory?: number;
  low?: number;
  high?: number;
  confirmations?: number;
  policyMode?: 'sample' | 'greedy';
  seed?: number;
  sbatch: string[];
  backend?: string;
  json?: boolean;
}

const BASELINES = ['reactive', 'average'] as const;

/** `mirage provision`: keep a chain of jobs alive on this cluster. */
export function registerProvisionCommands(program: Command): void {
  program
    .command('provision')
    .description(
      'keep a chain of jobs alive: watch the predecessor (--after), sample squeue every --interval seconds, ask the model ' +
        '(or a baseline policy) whether to submit the successor now, sbatch it when told, then follow it for --links links. ' +
        'Logs every decision to a JSON-lines event log and every measured interruption/overlap to reward.log. ' +
        'State lives in --state-dir: run the same command again after a stop or crash and it continues the chain. ' +
        'It only ever submits --script; it never cancels or changes a job.',
    )
    .requiredOption('--script <file>', 'batch script of the next job in the chain')
    .requiredOption('--after <jobid>', 'the running or pending job the chain starts from')
    .option(
      '--policy <bundle|name>',
      'a policy bundle folder (`mirage run` writes OUT/policy): its model with its submit rule as validated; ' +
        'or a baseline: reactive (when the job ends), average (mean wait before its limit end)',
    )
    .option('--model <dir>', 'a bare model folder (mirage train) instead of a bundle: submits when its prediction lies in [--low, --high] hours')
    .option('--links <n>', 'successors to submit', positiveInt, 1)
    .option('--dry-run', 'decide and log only; stop at the first decision to submit')
    .option('--interval <seconds>', 'seconds between samples of the queue (the reference: 600)', positiveNumber, 600)
    .option('--time-scale <factor>', 'one second here counts as this many to the model (tests with seconds-long jobs)', positiveNumber, 1)
    .option('--partition <name>', "partition to sample (default: the predecessor's)")
    .option('--state-dir <dir>', 'state, snapshots, logs (default ./mirage-provision-<after>)')
    .option('--reward-log <file>', 'live reward.log (default <state-dir>/reward.log)')
    .option('--events <file>', 'JSON-lines event log (default <state-dir>/events.jsonl)')
    .option('--min-history <n>', "decide only once this many samples exist (default: the model's window, 144)", positiveInt)
    .option('--low <hours>', "lowest predicted reward that submits (a bundle's calibrated value unless given; --model: -0.5)", finiteNumber)
    .option('--high <hours>', "highest predicted reward that submits (a bundle's unless given; --model: 500)", finiteNumber)
    .option('--confirmations <n>', "consecutive in-interval predictions before submitting (a bundle's unless given; --model: 1)", positiveInt)
    .addOption(new Option('--policy-mode <mode>', "policy models: sample the action (as the reference) or take the likelier (a bundle's unless given; --model: sample)").choices(['sample', 'greedy']))
    .option('--seed <n>', "seed of sampled actions (a bundle's unless given; --model: 0)", nonNegativeInt)
    .option('--sbatch <option>', 'extra sbatch option for every successor, e.g. --account=abc (repeatable)', collect, [] as string[])
    .option('--backend <name>', 'tfjs back end for the model (default auto)')
    .option('--json', 'print events as JSON lines')
    .action((flags: ProvisionFlags) => reportErrors('provision', async () => {
      if ((flags.model === undefined) === (flags.policy === undefined)) throw new Error('give either --policy <bundle dir> (or a baseline: reactive, average) or --model <dir>');
      const script = resolve(flags.script);
      await access(script).catch(() => {
        throw new Error(`--script ${script}: no such file`);
      });
      const stateDir = resolve(flags.stateDir ?? `mirage-provision-${flags.after}`);
      const { policy, historyLength, info } = await choosePolicy(flags, script);
      const abort = new AbortController();
      const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const provisioner = new Provisioner(
        {
          stateDir,
          script,
          after: flags.after,
          links: flags.links,
          intervalSec: flags.interval,
          timeScale: flags.timeScale,
          partition: flags.partition ?? null,
          sbatchOptions: flags.sbatch,
          dryRun: flags.dryRun ?? false,
          rewardLog: resolve(flags.rewardLog ?? `${stateDir}/reward.log`),
          eventLog: resolve(flags.events ?? `${stateDir}/events.jsonl`),
          historyLength,
          policyInfo: info,
        },
        {
          client: new CliSlurmClient({
            signal: abort.signal,
            onRetry: (error, attempt, delayMs) => process.stderr.write(`slurm not answering (try ${attempt}): ${error.message}; again in ${delayMs / 1000} s\n`),
          }),
          policy,
          signal: abort.signal,
          onEvent: (e) => printEvent(e, flags.json ?? false),
        },
      );
      try {
        const outcome = await provisioner.run();
        if (!flags.json) {
          const links = outcome.state.measured;
          console.log(
            flags.dryRun
              ? `dry run: ${outcome.wouldSubmit ? 'would submit now' : 'no decision to submit'}`
              : `chain complete: ${links.length} links, rewards (s) ${links.map((l) => l.rewardSec).join(' ')}; reward.log in ${stateDir}`,
          );
        }
      } catch (error) {
        if (abort.signal.aborted) throw new Error(`stopped; the chain state is in ${stateDir}: run the same command to continue`, { cause: error });
        throw error;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }));
}

interface ChosenPolicy {
  policy: ProvisionPolicy;
  historyLength: number;
  /** Logged as the 'policy' event: what decides, and what differs from what was validated. */
  info?: Record<string, unknown>;
}

async function choosePolicy(flags: ProvisionFlags, script: string): Promise<ChosenPolicy> {
  const baseline = BASELINES.find((b) => b === flags.policy);
  if (baseline) {
    const ruleFlags = ['low', 'high', 'confirmations', 'policyMode', 'seed'] as const;
    const stray = ruleFlags.filter((k) => flags[k] !== undefined);
    if (stray.length > 0) throw new Error(`--policy ${baseline} is a baseline: it has no submit rule to set (${stray.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')})`);
    return { policy: baseline === 'reactive' ? reactivePolicy() : averagePolicy(), historyLength: 144 };
  }
  // TensorFlow.js (behind the back-end module) loads only when a model is asked for.
  const backend = flags.backend ? (await import('../model/backend.js')).parseBackendChoice(flags.backend) : undefined;
  const { loadModelPolicy } = await import('../slurm/provision/model-policy.js');
  if (flags.model !== undefined) {
    const modelDir = resolve(flags.model);
    const { modelFacts } = await import('../policy/index.js');
    const kind = (await modelFacts(modelDir)).kind;
    const rule: DecisionRule =
      kind === 'policy'
        ? { kind: 'policy', mode: flags.policyMode ?? 'sample', seed: flags.seed ?? 0 }
        : { kind: 'regressor', lowHours: flags.low ?? -0.5, highHours: flags.high ?? 500, confirmations: flags.confirmations ?? 1 };
    const loaded = await loadModelPolicy(modelDir, rule, { timeScale: flags.timeScale, minHistory: flags.minHistory, backend });
    for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
    return { policy: loaded.policy, historyLength: loaded.historyLength, info: { model: modelDir, rule } };
  }

  const bundle = await loadPolicyBundle(flags.policy!);
  const { rule, overridden } = ruleWithOverrides(bundle.rule, flags);
  const loaded = await loadModelPolicy(bundle.modelDir, rule, { timeScale: flags.timeScale, minHistory: flags.minHistory, backend });
  for (const note of loaded.notes) process.stderr.write(`note: ${note}\n`);
  if (overridden.length > 0) process.stderr.write(`note: flags override the bundle's validated rule: ${overridden.join(', ')}\n`);
  const mismatches = await checkCluster(bundle.manifest, flags, script);
  for (const m of mismatches) process.stderr.write(`warning: ${m}\n`);
  if (mismatches.length > 0) process.stderr.write(`warning: ${bundle.dir} may decide poorly here: its scores (mirage policy info) hold for the cluster it was validated on\n`);
  return {
    policy: loaded.policy,
    historyLength: loaded.historyLength,
    info: {
      bundle: bundle.dir,
      name: bundle.manifest.name,
      model: bundle.manifest.model.kind,
      validatedRule: bundle.rule,
      rule,
      ruleText: describeRule(rule),
      overridden,
      clusterWarnings: mismatches,
    },
  };
}

/** The live cluster against the bundle's: partition size (scontrol), the predecessor's and the script's job size. */
async function checkCluster(manifest: Parameters<typeof clusterMismatches>[0], flags: ProvisionFlags, script: string): Promise<string[]> {
  // One try each: a check that cannot reach Slurm says so and lets the run start (which waits for Slurm itself).
  const client = new CliSlurmClient({ retry: NO_RETRY });
  const [pred] = await client.jobs([flags.after]).catch(() => []);
  const partition = flags.partition ?? (pred?.partition.split(',')[0] || undefined);
  const found = await client.partitionNodes(partition).catch(() => null);
  return clusterMismatches(manifest, {
    partition: found?.name ?? partition ?? null,
    partitionNodes: found?.nodes ?? null,
    predecessor: pred ?? null,
    script: scriptJobSize(await readFile(script, 'utf8'), flags.sbatch),
    timeScale: flags.timeScale,
  });
}

const QUIET_EVENTS = new Set(['sample']);

function printEvent(e: ProvisionEvent, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(e));
    return;
  }
  if (QUIET_EVENTS.has(e.event)) return;
  // 'sv-SE' spells local time as YYYY-MM-DD HH:MM:SS.
  const time = new Date(e.t * 1000).toLocaleString('sv-SE');
  const { t: _t, event, ...rest } = e;
  const text = event === 'decision'
    ? `link ${String(rest.link)} decision: ${rest.submit ? 'submit' : 'wait'} (${String(rest.reason)})`
    : event === 'link'
      ? `link ${String(rest.link)} measured: ${String(rest.kind)} ${String(rest.rewardSec)} s (job ${String(rest.predId)} -> job ${String(rest.succId)})`
      : event === 'policy' && typeof rest.bundle === 'string'
        ? `policy ${rest.bundle}: ${String(rest.ruleText)}${(rest.overridden as string[]).length > 0 ? ` (overridden: ${(rest.overridden as string[]).join(', ')})` : ' (as validated)'}`
        : `${event} ${JSON.stringify(rest)}`;
  console.log(`${time} ${text}`);
}
