import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { ChainPolicy, ChainSchedule, SampleResult } from '../sim/chain.js';
import { ChainScheduleSchema, prepareWorkload, simulateSchedule } from '../sim/chain.js';
import type { SimConfig } from '../sim/config.js';
import { parseSimConfig } from '../sim/config.js';
import type { SimWarning } from '../sim/warnings.js';
import { scheduleWarnings } from '../sim/warnings.js';
import type { Workload } from '../sim/workload.js';
import type { Capacity, LoadedTrace, LoadOptions, SizeUnit, TraceFormat } from '../trace/index.js';
import { assumptionNotes, describeCapacity, formatClock, loadTraceFile, resolveCapacity, SIZE_UNITS, TRACE_FORMATS } from '../trace/index.js';
import type { ChainWork } from '../pipeline/limits.js';
import { checkFits, estimateChain, machineRoom } from '../pipeline/limits.js';
import { clockArg, errorLine, jobMinutesArg, nodesArg, positiveInt, positiveNumber, probesArg, rangeArg, terminalSafe } from './args.js';
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
  /** Undefined: the reference's 48 h (CHAIN_JOB_MINUTES). */
  jobMinutes?: number;
  exclude: Array<{ fromSec: number; toSec: number }>;
  /** Undefined: resolved from the trace (core/trace resolveCapacity). */
  nodes?: number;
  unit: SizeUnit;
}

/** The flags addTraceReadOptions defines: how the trace is read, beyond its format. */
export interface TraceReadFlags {
  ppn?: number;
  partition?: string[];
  defaultLimit?: number;
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
    .option('--job-nodes <n>', 'size of the predecessor and successor jobs, in --unit (nodes, or GPUs)', positiveInt, 1)
    .option('--job-minutes <m>', "time limit (and run time) of the predecessor and successor jobs, minutes (default: 2880, the reference's 48 h; use the cluster's own cap where it is shorter)", jobMinutesArg)
    .option('--exclude <from,to>', 'skip samples starting in [from, to) and the jobs submitted then (repeatable)', rangeArg, [] as Array<{ fromSec: number; toSec: number }>)
    .option(
      '--nodes <n>',
      "size of the simulated cluster, in --unit (default: the trace's declared size (SWF), the peak of the selected partitions or of the GPUs in use, said to be inferred, else 88 nodes, the reference's)",
      nodesArg,
    )
    .addOption(
      new Option('--unit <unit>', 'what sizes count: whole nodes (the reference), or GPUs (shared-node GPU clusters: sacct AllocTRES gres/gpu, SWF processors)')
        .choices([...SIZE_UNITS])
        .default('nodes'),
    );
}

/** How the trace is read: SWF processors per node, partitions, a limit for jobs without one. */
export function addTraceReadOptions(command: Command): Command {
  return command
    .option('--ppn <n>', 'SWF: processors per node (default: header MaxProcs/MaxNodes, else 1)', positiveInt)
    .option('--partition <names>', 'only the jobs of these partitions (comma-separated; `mirage trace info` lists them)', partitionList)
    .option('--default-limit <minutes>', 'time limit of jobs the trace gives none (SWF requested time -1, UNLIMITED); SWF rows default to their run time', positiveInt);
}

/** The LoadOptions the read flags ask for. */
export function traceLoadOptions(flags: { format: 'auto' | TraceFormat } & TraceReadFlags): LoadOptions {
  return {
    format: flags.format,
    ...(flags.ppn !== undefined ? { processorsPerNode: flags.ppn } : {}),
    ...(flags.partition !== undefined ? { partitions: flags.partition } : {}),
    ...(flags.defaultLimit !== undefined ? { defaultLimitMinutes: flags.defaultLimit } : {}),
  };
}

function partitionList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('partition names separated by commas, e.g. gpu-a100,gpu-h100');
  return names;
}

/**
 * The schedule the flags describe, refused (with the estimate) when keeping
 * its results would not fit this machine: `work` says what each sample holds
 * (default: one run, no features).
 */
export function chainScheduleFromFlags(flags: ChainScheduleFlags, work: Partial<Omit<ChainWork, 'samples'>> = {}): ChainSchedule {
  checkFits(
    `${flags.samples} samples`,
    estimateChain({ samples: flags.samples, runsPerSample: work.runsPerSample ?? 1, windowLength: work.windowLength ?? 0, threads: work.threads ?? 1 }),
    machineRoom(process.cwd()),
    '--samples (or --probes)',
  );
  return ChainScheduleSchema.parse({
    startSec: flags.start,
    samples: flags.samples,
    intervalHours: flags.intervalHours,
    warmupDays: flags.warmupDays,
    workloadDays: flags.workloadDays,
    jobNodes: flags.jobNodes,
    ...(flags.jobMinutes !== undefined ? { jobMinutes: flags.jobMinutes } : {}),
    ...(flags.exclude.length > 0 ? { exclude: flags.exclude } : {}),
  });
}

