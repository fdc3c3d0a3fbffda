import { assumptionNotes } from './assumptions.js';
import { JobCollector } from './collector.js';
import { MirageReader } from './formats/mirage.js';
import type { FormatReader } from './formats/reader.js';
import { SacctReader } from './formats/sacct.js';
import { SwfReader } from './formats/swf.js';
import type { LoadedTrace, LoadOptions, TraceFormat } from './types.js';
import { TraceFormatError } from './types.js';

export type ParsedTrace = Omit<LoadedTrace, 'path' | 'sha256'>;

const COUNT_LINE = /^\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const SACCT_HEADER = /(^|\|)\s*jobid\s*(\||$)/i;

/**
 * Turns a trace's lines, fed in order, into a LoadedTrace's content. Detects
 * the format from the first meaningful line unless told; holds only the few
 * lines it needs to decide, so a caller can stream any size of file through it.
 */
export class TraceParser {
  private readonly out: JobCollector;
  private reader: FormatReader | null = null;
  private format: TraceFormat | null;
  private held: Array<[string, number]> = [];
  private sawCountLine = false;

  constructor(
    private readonly file: string,
    private readonly options: LoadOptions = {},
  ) {
    const defaultLimit = options.defaultLimitMinutes;
    if (defaultLimit !== undefined && !(Number.isInteger(defaultLimit) && defaultLimit > 0)) {
      throw new RangeError(`the default limit must be a whole number of minutes >= 1, not ${defaultLimit}`);
    }
    const partitions = options.partitions && options.partitions.length > 0 ? new Set(options.partitions) : null;
    this.out = new JobCollector(file, options.capDurations ?? true, options.maxRejectedKept ?? 10_000, defaultLimit ?? null, partitions);
    this.format = options.format === undefined || options.format === 'auto' ? null : options.format;
    if (this.format !== null) this.reader = this.makeReader(this.format);
  }

  pushLine(text: string, lineNo: number): void {
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (this.reader !== null) return this.reader.line(text, lineNo);
    if (text.includes('\u0000')) throw new TraceFormatError(this.file, lineNo, 'not a job trace: the file is binary (it holds NUL bytes)');
    this.held.push([text, lineNo]);
    const format = this.detect(text, lineNo);
    if (format === null) return;
    this.format = format;
    this.reader = this.makeReader(format);
    const held = this.held;
    this.held = [];
    for (const [t, n] of held) this.reader.line(t, n);
  }

  finish(): ParsedTrace {
    if (this.reader === null || this.format === null) {
      throw new TraceFormatError(this.file, null, 'not a job trace: the file has no header and no rows');
    }
    this.reader.end();
    const out = this.out;
    if (out.rows > 0 && out.jobs.length === 0 && out.rejectedCount === out.rows) {
      const first = out.sortedRejected()[0];
      throw new TraceFormatError(this.file, first.line, `none of the ${out.rows} rows reads as ${this.format} (first: ${first.reason}); is --format right?`);
    }
    this.checkPartitions();
    const mirage = this.reader instanceof MirageReader ? this.reader : null;
    const swf = this.reader instanceof SwfReader ? this.reader : null;
    let notStarted = 0;
    let noEnd = 0;
    let runUnknown = 0;
    let noLimit = 0;
    for (const job of out.jobs) {
      if (job.startSec === null) notStarted++;
      else if (job.runUnknown) runUnknown++;
      else if (job.endSec === null) noEnd++;
      if (job.limitMinutes === null) noLimit++;
    }
    const jobs = (n: number): string => (n === 1 ? '1 job' : `${n} jobs`);
    const a = out.assumptions;
    if (notStarted > 0) out.notes.push(`${jobs(notStarted)} never started (pending or cancelled before start): kept, but not simulated`);
    if (noEnd > 0) out.notes.push(`${jobs(noEnd)} started but did not end (running when the trace was taken): kept, but not simulated`);
    if (runUnknown > 0) out.notes.push(`${jobs(runUnknown)} started with an unknown run time (SWF -1): kept, but neither simulated nor counted in the running load`);
    out.notes.push(...assumptionNotes(a, out.defaultLimitMinutes));
    if (noLimit > 0) {
      out.notes.push(`${jobs(noLimit)} without a time limit (UNLIMITED, Partition_Limit or unknown): durations not capped, not simulated (--default-limit MINUTES gives them one)`);
    }
    if (out.rejectedCount > out.rejected.length) out.notes.push(`${out.rejectedCount} rows were rejected; the first ${out.rejected.length} are listed`);
    return {
      format: this.format,
      jobs: out.jobs,
      rejected: out.sortedRejected(),
      rejectedCount: out.rejectedCount,
      repairs: out.repairs,
      assumptions: out.assumptions,
      skipped: out.skipped,
      arrayTasksExpanded: out.arrayTasksExpanded,
      notes: out.notes,
      rows: out.rows,
      declaredRows: mirage?.declaredRows ?? null,
      capacityNodes: swf?.capacityNodes ?? null,
      capacityProcessors: swf?.capacityProcessors ?? null,
    };
  }

