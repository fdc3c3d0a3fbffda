import type { JobCollector } from '../collector.js';
import { TraceFormatError } from '../types.js';
import type { FormatReader } from './reader.js';
import type { SlurmColumns } from './slurm-row.js';
import { addSlurmRow, explainExtraField, slurmColumns } from './slurm-row.js';

/**
 * `sacct --parsable2` (or `--parsable`, which ends every line with a `|`):
 * a header of field names, then one record per line, fields split by `|`.
 */
export class SacctReader implements FormatReader {
  private cols: SlurmColumns | null = null;
  private trailingPipe = false;

  constructor(private readonly out: JobCollector) {}

  line(text: string, lineNo: number): void {
    if (text.trim() === '') return;
    if (this.cols === null) {
      const names = text.split('|');
      if (!names.some((n) => n.trim().toLowerCase() === 'jobid')) {
        throw new TraceFormatError(this.out.file, lineNo, 'expected a sacct header line (JobID|Submit|Start|End|Timelimit|NNodes...); run sacct with --parsable2 and without --noheader');
      }
      this.trailingPipe = names.length > 1 && names[names.length - 1].trim() === '';
      if (this.trailingPipe) names.pop();
      this.cols = slurmColumns(names, this.out.file, lineNo);
      return;
    }
    this.out.rows++;
    const width = this.cols.names.length;
    const fields = text.split('|');
    if (this.trailingPipe && fields.length === width + 1 && fields[width] === '') fields.pop();
    if (fields.length !== width) {
      const extra = fields.length === width + 1 ? explainExtraField(fields, this.cols) : null;
      const hint = extra ? `: ${extra} (a '|' inside a job name?)` : fields.length > width ? " (a '|' inside a field, e.g. a job name?)" : '';
      this.out.reject(lineNo, text, `${fields.length} fields where the header has ${width}${hint}`);
      return;
    }
    addSlurmRow(fields, this.cols, lineNo, text, this.out);
  }

  end(): void {
    if (this.cols === null) throw new TraceFormatError(this.out.file, null, 'no sacct header line found');
  }
}