/** The trace a chain command simulates, with the simulator's configuration and what would make its results meaningless. */
export interface ChainTrace {
  trace: LoadedTrace;
  sim: SimConfig;
  capacity: Capacity;
  workload: Workload;
  warnings: SimWarning[];
}

/**
 * Loads the trace of --trace as the flags say, sizes the cluster (given or
 * resolved from the trace, core/trace resolveCapacity), prepares the workload
 * and checks the schedule against it; unless quiet, tells stderr what will be
 * simulated, what was left out, and every warning.
 */
export async function loadChainTrace(flags: ChainScheduleFlags & Partial<TraceReadFlags>, schedule: ChainSchedule, quiet = false): Promise<ChainTrace> {
  const options = traceLoadOptions(flags);
  const trace = await loadTraceFile(flags.trace, options);
  const capacity = resolveCapacity(trace, flags.unit, flags.nodes, (options.partitions ?? []).length > 0);
  const sim = parseSimConfig({ nodes: capacity.value, unit: flags.unit });
  const workload = prepareWorkload(trace.jobs, sim);
  const warnings = scheduleWarnings(workload, schedule, trace.jobs);
  if (!quiet) {
    // Ids, reasons and paths come from the trace: written terminal-safe.
    const say = (line: string): boolean => process.stderr.write(terminalSafe(`mirage: ${line}`) + '\n');
    say(`${trace.path}: ${workload.count.toLocaleString('en-US')} jobs simulated on a cluster of ${describeCapacity(capacity, flags.unit)}`);
    if (trace.rejectedCount > 0) {
      const first = trace.rejected[0];
      say(`${trace.rejectedCount} row(s) of ${trace.path} could not be read (first: line ${first.line}, ${first.reason})`);
    }
    for (const note of assumptionNotes(trace.assumptions, options.defaultLimitMinutes ?? null)) say(note);
    if (workload.unusable.length > 0) say(`${workload.unusable.length} job(s) left out (first: ${workload.unusable[0].id}, ${workload.unusable[0].reason})`);
    if (workload.duplicateIds.length > 0) say(`${workload.duplicateIds.length} repeated job id(s): the last row of each is used (first: ${workload.duplicateIds[0]})`);
    for (const warning of warnings) say(`warning: ${warning.message}`);
  }
  return { trace, sim, capacity, workload, warnings };
}

interface ChainFlags extends ChainScheduleFlags, TraceReadFlags {
  policy: 'reactive' | 'average' | 'probes';
  probes: number;
  json?: boolean;
}

/** The `--json` document of `mirage chain` (times as YYYY-MM-DDTHH:MM:SS, rewards in seconds; warnings as scheduleWarnings gives them). */
export function chainJson(results: readonly SampleResult[], warnings: readonly SimWarning[] = []): object {
  return {
    warnings,
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

export function formatChainTable(results: readonly SampleResult[], warnings: readonly SimWarning[] = []): string {
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
    // Repeated under the table: a reader of the results alone must see them too.
    ...warnings.map((w) => `warning: ${w.message}`),
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
  addTraceReadOptions(addChainScheduleOptions(command))
    .addOption(new Option('--policy <kind>', 'how the successor is submitted').choices(['reactive', 'average', 'probes']).default('reactive'))
    .option('--probes <n>', 'probes: submit times per sample (>= 2)', probesArg, 7)
    .option('--json', 'print one JSON document (times as YYYY-MM-DDTHH:MM:SS, rewards in seconds)')
    .action(async (flags: ChainFlags) => {
      try {
        const schedule = chainScheduleFromFlags(flags, { runsPerSample: flags.policy === 'probes' ? flags.probes : 1 });
        const { workload, warnings } = await loadChainTrace(flags, schedule);
        const policy: ChainPolicy = flags.policy === 'probes' ? { kind: 'probes', probes: flags.probes } : { kind: flags.policy };
        const progress = progressReporter({ json: flags.json });
        const results = simulateSchedule(workload, schedule, policy, { featureMode: 'none', onProgress: progress.report });
        progress.finish();
        process.stdout.write(flags.json ? JSON.stringify(chainJson(results, warnings)) + '\n' : formatChainTable(results, warnings));
      } catch (error) {
        process.stderr.write(errorLine('chain', error));
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
