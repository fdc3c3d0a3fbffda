import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { ChainPolicy, ChainSchedule, SampleResult } from '../sim/chain.js';
import { ChainScheduleSchema, prepareWorkload, simulateSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import type { TraceFormat } from '../trace/index.js';
import { formatClock, loadTraceFile, TRACE_FORMATS } from '../trace/index.js';
import { clockArg, positiveInt, positiveNumber, probesArg, rangeArg } from './args.js';
import { progressReporter } from './progress.js';

/** The flags addChainScheduleOptions defines, as commander hands them over. */
export interface ChainScheduleFlags {
  trace: string;
  format: 'auto' | TraceFormat;
  start: number;
  samples: number;
  intervalHours: number;
  warmupDays: number;
  workloadDays: number;
  jobNodes: number;
  exclude: Array<{ fromSec: number; toSec: number }>;
  nodes: number;
}

/**
 * The trace and sample-schedule flags every chain command shares (`mirage
 * chain`, dataset generation, validation): same names, same defaults, the
 * reference's values.
 */
export function addChainScheduleOptions(command: Command, options: { enforceRequired?: boolean } = {}): Command {
  // A command with sub-commands (`validate merge`) checks --trace/--start itself: commander would demand them of the sub-command too.
  const enforce = options.enforceRequired ?? true;
  const required = (flags: string, description: string, parse?: (value: string) => unknown): Command =>
    enforce
      ? parse ? command.requiredOption(flags, description, parse) : command.requiredOption(flags, description)
      : parse ? command.option(flags, `${description} (required)`, parse) : command.option(flags, `${description} (required)`);
  required('--trace <file>', 'job trace (Mirage dump, sacct, SWF)');
  required('--start <time>', 'first sample start, YYYY-MM-DDTHH:MM:SS (cluster clock)', clockArg(1_677_628_800));
  return command
    .addOption(new Option('--format <format>', 'trace format').choices(['auto', ...TRACE_FORMATS]).default('auto'))
    .option('--samples <n>', 'samples in the schedule', positiveInt, 1)
    .option('--interval-hours <h>', 'hours between sample starts', positiveNumber, 4)
    .option('--warmup-days <d>', 'days simulated before the predecessor is submitted', nonNegativeNumber, 2)
    .option('--workload-days <d>', 'days of trace submissions each sample replays', positiveNumber, 5)
    .option('--job-nodes <n>', 'nodes of the predecessor and successor jobs', positiveInt, 1)
    .option('--exclude <from,to>', 'skip samples starting in [from, to) and the jobs submitted then (repeatable)', rangeArg, [] as Array<{ fromSec: number; toSec: number }>)
    .option('--nodes <n>', 'nodes of the simulated cluster', positiveInt, 88);
}

export function chainScheduleFromFlags(flags: ChainScheduleFlags): ChainSchedule {
  return ChainScheduleSchema.parse({
    startSec: flags.start,
    samples: flags.samples,
    intervalHours: flags.intervalHours,
    warmupDays: flags.warmupDays,
    workloadDays: flags.workloadDays,
    jobNodes: flags.jobNodes,
    ...(flags.exclude.length > 0 ? { exclude: flags.exclude } : {}),
  });
}

/** Loads the trace of --trace and prepares it for the simulator, telling stderr what was left out or looks wrong. */
export async function loadChainWorkload(flags: ChainScheduleFlags, quiet = false): Promise<Workload> {
  const trace = await loadTraceFile(flags.trace, { format: flags.format });
  const workload = prepareWorkload(trace.jobs, parseSimConfig({ nodes: flags.nodes }));
  if (!quiet) {
    const say = (line: string): boolean => process.stderr.write(`mirage: ${line}\n`);
    if (trace.rejectedCount > 0) {
      const first = trace.rejected[0];
      say(`${trace.rejectedCount} row(s) of ${trace.path} could not be read (first: line ${first.line}, ${first.reason})`);
    }
    if (workload.unusable.length > 0) say(`${workload.unusable.length} job(s) left out (first: ${workload.unusable[0].id}, ${workload.unusable[0].reason})`);
    if (workload.duplicateIds.length > 0) say(`${workload.duplicateIds.length} repeated job id(s): the last row of each is used (first: ${workload.duplicateIds[0]})`);
    if (workload.oversized.length > 0) {
      const first = workload.oversized[0];
      say(
        `${workload.oversized.length} job(s) ask for more than the cluster's ${flags.nodes} nodes and can never start ` +
          `(first: ${first.id}, ${first.nodes} nodes, line ${first.line}); they stay in the queue as in the reference`,
      );
    }
  }
  return workload;
}

interface ChainFlags extends ChainScheduleFlags {
  policy: 'reactive' | 'average' | 'probes';
  probes: number;
  json?: boolean;
}

/** The `--json` document of `mirage chain` (times as YYYY-MM-DDTHH:MM:SS, rewards in seconds). */
export function chainJson(results: readonly SampleResult[]): object {
  return {
    samples: results.map((r) => ({
      index: r.index,
      sampleStart: formatClock(r.sampleStartSec),
      predSubmit: formatClock(r.predSubmitSec),
      predStart: formatClock(r.predStartSec),
      predEnd: formatClock(r.predEndSec),
      avgWaitMinutes: r.avgWaitMinutes,
      queueLength: r.queueLength,
      runs: r.runs.map((run) => ({ submit: formatClock(run.submitSec), succStart: formatClock(run.succStartSec), rewardSeconds: run.rewardSeconds })),
    })),
  };
}

/** Mean interruption (hours, overlaps count as 0) and the share of runs with reward <= 0. */
export function chainSummary(results: readonly SampleResult[]): { runs: number; meanInterruptionHours: number; seamlessShare: number } {
  const rewards = results.flatMap((r) => r.runs.map((run) => run.rewardSeconds));
  const n = Math.max(rewards.length, 1);
  return {
    runs: rewards.length,
    meanInterruptionHours: rewards.reduce((sum, s) => sum + Math.max(s, 0), 0) / 3600 / n,
    seamlessShare: rewards.filter((s) => s <= 0).length / n,
  };
}

export function formatChainTable(results: readonly SampleResult[]): string {
  const header = ['sample', 'start', 'pred start', 'avg wait', 'queue', 'succ submit', 'succ start', 'reward h'];
  const rows = results.flatMap((r) =>
    r.runs.map((run, k) => [
      k === 0 ? String(r.index) : '',
      k === 0 ? formatClock(r.sampleStartSec) : '',
      k === 0 ? formatClock(r.predStartSec) : '',
      k === 0 ? `${r.avgWaitMinutes} min` : '',
      k === 0 ? String(r.queueLength) : '',
      formatClock(run.submitSec),
      formatClock(run.succStartSec),
      (run.rewardSeconds / 3600).toFixed(3),
    ]),
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  const s = chainSummary(results);
  return [
    line(header),
    ...rows.map(line),
    '',
    `${results.length} samples, ${s.runs} runs: mean interruption ${s.meanInterruptionHours.toFixed(3)} h, ` +
      `reward <= 0 (no interruption) in ${(100 * s.seamlessShare).toFixed(1)} %`,
    '',
  ].join('\n');
}

/** `mirage chain`: simulate the job chain of each sample under a baseline policy. */
export function registerChainCommands(program: Command): void {
  const command = program
    .command('chain')
    .description(
      "simulate each sample's job chain (predecessor submitted after the warm-up, successor by a policy) and print the " +
        'rewards, successor start - predecessor end (> 0 interruption, < 0 overlap). Policies: reactive (submit when pred ends), ' +
        'average (that minus the mean of the last 100 waits), probes (N submit times evenly spaced over pred, as training data).',
    );
  addChainScheduleOptions(command)
    .addOption(new Option('--policy <kind>', 'how the successor is submitted').choices(['reactive', 'average', 'probes']).default('reactive'))
    .option('--probes <n>', 'probes: submit times per sample (>= 2)', probesArg, 7)
    .option('--json', 'print one JSON document (times as YYYY-MM-DDTHH:MM:SS, rewards in seconds)')
    .action(async (flags: ChainFlags) => {
      try {
        const schedule = chainScheduleFromFlags(flags);
        const workload = await loadChainWorkload(flags);
        const policy: ChainPolicy = flags.policy === 'probes' ? { kind: 'probes', probes: flags.probes } : { kind: flags.policy };
        const progress = progressReporter({ json: flags.json });
        const results = simulateSchedule(workload, schedule, policy, { featureMode: 'none', onProgress: progress.report });
        progress.finish();
        process.stdout.write(flags.json ? JSON.stringify(chainJson(results)) + '\n' : formatChainTable(results));
      } catch (error) {
        process.stderr.write(`mirage chain: ${error instanceof Error ? error.message : String(error)}\n`);
        if (process.env.MIRAGE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
        process.exitCode = 1;
      }
    });
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number >= 0');
  return n;
}
