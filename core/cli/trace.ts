import { basename, dirname } from 'node:path';
import { removeStaleTemps } from '../files/atomic.js';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { prepareWorkload } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Capacity, JobFilter, LoadedTrace, PartitionInfo, SizeUnit, TimeRange, TraceAssumptions, TraceFormat, TraceStats } from '../trace/index.js';
import {
  assumptionNotes,
  computeTraceStats,
  describeCapacity,
  describePartitions,
  filterJobs,
  formatClock,
  loadJobFilterFile,
  loadTraceFile,
  parseCapacitySpec,
  parseClock,
  parseTimeRange,
  resolveCapacity,
  SIZE_UNITS,
  TRACE_FORMATS,
  writeMirageDump,
  writeSwf,
} from '../trace/index.js';
import { outPath, reportErrors as reportCommandErrors, terminalSafe } from './args.js';
import { progressReporter } from './progress.js';
import { registerTraceImport } from './trace-import.js';

interface LoadFlags {
  format: 'auto' | TraceFormat;
  ppn?: number;
  partition?: string[];
  defaultLimit?: number;
  since?: number;
  until?: number;
  exclude: TimeRange[];
  excludeFile?: string;
  progress?: boolean;
}

interface InfoFlags extends LoadFlags {
  json?: boolean;
  /** A number (the whole cluster) or `partition=size,...`. */
  capacity?: string;
  unit?: SizeUnit;
}

interface ConvertFlags extends LoadFlags {
  to: TraceFormat;
  out: string;
  layout: 'tab' | 'spaces';
  countLine?: boolean;
  capacity?: number;
}

/** What `mirage trace info --json` prints. */
export interface TraceInfoReport {
  file: string;
  format: TraceFormat;
  sha256: string;
  rows: number;
  declaredRows: number | null;
  /** Jobs after any time filter. */
  jobs: number;
  /** Jobs the file holds, before any time filter. */
  jobsLoaded: number;
  rejectedCount: number;
  rejected: LoadedTrace['rejected'];
  repairs: LoadedTrace['repairs'];
  skipped: LoadedTrace['skipped'];
  arrayTasksExpanded: number;
  assumptions: TraceAssumptions;
  notes: string[];
  filter: { from: string | null; to: string | null; exclude: Array<{ from: string; to: string }> } | null;
  /** What a simulation of this trace (after any partition and time selection) replays, on which cluster. */
  simulation: {
    unit: SizeUnit;
    capacity: Capacity;
    jobs: number;
    /** Jobs left out, by reason. */
    leftOut: Record<string, number>;
    /** Jobs larger than the cluster (they never start). */
    oversized: number;
  };
  /** Every partition of the file (selected or not), most jobs first. */
  partitions: PartitionInfo[];
  /** Partitions kept (--partition); null: all. */
  selectedPartitions: string[] | null;
  /** The first block of the text report: what will be simulated, what was repaired or assumed. */
  summary: string[];
  stats: TraceStats;
}