  /** A selected partition the trace never names is a mistake, not an empty selection. */
  private checkPartitions(): void {
    const names = this.options.partitions ?? [];
    if (names.length === 0) return;
    const seen = this.out.partitionsSeen;
    const missing = names.filter((n) => !seen.has(n));
    if (missing.length > 0) {
      const have = [...seen].filter((n) => n !== '').sort();
      throw new RangeError(
        `${this.file}: no job of partition ${missing.map((m) => `'${m}'`).join(', ')}; ` + (have.length > 0 ? `the trace has: ${have.join(', ')}` : 'the trace names no partitions'),
      );
    }
    const kept = this.out.jobs.length;
    this.out.notes.push(`partition${names.length > 1 ? 's' : ''} ${names.join(', ')} selected: ${kept} jobs kept, ${this.out.skipped.otherPartitions} of other partitions left out`);
  }

  private makeReader(format: TraceFormat): FormatReader {
    switch (format) {
      case 'mirage':
        return new MirageReader(this.out);
      case 'sacct':
        return new SacctReader(this.out);
      case 'swf':
        return new SwfReader(this.out, this.options.processorsPerNode);
    }
  }

  /** The format the line shows, or null when it does not tell yet (blank or count line). */
  private detect(text: string, lineNo: number): TraceFormat | null {
    const t = text.trim();
    if (t === '') return null;
    if (t.startsWith(';')) return 'swf';
    if (t.includes('|')) {
      if (SACCT_HEADER.test(t)) return 'sacct';
    } else {
      if (!this.sawCountLine && COUNT_LINE.test(t)) {
        this.sawCountLine = true;
        return null;
      }
      const tokens = t.split(/\s+/);
      if (tokens.some((w) => w.toLowerCase() === 'jobid')) return 'mirage';
      if (tokens.length === 18 && tokens.every((w) => NUMBER.test(w))) return 'swf';
    }
    const shown = t.length > 80 ? t.slice(0, 80) + '...' : t;
    throw new TraceFormatError(
      this.file,
      lineNo,
      `not a job trace: '${shown}' is neither a TACC/Mirage dump header (JobID ... NNodes), ` +
        `a sacct --parsable2 header (JobID|Submit|Start|End|Timelimit|NNodes) nor SWF (';' header comments, 18 numbers a row)`,
    );
  }
}

/** Parses a whole trace held in a string (tests, files uploaded to the GUI). */
export function parseTraceLines(text: string, file: string, options: LoadOptions = {}): ParsedTrace {
  const parser = new TraceParser(file, options);
  let lineNo = 0;
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    parser.pushLine(text.slice(from, end), ++lineNo);
    from = nl + 1;
  }
  return parser.finish();
}
