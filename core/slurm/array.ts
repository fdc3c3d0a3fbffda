import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import type { SlurmClient } from './client.js';
import type { SbatchSettings, ShellWord } from './sbatch.js';
import { renderBatchScript, shellQuote } from './sbatch.js';

/** A `mirage` sub-command that can run as N shards and merge them afterwards. */
export interface ShardedCommand {
  /** `dataset` or `validate`: names the jobs and the scripts. */
  name: string;
  /** argv after `mirage` for one shard; `shard` expands to `K/N` at run time, `shardOut` to its directory. */
  shardArgv(shard: ShellWord, shardOut: ShellWord): ShellWord[];
  /** argv after `mirage` that merges the shard directories into `out`. */
  mergeArgv(shardOuts: readonly string[], out: string): string[];
}

export interface ArrayRunRequest {
  command: ShardedCommand;
  tasks: number;
  /** First shard index `--shard` takes (0 for `--shard 0/N`). */
  shardBase: number;
  /** Final merged output directory. */
  out: string;
  /** Scripts, Slurm logs and shard outputs; default `<out>.slurm`. */
  workDir?: string;
  settings: SbatchSettings;
  /** How a compute node starts the CLI, e.g. [node, /abs/bin/mirage.js]. */
  mirage: readonly string[];
  /** Directory the jobs run in, so relative paths among the flags mean what they meant here. */
  cwd: string;
}

export interface ArrayRunPlan {
  tasks: number;
  out: string;
  workDir: string;
  shardDirs: string[];
  arrayScriptPath: string;
  mergeScriptPath: string;
  arrayScript: string;
  mergeScript: string;
}

const SHELL_UNSAFE = /["$`\\\n]/;

/** Builds both scripts (pure). */
export function planArrayRun(request: ArrayRunRequest): ArrayRunPlan {
  const { tasks } = request;
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`--array must be a whole number >= 1, got ${tasks}`);
  const out = resolve(request.cwd, request.out);
  const workDir = resolve(request.cwd, request.workDir ?? `${out}.slurm`);
  // The shard directory is expanded by bash inside double quotes.
  if (SHELL_UNSAFE.test(workDir)) throw new Error(`the work directory '${workDir}' must not contain " $ \` or \\`);
  if (request.mirage.length === 0 || !request.mirage.every((p, i) => i > 0 || isAbsolute(p))) {
    throw new Error('the command that starts mirage on a compute node must begin with an absolute path');
  }
  const base = request.shardBase;
  const last = base + tasks - 1;
  const shardDirs = Array.from({ length: tasks }, (_, i) => join(workDir, `shard-${base + i}`));
  const name = `mirage-${request.command.name}`;
  const arrayScript = renderBatchScript({
    jobName: name,
    settings: request.settings,
    array: `${base}-${last}`,
    output: join(workDir, 'logs', `${name}-%A_%a.out`),
    workDir: request.cwd,
    commands: [
      [
        ...request.mirage,
        ...request.command.shardArgv({ shell: `\${SLURM_ARRAY_TASK_ID}/${tasks}` }, { shell: `${workDir}/shard-\${SLURM_ARRAY_TASK_ID}` }),
      ],
    ],
  });
  const mergeScript = renderBatchScript({
    jobName: `${name}-merge`,
    settings: { ...request.settings, nodes: 1 },
    output: join(workDir, 'logs', `${name}-merge-%j.out`),
    workDir: request.cwd,
    commands: [[...request.mirage, ...request.command.mergeArgv(shardDirs, out)]],
  });
  return {
    tasks,
    out,
    workDir,
    shardDirs,
    arrayScriptPath: join(workDir, `${request.command.name}-array.sbatch`),
    mergeScriptPath: join(workDir, `${request.command.name}-merge.sbatch`),
    arrayScript,
    mergeScript,
  };
}

/** The merge job waits for every array task to succeed, and is dropped if one fails. */
export function mergeDependencyOptions(arrayJobId: string): string[] {
  return [`--dependency=afterok:${arrayJobId}`, '--kill-on-invalid-dep=yes'];
}

/** What `--dry-run` prints: both scripts and the two sbatch calls. */
export function describePlan(plan: ArrayRunPlan): string {
  return [
    `# ${plan.arrayScriptPath}`,
    plan.arrayScript,
    `# ${plan.mergeScriptPath}`,
    plan.mergeScript,
    '# submitted as:',
    `sbatch --parsable ${shellQuote(plan.arrayScriptPath)}`,
    `sbatch --parsable ${mergeDependencyOptions('<array job id>').join(' ')} ${shellQuote(plan.mergeScriptPath)}`,
    '',
  ].join('\n');
}

export interface ArrayRunIds {
  arrayJobId: string;
  mergeJobId: string;
}

/** Writes the scripts into the work directory and submits the array, then the dependent merge job. */
export async function submitArrayRun(plan: ArrayRunPlan, client: SlurmClient): Promise<ArrayRunIds> {
  await mkdir(join(plan.workDir, 'logs'), { recursive: true });
  await writeFileAtomic(plan.arrayScriptPath, plan.arrayScript);
  await writeFileAtomic(plan.mergeScriptPath, plan.mergeScript);
  const arrayJobId = await client.submit({ script: plan.arrayScriptPath, cwd: plan.workDir });
  const mergeJobId = await client.submit({ script: plan.mergeScriptPath, options: mergeDependencyOptions(arrayJobId), cwd: plan.workDir });
  return { arrayJobId, mergeJobId };
}

/**
 * The value of an option among the flags passed through to the local command
 * (`--name V` or `--name=V`; the last wins, as commander reads them), so the
 * submitting node can check it before N array tasks fail on it.
 */
export function passThroughValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) value = args[++i];
    else if (args[i].startsWith(`${name}=`)) value = args[i].slice(name.length + 1);
  }
  return value;
}