const positiveInt = (what: string) => (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive whole number`);
  return n;
};

const clockArg = (text: string): number => {
  try {
    return parseClock(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const partitionList = (text: string): string[] => {
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('partition names separated by commas, e.g. gpu-a100,gpu-h100');
  return names;
};

const rangeArg = (text: string, previous: TimeRange[]): TimeRange[] => {
  try {
    return [...previous, parseTimeRange(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

function addLoadOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'the trace format').choices(['auto', ...TRACE_FORMATS]).default('auto'))
    .option('--ppn <n>', 'SWF: processors per node (default: header MaxProcs/MaxNodes, else 1)', positiveInt('--ppn'))
    .option('--partition <names>', 'only the jobs of these partitions (comma-separated)', partitionList)
    .option('--default-limit <minutes>', 'time limit of jobs the trace gives none (SWF requested time -1, UNLIMITED); SWF rows default to their run time', positiveInt('--default-limit'))
    .option('--since <time>', 'keep jobs submitted at or after YYYY-MM-DDTHH:MM:SS', clockArg)
    .option('--until <time>', 'keep jobs submitted before YYYY-MM-DDTHH:MM:SS', clockArg)
    .option('--exclude <from,to>', 'drop jobs submitted in [from, to) (repeatable)', rangeArg, [] as TimeRange[])
    .option('--exclude-file <json>', "drop jobs submitted in the ranges of a reference job_filter.json ({\"filter_range\": [[from, to], ...]})")
    .option('--progress', 'report loading progress on stderr even when it is not a terminal');
}

/** `mirage trace info` and `mirage trace convert`. */
export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description('read job traces (TACC/Mirage dump, sacct --parsable2, SWF): statistics, conversion');
  registerTraceImport(trace);

  addLoadOptions(
    trace
      .command('info')
      .description('load a trace, report rejected rows and repairs, and print its statistics')
      .argument('<file>', 'trace file (.log dump, sacct output, .swf, or .swf.gz)')
      .option('--json', 'print one JSON object (all statistics, hourly series included)')
      .option(
        '--capacity <size>',
        'cluster size in --unit, a number or per partition `name=size,...` (default: SWF MaxNodes/MaxProcs; per partition, the peak it has running, said to be inferred)',
      )
      .addOption(new Option('--unit <unit>', 'count nodes or GPUs (sacct AllocTRES gres/gpu, SWF processors)').choices([...SIZE_UNITS]).default('nodes')),
  ).action(async (file: string, flags: InfoFlags) => {
    await reportErrors(async () => {
      const report = await traceInfo(file, flags);
      process.stdout.write(flags.json ? compactJson(report) + '\n' : formatInfo(report));
    });
  });

  addLoadOptions(
    trace
      .command('convert')
      .description('write a trace as SWF or as the Mirage/TACC dump, optionally cut to a time range')
      .argument('<file>', 'trace file to read')
      .addOption(new Option('--to <format>', 'output format').choices(['swf', 'mirage']).makeOptionMandatory())
      .requiredOption('--out <file>', 'output file (written atomically)', outPath)
      .addOption(new Option('--layout <layout>', "mirage: 'tab' (lossless, like the public dumps) or 'spaces' (the reference's filtered-*.log)").choices(['tab', 'spaces']).default('tab'))
      .option('--count-line', 'mirage: start with a row-count line, as the public LS6 dump does (the reference cannot read it)')
      .option('--capacity <nodes>', 'swf: MaxNodes for the header (default: SWF MaxNodes of the input, else the largest job)', positiveInt('--capacity')),
  ).action(async (file: string, flags: ConvertFlags) => {
    await reportErrors(async () => {
      const { loaded, jobs } = await loadFiltered(file, flags);
      if (flags.to === 'swf') {
        await writeSwf(jobs, flags.out, { processorsPerNode: flags.ppn, capacityNodes: flags.capacity ?? loaded.capacityNodes, source: basename(loaded.path) });
      } else {
        await writeMirageDump(jobs, flags.out, { layout: flags.layout, countLine: flags.countLine });
      }
      // Temps a killed earlier convert left beside the output.
      await removeStaleTemps(dirname(flags.out));
      process.stderr.write(
        `wrote ${jobs.length} jobs to ${flags.out} (${flags.to}${flags.to === 'mirage' ? `, ${flags.layout}` : ''}); ` +
          `read ${loaded.rows} rows, rejected ${loaded.rejectedCount}${loaded.jobs.length !== jobs.length ? `, ${loaded.jobs.length - jobs.length} outside the time filter` : ''}\n`,
      );
      for (const row of loaded.rejected.slice(0, 20)) process.stderr.write(terminalSafe(`  rejected ${row.file}:${row.line}: ${row.reason}`) + '\n');
      const unknownStarts = jobs.filter((j) => j.startUnknown).length;
      if (unknownStarts > 0 && flags.to === 'mirage') {
        // The dump has no way to say "start unknown": the start it writes is an assumption, and its waits will read 0.
        process.stderr.write(`  note: ${unknownStarts} jobs have no recorded start: written with start = submit (the simulator does not use it; waits of the dump read 0)\n`);
      }
    });
  });
}

/** Every failure of `mirage trace` is reported in one line (file-system errors in words), never as a stack trace. */
function reportErrors(work: () => Promise<void>): Promise<void> {
  return reportCommandErrors('trace', work);
}

async function loadFiltered(file: string, flags: LoadFlags): Promise<{ loaded: LoadedTrace; jobs: LoadedTrace['jobs']; filter: JobFilter | null }> {
  const exclude = [...flags.exclude, ...(flags.excludeFile ? await loadJobFilterFile(flags.excludeFile) : [])];
  const showProgress = flags.progress || process.stderr.isTTY;
  const progress = showProgress ? progressReporter() : null;
  const loaded = await loadTraceFile(file, {
    format: flags.format,
    processorsPerNode: flags.ppn,
    partitions: flags.partition,
    defaultLimitMinutes: flags.defaultLimit,
    onProgress: progress?.report,
  });
  progress?.finish();
  const filtered = flags.since !== undefined || flags.until !== undefined || exclude.length > 0;
  const filter: JobFilter | null = filtered ? { from: flags.since, to: flags.until, exclude } : null;
  return { loaded, jobs: filter ? filterJobs(loaded.jobs, filter) : loaded.jobs, filter };
}

/** Loads, filters and summarises a trace: the data behind `mirage trace info`. */
export async function traceInfo(file: string, flags: Omit<InfoFlags, 'exclude'> & { exclude?: TimeRange[] }): Promise<TraceInfoReport> {
  const { loaded, jobs, filter } = await loadFiltered(file, { ...flags, exclude: flags.exclude ?? [] });
  const unit = flags.unit ?? 'nodes';
  const spec = flags.capacity === undefined ? { total: null, byPartition: new Map<string, number>() } : parseCapacitySpec(flags.capacity);
  const selected = flags.partition && flags.partition.length > 0 ? flags.partition : null;
  // The listing covers every partition, so a selection reads the file once more, whole.
  const everyJob = selected ? (await loadTraceFile(file, { format: flags.format, processorsPerNode: flags.ppn, defaultLimitMinutes: flags.defaultLimit })).jobs : loaded.jobs;
  const partitions = describePartitions(everyJob, unit, spec.byPartition);
  const capacity = simulatedCapacity(loaded, jobs, unit, spec, selected, partitions);
  const workload = prepareWorkload(jobs, parseSimConfig({ nodes: capacity.value, unit }));
  const leftOut: Record<string, number> = {};
  for (const u of workload.unusable) leftOut[u.reason] = (leftOut[u.reason] ?? 0) + 1;
  const asText = (t: number | string | undefined): string | null => (t === undefined ? null : typeof t === 'number' ? formatClock(t) : t);
  const report: Omit<TraceInfoReport, 'summary'> = {
    file: loaded.path,
    format: loaded.format,
    sha256: loaded.sha256,
    rows: loaded.rows,
    declaredRows: loaded.declaredRows,
    jobs: jobs.length,
    jobsLoaded: loaded.jobs.length,
    rejectedCount: loaded.rejectedCount,
    rejected: loaded.rejected,
    repairs: loaded.repairs,
    skipped: loaded.skipped,
    arrayTasksExpanded: loaded.arrayTasksExpanded,
    assumptions: loaded.assumptions,
    notes: loaded.notes,
    filter: filter && {
      from: asText(filter.from),
      to: asText(filter.to),
      exclude: (filter.exclude ?? []).map((r) => ({ from: asText(r.from)!, to: asText(r.to)! })),
    },
    simulation: { unit, capacity, jobs: workload.count, leftOut, oversized: workload.oversized.length },
    partitions,
    selectedPartitions: selected,
    // Utilisation needs a real size: the reference's 88 would be a guess about another cluster, so the peak stands in.
    stats: computeTraceStats(jobs, { unit, capacityNodes: capacity.source === 'reference' ? null : capacity.value }),
  };
  return { ...report, summary: summaryBlock(report, flags.defaultLimit ?? null) };
}

/** The cluster a simulation of the selection would use: given, the selected partitions' sizes added up, or as resolveCapacity says. */
function simulatedCapacity(
  loaded: LoadedTrace,
  jobs: LoadedTrace['jobs'],
  unit: SizeUnit,
  spec: ReturnType<typeof parseCapacitySpec>,
  selected: string[] | null,
  partitions: PartitionInfo[],
): Capacity {
  if (spec.total !== null) return resolveCapacity(loaded, unit, spec.total);
  if (selected) {
    const parts = partitions.filter((p) => selected.includes(p.name));
    const value = parts.reduce((sum, p) => sum + p.capacity.value, 0);
    const inferred = parts.some((p) => p.capacity.inferred);
    return { value: Math.max(1, value), source: inferred ? 'inferred' : 'given', inferred };
  }
  return resolveCapacity({ jobs, capacityNodes: loaded.capacityNodes, capacityProcessors: loaded.capacityProcessors }, unit);
}

const plural = (count: number, one: string, many = `${one}s`): string => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

/** What will be simulated, then what was left out, assumed, repaired and rejected: a few lines a user reads first. */
function summaryBlock(r: Omit<TraceInfoReport, 'summary'>, defaultLimit: number | null): string[] {
  const sim = r.simulation;
  const unitWord = sim.unit === 'gpus' ? 'GPUs' : 'nodes';
  const lines: string[] = [];
  const where = r.selectedPartitions ? ` of partition${r.selectedPartitions.length > 1 ? 's' : ''} ${r.selectedPartitions.join(', ')}` : '';
  lines.push(`simulated: ${plural(sim.jobs, 'job')} of ${plural(r.jobs, 'job')}${where}, sized in ${unitWord}, on a cluster of ${describeCapacity(sim.capacity, sim.unit)}`);
  if (sim.jobs === 0) lines.push('warning: no job can be simulated: every sample would replay an empty cluster');
  const left = Object.entries(r.simulation.leftOut).sort((a, b) => b[1] - a[1]);
  if (left.length > 0) lines.push(`left out: ${left.map(([reason, count]) => `${count.toLocaleString('en-US')} ${reason}`).join('; ')}`);
  if (sim.oversized > 0) lines.push(`warning: ${plural(sim.oversized, 'job')} larger than the cluster's ${sim.capacity.value} ${unitWord} can never start (is the size right?)`);
  for (const note of assumptionNotes(r.assumptions, defaultLimit)) lines.push(`assumed: ${note}`);
  const repairs = Object.entries(r.repairs).filter(([, v]) => v > 0);
  if (repairs.length > 0) lines.push(`repaired: ${repairs.map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`);
  if (r.rejectedCount > 0) lines.push(`rejected: ${plural(r.rejectedCount, 'row')} (first: line ${r.rejected[0].line}, ${r.rejected[0].reason})`);
  if (r.partitions.length > 1 && !r.selectedPartitions) lines.push(`partitions: ${r.partitions.length} in the trace, simulated together (--partition NAME selects; listed below)`);
  return lines;
}

