import { join, resolve } from 'node:path';
import { makeDir } from '../files/dirs.js';
import { acquireLock, describeOwner } from '../files/lock.js';
import type { Command } from 'commander';
import { listPresets, loadPipelineConfig } from '../pipeline/presets.js';
import { checkPipelineFits } from '../pipeline/limits.js';
import type { StageEvent } from '../pipeline/run.js';
import { summaryTable } from '../validate/report.js';
import { progressReporter } from './progress.js';
import { outPath, reportErrors } from './args.js';

/** The lock of a `mirage run` output folder (removed when the run ends; a killed run's is taken over). */
export const RUN_LOCK_FILE = '.mirage-run.lock';

interface RunFlags {
  config?: string;
  preset?: string;
  out?: string;
  json?: boolean;
}

/** `mirage run`: the whole experiment in one command, resumable. */
export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description(
      'run a whole experiment: trace -> dataset -> training -> validation -> report. Every stage writes a folder under OUT/stages named by a hash of its inputs; a finished stage is reused, an interrupted one continues. The config (JSON) defaults to the paper\'s LS6 experiment; --config overlays a file on --preset. Writes OUT/report.md, summary.json, reward.log, rewards.csv, charts/, pipeline.json and policy/ (the validated policy bundle that `mirage provision --policy OUT/policy` runs).',
    )
    .option('--config <file>', 'experiment configuration (JSON; fields as in assets/presets/paper-ls6.json)')
    .option('--preset <name>', `a bundled configuration: ${safePresetList()}`)
    .option('--out <dir>', 'output folder (default: runs/<config name>)', outPath)
    .option('--json', 'progress, stage events and the summary as JSON lines')
    .action((flags: RunFlags) => reportErrors('run', () => runCommand(flags)));
}

function safePresetList(): string {
  try {
    return listPresets().join(', ');
  } catch {
    return 'quick, paper-ls6';
  }
}

async function runCommand(flags: RunFlags): Promise<void> {
  const loaded = loadPipelineConfig({ configPath: flags.config, preset: flags.preset });
  const outDir = resolve(flags.out ?? `runs/${loaded.config.name}`);
  checkPipelineFits(loaded.config, outDir, { tracePath: loaded.tracePath });
  await makeDir(outDir);
  // One `mirage run` per output folder: a second one would write the same files at once.
  const lock = await acquireLock(join(outDir, RUN_LOCK_FILE), {
    what: 'mirage run',
    refusal: (owner) => `${outDir} is in use by ${describeOwner(owner)}; wait for it to finish, or choose another --out`,
  });
  const json = flags.json ?? false;
  const progress = progressReporter({ json: json ? true : undefined });
  const say = (text: string): void => {
    if (!json) process.stderr.write(`${text}\n`);
  };
  const abort = new AbortController();
  const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const onStage = (e: StageEvent): void => {
    progress.finish();
    if (json) {
      process.stdout.write(JSON.stringify({ type: 'stage', ...e }) + '\n');
      return;
    }
    if (e.status === 'start') say(`${e.stage}: running -> ${e.dir}`);
    else if (e.status === 'reused') say(`${e.stage}: up to date (${e.dir})`);
    else say(`${e.stage}: done in ${(e.seconds ?? 0).toFixed(1)} s`);
  };
  say(`mirage run: ${loaded.source} -> ${outDir}`);
  try {
    const onWarning = (message: string): void => {
      if (json) process.stdout.write(JSON.stringify({ type: 'warning', message }) + '\n');
      else say(`warning: ${message}`);
    };
    // The pipeline (and TensorFlow.js with it) loads when a run starts, not for every command.
    const { runPipeline } = await import('../pipeline/run.js');
    const result = await runPipeline(loaded.config, { outDir, tracePath: loaded.tracePath, signal: abort.signal, onProgress: progress.report, onStage, onWarning });
    progress.finish();
    if (json) {
      process.stdout.write(JSON.stringify({ type: 'summary', outDir, summary: result.summary }) + '\n');
    } else {
      process.stdout.write(`${summaryTable(result.summary.policies)}\n\n${outDir}/report.md\n${outDir}/policy (run it on a cluster: mirage provision --policy ${outDir}/policy ...)\n`);
    }
  } catch (error) {
    progress.finish();
    if (abort.signal.aborted) throw new Error('interrupted; run the same command again to continue where it stopped', { cause: error });
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await lock.release();
  }
}
