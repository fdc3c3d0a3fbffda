import type { JobCollector } from '../collector.js';
import { TraceFormatError } from '../types.js';
import type { FormatReader } from './reader.js';
import type { SlurmColumns } from './slurm-row.js';
import { addSlurmRow, explainExtraField, slurmColumns } from './slurm-row.js';

const COUNT_LINE = /^\s*\d+\s*$/;
const RULER = /^[\s-]*-[\s-]*$/;

/**
 * The TACC / Mirage dump: an optional count line, a header of column names, a
 * ruler of dashes, then rows separated by TABs (public traces) or by runs of
 * spaces (the reference's filtered-*.log, which is sacct's fixed-width output).
 */
export class MirageReader implements FormatReader {
  declaredRows: number | null = null;
  private cols: SlurmColumns | null = null;
  private expectRuler = false;
  /** Column spans from the ruler, for space-separated rows whose names hold spaces or are empty. */
  private rulerSpans: Array<[number, number]> | null = null;

  constructor(private readonly out: JobCollector) {}

  line(text: string, lineNo: number): void {
    if (this.cols === null) return this.header(text, lineNo);
    if (this.expectRuler) {
      this.expectRuler = false;
      if (RULER.test(text)) {
        this.rulerSpans = spansOf(text);
        return;
      }
    }
    if (text.trim() === '') return;
    this.out.rows++;
    const cols = this.cols;
    const width = cols.names.length;
    let fields = text.includes('\t') ? text.split('\t') : text.trim().split(/ +/);
    // A trailing separator leaves empty extra fields; they carry nothing.
    while (fields.length > width && fields[fields.length - 1].trim() === '') fields.pop();
    if (fields.length !== width && !text.includes('\t') && this.rulerSpans !== null && this.rulerSpans.length === width) {
      fields = this.rulerSpans.map(([from, to], i) => text.slice(from, i === width - 1 ? undefined : to));
    }
    if (fields.length !== width) {
      const extra = fields.length === width + 1 ? explainExtraField(fields, cols) : null;
      this.out.reject(lineNo, text, `${fields.length} fields where the header has ${width} (${cols.names.join(' ')})${extra ? `: ${extra}` : ''}`);
      return;
    }
    addSlurmRow(fields, cols, lineNo, text, this.out);
  }

  private header(text: string, lineNo: number): void {
    if (text.trim() === '') return;
    if (this.declaredRows === null && COUNT_LINE.test(text)) {
      this.declaredRows = Number(text.trim());
      return;
    }
    const names = text.includes('\t') ? text.split('\t').filter((n) => n.trim() !== '') : text.trim().split(/\s+/);
    if (!names.some((n) => n.trim().toLowerCase() === 'jobid')) {
      throw new TraceFormatError(this.out.file, lineNo, 'expected the dump header (JobID JobName UID Start Submit End Priority TimelimitR ExitCode NNodes, in any order)');
    }
    this.cols = slurmColumns(names, this.out.file, lineNo);
    this.expectRuler = true;
  }

  end(): void {
    if (this.cols === null) throw new TraceFormatError(this.out.file, null, 'no header line (JobID ... NNodes) found');
    if (this.declaredRows !== null && this.declaredRows !== this.out.rows) {
      this.out.notes.push(
        `the count line declares ${this.declaredRows.toLocaleString('en-US')} rows but the file holds ${this.out.rows.toLocaleString('en-US')} data rows; ` +
          `every row present was read (the declared count is not a job count)`,
      );
    }
  }
}

/** [start, end) of each run of dashes in a ruler line. */
function spansOf(ruler: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const re = /-+/g;
  for (let m = re.exec(ruler); m !== null; m = re.exec(ruler)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}
