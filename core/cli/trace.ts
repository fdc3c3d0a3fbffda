import { basename } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { JobFilter, LoadedTrace, TimeRange, TraceFormat, TraceStats } from '../trace/index.js';
import {
  computeTraceStats,
  filterJobs,
  formatClock,
  loadJobFilterFile,
  loadTraceFile,
  parseClock,
  parseTimeRange,
  TRACE_FORMATS,
  TraceFormatError,
  writeMirageDump,
  writeSwf,
} from '../trace/index.js';
import { progressReporter } from './progress.js';
import { registerTraceImport } from './trace-import.js';

interface LoadFlags {
  format: 'auto' | TraceFormat;
  ppn?: number;
  since?: number;
  until?: number;
  exclude: TimeRange[];
  excludeFile?: string;
  progress?: boolean;
}

interface InfoFlags extends LoadFlags {
  json?: boolean;
  capacity?: number;
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
  notes: string[];
  filter: { from: string | null; to: string | null; exclude: Array<{ from: string; to: string }> } | null;
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
      .option('--capacity <nodes>', 'cluster size for utilisation (default: SWF MaxNodes, else the peak running nodes)', positiveInt('--capacity')),
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
      .requiredOption('--out <file>', 'output file (written atomically)')
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
      process.stderr.write(
        `wrote ${jobs.length} jobs to ${flags.out} (${flags.to}${flags.to === 'mirage' ? `, ${flags.layout}` : ''}); ` +
          `read ${loaded.rows} rows, rejected ${loaded.rejectedCount}${loaded.jobs.length !== jobs.length ? `, ${loaded.jobs.length - jobs.length} outside the time filter` : ''}\n`,
      );
      for (const row of loaded.rejected.slice(0, 20)) process.stderr.write(`  rejected ${row.file}:${row.line}: ${row.reason}\n`);
    });
  });
}

async function reportErrors(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof TraceFormatError || error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`mirage trace: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

async function loadFiltered(file: string, flags: LoadFlags): Promise<{ loaded: LoadedTrace; jobs: LoadedTrace['jobs']; filter: JobFilter | null }> {
  const exclude = [...flags.exclude, ...(flags.excludeFile ? await loadJobFilterFile(flags.excludeFile) : [])];
  const showProgress = flags.progress || process.stderr.isTTY;
  const progress = showProgress ? progressReporter() : null;
  const loaded = await loadTraceFile(file, { format: flags.format, processorsPerNode: flags.ppn, onProgress: progress?.report });
  progress?.finish();
  const filtered = flags.since !== undefined || flags.until !== undefined || exclude.length > 0;
  const filter: JobFilter | null = filtered ? { from: flags.since, to: flags.until, exclude } : null;
  return { loaded, jobs: filter ? filterJobs(loaded.jobs, filter) : loaded.jobs, filter };
}

/** Loads, filters and summarises a trace: the data behind `mirage trace info`. */
export async function traceInfo(file: string, flags: Omit<InfoFlags, 'exclude'> & { exclude?: TimeRange[] }): Promise<TraceInfoReport> {
  const { loaded, jobs, filter } = await loadFiltered(file, { ...flags, exclude: flags.exclude ?? [] });
  const asText = (t: number | string | undefined): string | null => (t === undefined ? null : typeof t === 'number' ? formatClock(t) : t);
  return {
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
    notes: loaded.notes,
    filter: filter && {
      from: asText(filter.from),
      to: asText(filter.to),
      exclude: (filter.exclude ?? []).map((r) => ({ from: asText(r.from)!, to: asText(r.to)! })),
    },
    stats: computeTraceStats(jobs, { capacityNodes: flags.capacity ?? loaded.capacityNodes }),
  };
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
  lines.push(`rows ${n(r.rows)}${r.declaredRows !== null ? ` (count line says ${n(r.declaredRows)})` : ''}, jobs ${n(r.jobsLoaded)}, rejected ${n(r.rejectedCount)}`);
  for (const row of r.rejected.slice(0, 20)) lines.push(`  rejected line ${row.line}: ${row.reason}`);
  if (r.rejectedCount > 20) lines.push(`  ... ${n(r.rejectedCount - 20)} more (see --json)`);
  const repairs = Object.entries(r.repairs).filter(([, v]) => v > 0);
  lines.push(`repairs: ${repairs.length === 0 ? 'none' : repairs.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const skipped = Object.entries(r.skipped).filter(([, v]) => v > 0);
  if (skipped.length > 0) lines.push(`skipped: ${skipped.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  if (r.arrayTasksExpanded > 0) lines.push(`array records expanded into ${n(r.arrayTasksExpanded)} extra tasks`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  if (r.filter) {
    const ex = r.filter.exclude.map((e) => `${e.from}..${e.to}`).join(', ');
    lines.push(`filter: submit in [${r.filter.from ?? '-inf'}, ${r.filter.to ?? '+inf'})${ex ? `, excluding ${ex}` : ''}: ${n(r.jobs)} jobs kept`);
  }
  lines.push('');
  lines.push(`jobs ${n(s.jobs)}: ${n(s.complete)} complete, ${n(s.notStarted)} never started, ${n(s.noEnd)} without end`);
  lines.push(`span ${s.span.firstSubmit ?? '-'} .. ${s.span.last ?? '-'} (${s.span.days} days), ${n(Math.round(s.nodeHours))} node-hours`);
  lines.push(
    `capacity ${s.capacityNodes} nodes (${s.capacitySource === 'option' ? 'given' : 'peak running, no capacity given'}), ` +
      `peak running ${s.peakRunningNodes}, mean utilisation ${(s.meanUtilisation * 100).toFixed(1)} %`,
  );
  lines.push(`nodes: ${s.nodes.histogram.map((b) => `${b.label}:${b.count}`).join(' ')}  (mean ${s.nodes.mean}, max ${s.nodes.max})`);
  lines.push(`time limits: ${s.limitMinutes.histogram.filter((b) => b.count > 0).map((b) => `${b.label}:${b.count}`).join(' ')}${s.limitMinutes.unlimited > 0 ? ` unlimited:${s.limitMinutes.unlimited}` : ''}`);
  const w = s.waitSeconds;
  lines.push(`wait (${n(w.count)} started): mean ${duration(w.mean)}, p50 ${duration(w.p50)}, p90 ${duration(w.p90)}, p99 ${duration(w.p99)}, max ${duration(w.p100)}`);
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
