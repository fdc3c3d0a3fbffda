import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { datasetInfo, formatDatasetInfo } from '../dataset/info.js';
import type { DatasetPolicy, FeatureMode } from '../dataset/manifest.js';
import { mergeShards } from '../dataset/merge.js';
import { openDataset } from '../dataset/reader.js';
import { parseShard } from '../dataset/schedule.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import type { ChainScheduleFlags, TraceReadFlags } from './chain.js';
import { DEFAULT_WINDOW_LENGTH } from '../dataset/windows.js';
import { defaultThreadCount } from '../parallel/pool.js';
import { makeDir } from '../files/dirs.js';
import { addChainScheduleOptions, addTraceReadOptions, chainScheduleFromFlags, loadChainTrace } from './chain.js';
import { nonNegativeInt, outPath, probesArg, reportErrors } from './args.js';
import { progressReporter } from './progress.js';

interface GenerateFlags extends ChainScheduleFlags, TraceReadFlags {
  out: string;
  probes: number;
  quantile: number;
  policy: DatasetPolicy['kind'];
  features: FeatureMode;
  shard?: string;
  resume?: boolean;
  workers?: number;
  seed: number;
  json?: boolean;
}

/** `mirage dataset generate | merge | info`. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('generate training data from a trace (samples x probes), merge shards, inspect');

  const generate = dataset
    .command('generate')
    .description(
      'simulate every sample of a schedule and store, per sample and probe, the 144 x 42 feature window, the reward (s) and metadata. ' +
        'Runs on every core. An interrupted run continues with --resume; --shard K/N (K = 0..N-1, samples i with i % N == K) ' +
        'spreads one dataset over a Slurm job array, `mirage dataset merge` joins the shards.',
    );
  addTraceReadOptions(addChainScheduleOptions(generate))
    .requiredOption('--out <dir>', 'dataset folder to create (or to complete, with --resume)', outPath)
    .option('--probes <n>', 'successor submit times per sample, evenly spaced from predecessor submit to end (>= 2)', probesArg, 7)
    .addOption(
      new Option('--policy <kind>', 'probes (training data) or one baseline submit time per sample').choices(['probes', 'reactive', 'average', 'quantile']).default('probes'),
    )
    .option('--quantile <q>', 'quantile policy: submit this quantile (0..1) of the recent waits before pred ends', unitInterval, 0.5)
    .addOption(
      new Option('--features <mode>', "decision: snapshots up to the submit decision; reference: up to the successor's start (the reference's pairing)")
        .choices(['decision', 'reference'])
        .default('decision'),
    )
    .option('--shard <K/N>', 'generate only shard K of N')
    .option('--resume', 'continue an interrupted run in --out')
    .option('--workers <n>', 'worker threads (default: every core; 0 = this thread)', nonNegativeInt)
    .option('--seed <n>', 'recorded in the manifest', nonNegativeInt, 0)
    .option('--json', 'progress as JSON lines and the manifest as JSON on stdout')
    .action((flags: GenerateFlags) => reportErrors('dataset generate', async () => {
      const schedule = chainScheduleFromFlags(flags, { runsPerSample: flags.policy === 'probes' ? flags.probes : 1, windowLength: DEFAULT_WINDOW_LENGTH, threads: flags.workers || defaultThreadCount() });
      await makeDir(flags.out);
      const policy: DatasetPolicy =
        flags.policy === 'probes' ? { kind: 'probes', probes: flags.probes } : flags.policy === 'quantile' ? { kind: 'quantile', q: flags.quantile } : { kind: flags.policy };
      // Read here too, for the cluster size and the warnings a user must see before the workers start.
      const { sim } = await loadChainTrace(flags, schedule);
      const progress = progressReporter({ json: flags.json });
      const abort = new AbortController();
      const stop = (): void => abort.abort(new DOMException('interrupted', 'AbortError'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const started = Date.now();
      try {
        const result = await generateTraceDataset(
          {
            tracePath: flags.trace,
            format: flags.format,
            processorsPerNode: flags.ppn,
            partitions: flags.partition,
            defaultLimitMinutes: flags.defaultLimit,
            schedule,
            sim,
            policy,
            featureMode: flags.features,
            seed: flags.seed,
          },
          {
            outDir: flags.out,
            shard: flags.shard === undefined ? null : parseShard(flags.shard),
            resume: flags.resume,
            workers: flags.workers,
            signal: abort.signal,
            onProgress: progress.report,
          },
        );
        progress.finish();
        const seconds = (Date.now() - started) / 1000;
        if (flags.json) console.log(JSON.stringify(result.manifest));
        else {
          const { counts } = result.manifest;
          console.log(
            `${flags.out}: ${counts.samples} samples, ${counts.examples} examples (${result.simulated} simulated now` +
              `${result.resumed ? `, ${result.resumed} from before` : ''}) in ${seconds.toFixed(1)} s`,
          );
        }
      } catch (error) {
        progress.finish();
        if (abort.signal.aborted) throw new Error('interrupted; the finished samples are kept, continue with --resume', { cause: error });
        throw error;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }));

  dataset
    .command('merge')
    .description('join the shards of one `dataset generate --shard K/N` run into the dataset an unsharded run writes')
    .argument('<dirs...>', 'shard folders (all N of them)')
    .requiredOption('--out <dir>', 'dataset folder to create', outPath)
    .action((dirs: string[], flags: { out: string }) => reportErrors('dataset merge', async () => {
      await makeDir(flags.out);
      const manifest = await mergeShards(dirs, flags.out);
      console.log(`${flags.out}: ${manifest.counts.samples} samples, ${manifest.counts.examples} examples from ${dirs.length} shards`);
    }));

  dataset
    .command('info')
    .description('counts, reward distribution (percentiles in seconds and hours), feature ranges')
    .argument('<dir>', 'dataset folder')
    .option('--json', 'as JSON')
    .action((dir: string, flags: { json?: boolean }) => reportErrors('dataset info', async () => {
      const info = await datasetInfo(await openDataset(dir));
      process.stdout.write(flags.json ? JSON.stringify(info, null, 2) + '\n' : formatDatasetInfo(info));
    }));
}

/** Every failure here is the user's to act on (a flag, a folder, a trace): one line, exit status 1. */
function unitInterval(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a number in 0..1');
  return n;
}

