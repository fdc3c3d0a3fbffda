import { resolve } from 'node:path';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { FEATURE_NAMES } from '../dataset/features.js';
import { CliSlurmClient } from '../slurm/client.js';
import type { ProvisionPolicy } from '../slurm/provision/policy.js';
import { averagePolicy, modelPolicy, reactivePolicy } from '../slurm/provision/policy.js';
import type { ProvisionEvent } from '../slurm/provision/provisioner.js';
import { Provisioner } from '../slurm/provision/provisioner.js';
import { collect, finiteNumber, nonNegativeInt, positiveInt, positiveNumber, reportErrors } from './args.js';

interface ProvisionFlags {
  script: string;
  after: string;
  model?: string;
  policy?: 'reactive' | 'average';
  links: number;
  dryRun?: boolean;
  interval: number;
  timeScale: number;
  partition?: string;
  stateDir?: string;
  rewardLog?: string;
  events?: string;
  minHistory?: number;
  low: number;
  high: number;
  policyMode: 'sample' | 'greedy';
  seed: number;
  sbatch: string[];
  backend?: string;
  json?: boolean;
}

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
    .option('--model <dir>', 'trained model folder (mirage train); submits when its prediction lies in [--low, --high] hours')
    .addOption(new Option('--policy <name>', 'a baseline instead of a model: reactive (when the job ends), average (mean wait before its limit end)').choices(['reactive', 'average']))
    .option('--links <n>', 'successors to submit', positiveInt, 1)
    .option('--dry-run', 'decide and log only; stop at the first decision to submit')
    .option('--interval <seconds>', 'seconds between samples of the queue (the reference: 600)', positiveNumber, 600)
    .option('--time-scale <factor>', 'one second here counts as this many to the model (tests with seconds-long jobs)', positiveNumber, 1)
    .option('--partition <name>', "partition to sample (default: the predecessor's)")
    .option('--state-dir <dir>', 'state, snapshots, logs (default ./mirage-provision-<after>)')
    .option('--reward-log <file>', 'live reward.log (default <state-dir>/reward.log)')
    .option('--events <file>', 'JSON-lines event log (default <state-dir>/events.jsonl)')
    .option('--min-history <n>', "decide only once this many samples exist (default: the model's window, 144)", positiveInt)
    .option('--low <hours>', 'lowest predicted reward that submits', finiteNumber, -0.5)
    .option('--high <hours>', 'highest predicted reward that submits', finiteNumber, 500)
    .addOption(new Option('--policy-mode <mode>', 'policy models: sample the action (as the reference) or take the likelier').choices(['sample', 'greedy']).default('sample'))
    .option('--seed <n>', 'seed of sampled actions', nonNegativeInt, 0)
    .option('--sbatch <option>', 'extra sbatch option for every successor, e.g. --account=abc (repeatable)', collect, [] as string[])
    .option('--backend <name>', 'tfjs back end for the model (default auto)')
    .option('--json', 'print events as JSON lines')
    .action((flags: ProvisionFlags) => reportErrors('provision', async () => {
      if ((flags.model === undefined) === (flags.policy === undefined)) throw new Error('give either --model <dir> or --policy reactive|average');
      const script = resolve(flags.script);
      await access(script).catch(() => {
        throw new Error(`--script ${script}: no such file`);
      });
      const stateDir = resolve(flags.stateDir ?? `mirage-provision-${flags.after}`);
      const { policy, historyLength } = await choosePolicy(flags);
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

async function choosePolicy(flags: ProvisionFlags): Promise<{ policy: ProvisionPolicy; historyLength: number }> {
  if (flags.policy === 'reactive') return { policy: reactivePolicy(), historyLength: 144 };
  if (flags.policy === 'average') return { policy: averagePolicy(), historyLength: 144 };
  // tfjs loads only when a model is asked for.
  const { loadModel } = await import('../model/predictor.js');
  const { parseBackendChoice } = await import('../model/backend.js');
  const predictor = await loadModel(flags.model!, flags.backend ? { backend: parseBackendChoice(flags.backend) } : {});
  const names = predictor.featureNames;
  if (names.length !== FEATURE_NAMES.length || names.some((n, i) => n !== FEATURE_NAMES[i])) {
    throw new Error(`${flags.model}: the model reads features [${names.slice(0, 3).join(', ')}, ...], not the 42 snapshot features squeue gives`);
  }
  if (predictor.featureMode !== 'decision') {
    process.stderr.write(`note: ${flags.model} was trained on '${predictor.featureMode}' features; live decisions see snapshots up to the decision ('decision' features)\n`);
  }
  const rule = predictor.kind === 'policy'
    ? { kind: 'policy' as const, mode: flags.policyMode, seed: flags.seed }
    : { kind: 'regressor' as const, lowHours: flags.low, highHours: flags.high };
  const minHistory = flags.minHistory ?? predictor.seqLen;
  return { policy: modelPolicy(predictor, { rule, minHistory, timeScale: flags.timeScale }), historyLength: predictor.seqLen };
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
      : `${event} ${JSON.stringify(rest)}`;
  console.log(`${time} ${text}`);
}
