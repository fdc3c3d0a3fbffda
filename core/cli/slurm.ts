import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import type { ShardedCommand } from '../slurm/array.js';
import { describePlan, passThroughValue, planArrayRun, submitArrayRun } from '../slurm/array.js';
import { CliSlurmClient } from '../slurm/client.js';
import type { SbatchSettings } from '../slurm/sbatch.js';
import { checkSbatchSettings } from '../slurm/sbatch.js';
import { loadPolicyBundle } from '../policy/index.js';
import { registerProvisionCommands } from './provision.js';
import { POLICY_KINDS } from './validate.js';
import { collect, positiveInt, reportErrors } from './args.js';

interface ArrayFlags {
  array: number;
  out: string;
  partition?: string;
  account?: string;
  time?: string;
  nodesPerTask?: number;
  sbatch: string[];
  workDir?: string;
  mirage?: string;
  dryRun?: boolean;
}

/** A local command that runs as shards on a job array, and the command that joins them. */
interface ShardableLocal {
  name: string;
  /** Path of the local command under `mirage` (`dataset generate`). */
  local: string[];
  /** Path of the merge command (`dataset merge`), which takes the shard folders and `--out`. */
  merge: string[];
}

const SHARDABLE: ShardableLocal[] = [
  { name: 'dataset', local: ['dataset', 'generate'], merge: ['dataset', 'merge'] },
  { name: 'validate', local: ['validate'], merge: ['validate', 'merge'] },
];

/**
 * `mirage slurm dataset | validate` (the local commands spread over a job array) and `mirage provision`.
 * `freshProgram` builds a new copy of the whole `mirage` command line (main's buildProgram), passed in
 * so this module does not import main, which imports it.
 */
export function registerSlurmCommands(program: Command, freshProgram: () => Command): void {
  registerProvisionCommands(program);
  const slurm = program
    .command('slurm')
    .description('run `dataset generate` or `validate` as a Slurm job array (task K runs shard K/N) plus a merge job that waits for all of them');
  for (const target of SHARDABLE) {
    slurm
      .command(target.name)
      .description(
        `\`mirage ${target.local.join(' ')}\` as a job array: takes every flag of the local command (see \`mirage ${target.local.join(' ')} --help\`) ` +
          `plus the ones below. Task K runs shard K/N into <work-dir>/shard-K; a merge job submitted with --dependency=afterok ` +
          `on the whole array joins them into --out, identical to a local run. Prints both job ids.`,
      )
      .requiredOption('--array <N>', 'array tasks (shards)', positiveInt)
      .requiredOption('--out <dir>', 'merged result folder (what the local command writes)')
      .option('--partition <name>', 'sbatch --partition')
      .option('--account <name>', 'sbatch --account')
      .option('--time <limit>', 'sbatch --time per task (minutes, HH:MM:SS, D-HH:MM:SS)')
      .option('--nodes-per-task <n>', 'sbatch --nodes per array task', positiveInt)
      .option('--sbatch <option>', 'an extra #SBATCH line such as --mem=8G (repeatable)', collect, [] as string[])
      .option('--work-dir <dir>', 'scripts, Slurm logs and shard outputs (default <out>.slurm)')
      .option('--mirage <command>', 'how a compute node starts mirage (default: this node binary and this checkout)')
      .option('--dry-run', 'print the scripts and the sbatch calls; submit nothing')
      .allowUnknownOption()
      .allowExcessArguments()
      .action((flags: ArrayFlags, command: Command) => reportErrors(`slurm ${target.name}`, async () => {
        const passThrough = command.args;
        const settings: SbatchSettings = {
          partition: flags.partition,
          account: flags.account,
          time: flags.time,
          nodes: flags.nodesPerTask,
          extra: flags.sbatch,
        };
        checkSbatchSettings(settings);
        await checkLocalFlags(freshProgram(), target, passThrough, flags.array);
        // A policy bundle is read here first: a missing or foreign folder fails now, not in every array task.
        const bundle = target.name === 'validate' ? passThroughValue(passThrough, '--policy') : undefined;
        if (bundle !== undefined && !POLICY_KINDS.includes(bundle)) await loadPolicyBundle(bundle);
        const plan = planArrayRun({
          command: shardedCommand(target, passThrough),
          tasks: flags.array,
          shardBase: 0,
          out: flags.out,
          workDir: flags.workDir,
          settings,
          mirage: flags.mirage ? flags.mirage.split(' ').filter(Boolean) : defaultMirageCommand(),
          cwd: process.cwd(),
        });
        if (flags.dryRun) {
          process.stdout.write(describePlan(plan));
          return;
        }
        const ids = await submitArrayRun(plan, new CliSlurmClient());
        console.log(`array job ${ids.arrayJobId}: ${plan.tasks} tasks (shards 0..${plan.tasks - 1} of ${plan.tasks}), logs in ${join(plan.workDir, 'logs')}`);
        console.log(`merge job ${ids.mergeJobId}: after every task of ${ids.arrayJobId} succeeds (afterok), writes ${plan.out}`);
      }));
  }
}

function shardedCommand(target: ShardableLocal, passThrough: readonly string[]): ShardedCommand {
  return {
    name: target.name,
    shardArgv: (shard, shardOut) => [...target.local, ...passThrough, '--shard', shard, '--out', shardOut],
    mergeArgv: (shardDirs, out) => [...target.merge, ...shardDirs, '--out', out],
  };
}

/**
 * Parses the pass-through flags with the local command itself (a fresh copy
 * whose action does nothing), so a typo fails here and not in N array tasks.
 */
async function checkLocalFlags(program: Command, target: ShardableLocal, passThrough: readonly string[], tasks: number): Promise<void> {
  if (passThrough.some((a) => a === '--shard' || a.startsWith('--shard=') || a === '--out' || a.startsWith('--out='))) {
    throw new Error('--shard and --out are set per task; give --array and --out to `mirage slurm` only');
  }
  const local = findCommand(program, target.local);
  const merge = findCommand(program, target.merge);
  if (!local) throw new Error(`this mirage has no \`${target.local.join(' ')}\` command to run on the cluster`);
  if (!local.options.some((o) => o.long === '--shard')) throw new Error(`\`mirage ${target.local.join(' ')}\` has no --shard option: it cannot run as a job array yet`);
  if (!merge) throw new Error(`this mirage has no \`${target.merge.join(' ')}\` command to join the shards`);
  let errors = '';
  for (let c: Command | null = local; c; c = c.parent) c.exitOverride().showHelpAfterError(false).configureOutput({ writeErr: (s) => (errors += s), writeOut: () => {} });
  local.action(() => {});
  try {
    await program.parseAsync([...target.local, ...passThrough, '--shard', `0/${tasks}`, '--out', '/nonexistent/checked-only'], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new Error(`flags for \`mirage ${target.local.join(' ')}\`: ${errors.trim() || error.message}`, { cause: error });
    throw error;
  }
}

function findCommand(root: Command, path: readonly string[]): Command | undefined {
  let c: Command | undefined = root;
  for (const name of path) c = c?.commands.find((sub) => sub.name() === name);
  return c;
}

/** This node binary and this checkout's bin/mirage.js: what a compute node of a shared file system can start. */
export function defaultMirageCommand(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'mirage.js');
    if (existsSync(bin)) return [process.execPath, bin];
    dir = dirname(dir);
  }
  throw new Error('bin/mirage.js not found above this module; pass --mirage "<command>"');
}