const n = (x: number): string => x.toLocaleString('en-US');

function duration(sec: number): string {
  if (sec < 120) return `${Math.round(sec)}s`;
  if (sec < 7200) return `${(sec / 60).toFixed(1)}m`;
  return `${(sec / 3600).toFixed(2)}h`;
}

/** The human-readable `trace info` report. */
export function formatInfo(r: TraceInfoReport): string {
  const s = r.stats;
  const lines: string[] = [];
  lines.push(`${r.file}  (${r.format}, sha256 ${r.sha256.slice(0, 16)}...)`);
  for (const line of r.summary) lines.push(`  ${line}`);
  lines.push('');
  lines.push(`rows ${n(r.rows)}${r.declaredRows !== null ? ` (count line says ${n(r.declaredRows)})` : ''}, jobs ${n(r.jobsLoaded)}, rejected ${n(r.rejectedCount)}`);
  for (const row of r.rejected.slice(0, 20)) lines.push(`  rejected line ${row.line}: ${row.reason}`);
  if (r.rejectedCount > 20) lines.push(`  ... ${n(r.rejectedCount - 20)} more (see --json)`);
  const repairs = Object.entries(r.repairs).filter(([, v]) => v > 0);
  lines.push(`repairs: ${repairs.length === 0 ? 'none' : repairs.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const skipped = Object.entries(r.skipped).filter(([, v]) => v > 0);
  if (skipped.length > 0) lines.push(`skipped: ${skipped.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  if (r.arrayTasksExpanded > 0) lines.push(`array records expanded into ${n(r.arrayTasksExpanded)} extra tasks`);
  // The assumptions lead the report already.
  const assumed = new Set(r.summary.filter((l) => l.startsWith('assumed: ')).map((l) => l.slice('assumed: '.length)));
  for (const note of r.notes) if (!assumed.has(note)) lines.push(`note: ${note}`);
  if (r.partitions.length > 1 || r.selectedPartitions) {
    const unitWord = r.simulation.unit === 'gpus' ? 'GPUs' : 'nodes';
    lines.push(`partitions (sizes in ${unitWord}):`);
    const width = Math.max(...r.partitions.map((p) => (p.name || '(none)').length));
    for (const p of r.partitions) {
      const mark = r.selectedPartitions?.includes(p.name) ? '*' : ' ';
      const size = p.capacity.inferred ? `${p.capacity.value} inferred (peak running; give --capacity ${p.name || "''"}=N)` : `${p.capacity.value} given`;
      lines.push(
        ` ${mark} ${(p.name || '(none)').padEnd(width)} ${n(p.jobs).padStart(8)} jobs, ${n(p.simulatable).padStart(8)} simulatable, ` +
          `job size ${p.size.min}-${p.size.max} (median ${p.size.median}), cluster ${size}`,
      );
    }
  }
  if (r.filter) {
    const ex = r.filter.exclude.map((e) => `${e.from}..${e.to}`).join(', ');
    lines.push(`filter: submit in [${r.filter.from ?? '-inf'}, ${r.filter.to ?? '+inf'})${ex ? `, excluding ${ex}` : ''}: ${n(r.jobs)} jobs kept`);
  }
  lines.push('');
  lines.push(`jobs ${n(s.jobs)}: ${n(s.complete)} complete, ${n(s.notStarted)} never started, ${n(s.noEnd)} without end`);
  lines.push(`span ${s.span.firstSubmit ?? '-'} .. ${s.span.last ?? '-'} (${s.span.days} days), ${n(Math.round(s.nodeHours))} ${s.unit === 'gpus' ? 'GPU' : 'node'}-hours`);
  const unitWord = s.unit === 'gpus' ? 'GPUs' : 'nodes';
  lines.push(
    `capacity ${s.capacityNodes} ${unitWord} (${s.capacitySource === 'option' ? 'given' : 'peak running, no capacity given'}), ` +
      `peak running ${s.peakRunningNodes}, mean utilisation ${(s.meanUtilisation * 100).toFixed(1)} %`,
  );
  lines.push(`${unitWord}${s.unsized > 0 ? ` (${n(s.unsized)} jobs without a count, as 0)` : ''}: ${s.nodes.histogram.map((b) => `${b.label}:${b.count}`).join(' ')}  (mean ${s.nodes.mean}, max ${s.nodes.max})`);
  lines.push(`time limits: ${s.limitMinutes.histogram.filter((b) => b.count > 0).map((b) => `${b.label}:${b.count}`).join(' ')}${s.limitMinutes.unlimited > 0 ? ` unlimited:${s.limitMinutes.unlimited}` : ''}`);
  const w = s.waitSeconds;
  const unknown = s.startUnknown > 0 ? `; ${n(s.startUnknown)} with unknown start left out` : '';
  lines.push(`wait (${n(w.count)} started${unknown}): mean ${duration(w.mean)}, p50 ${duration(w.p50)}, p90 ${duration(w.p90)}, p99 ${duration(w.p99)}, max ${duration(w.p100)}`);
  const h = s.hourly;
  const peakQueued = h.peakQueuedJobs.reduce((m, v) => Math.max(m, v), 0);
  const busiest = h.submittedJobs.reduce((m, v) => Math.max(m, v), 0);
  lines.push(`hourly (${n(h.hours)} hours from ${h.start ?? '-'}): peak queued ${peakQueued} jobs, busiest hour ${busiest} submissions (series in --json)`);
  return lines.join('\n') + '\n';
}

/** JSON indented by structure, with short objects and every array of numbers on one line (hourly series stay readable). */
export function compactJson(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return 'null';
  if (typeof value !== 'object' || value === null) return flat;
  const numbers = Array.isArray(value) && value.every((v) => typeof v === 'number');
  if (numbers || flat.length <= 100) return flat;
  const inner = indent + '  ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + compactJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`).join(',\n')}\n${indent}}`;
}
