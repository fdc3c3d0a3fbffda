import type { JobCollector } from '../collector.js';
import { unixToClock } from '../zone.js';
import type { FormatReader } from './reader.js';

/** The 18 fields of an SWF record, as the Parallel Workloads Archive defines them. */
export const SWF_FIELDS = [
  'job number', 'submit time', 'wait time', 'run time', 'allocated processors', 'average CPU time', 'used memory',
  'requested processors', 'requested time', 'requested memory', 'status', 'user id', 'group id', 'executable number',
  'queue number', 'partition number', 'preceding job number', 'think time',
] as const;

const STATUS_NAMES: Record<number, string> = { 0: 'FAILED', 1: 'COMPLETED', 5: 'CANCELLED' };
const HEADER_FIELD = /^;\s*([A-Za-z]+)\s*:\s*(.*?)\s*$/;

/**
 * Standard Workload Format: `;` header comments (UnixStartTime, TimeZoneString,
 * MaxNodes, MaxProcs), then 18 whitespace-separated numbers per job, -1 for
 * unknown. Times are seconds from UnixStartTime; TimeZoneString turns them into
 * the cluster's wall clock. A row with a run time but no wait time is a job
 * whose start is unknown (Job.startUnknown); one without a requested time gets
 * a limit by the rule of limitMinutes below.
 */
export class SwfReader implements FormatReader {
  readonly header = new Map<string, string>();
  capacityNodes: number | null = null;
  capacityProcessors: number | null = null;
  private ready = false;
  private unixStart = 0;
  private toClock: (unixSec: number) => number = (s) => s;
  private ppn = 1;
  private sawAnything = false;

  constructor(
    private readonly out: JobCollector,
    private readonly processorsPerNode: number | undefined,
  ) {}

  line(text: string, lineNo: number): void {
    const t = text.trim();
    if (t === '') return;
    this.sawAnything = true;
    if (t.startsWith(';')) {
      const m = HEADER_FIELD.exec(t);
      if (m) this.header.set(m[1].toLowerCase(), m[2]);
      return;
    }
    if (!this.ready) this.prepare();
    this.out.rows++;
    const fields = t.split(/\s+/);
    if (fields.length !== 18) return this.out.reject(lineNo, text, `${fields.length} fields where SWF has 18`);
    const v = new Array<number>(18);
    for (let i = 0; i < 18; i++) {
      v[i] = Number(fields[i]);
      if (!Number.isFinite(v[i])) return this.out.reject(lineNo, text, `field ${i + 1} (${SWF_FIELDS[i]}) '${fields[i]}' is not a number`);
    }
    const [jobNumber, submit, wait, run, allocProcs, , , reqProcs, reqTime, , status, user, , executable, , partition] = v;
    if (status === 2 || status === 3 || status === 4) {
      this.out.skipped.partialRecords++;
      return;
    }
    if (jobNumber < 0) return this.out.reject(lineNo, text, `job number ${jobNumber} is unknown`);
    if (submit < 0) return this.out.reject(lineNo, text, 'submit time is unknown (-1)');
    const procs = allocProcs > 0 ? allocProcs : reqProcs;
    if (!(procs > 0)) return this.out.reject(lineNo, text, 'no processor count (allocated and requested processors are both unknown)');
    const submitUnix = this.unixStart + Math.round(submit);
    // Archive logs often give the run time without the wait: the start is unknown, yet the simulator
    // needs only submit, run time, size and limit, so the job is kept with its start at its submit.
    const startUnknown = wait < 0 && run > 0;
    const started = wait >= 0 || startUnknown;
    const startUnix = submitUnix + Math.max(0, Math.round(wait));
    const limit = this.limitMinutes(reqTime, run);
    this.out.add(
      {
        id: String(jobNumber),
        name: executable >= 0 ? this.out.intern(String(executable)) : '',
        user: user >= 0 ? this.out.intern(String(user)) : '',
        partition: partition >= 0 ? this.out.intern(String(partition)) : '',
        state: STATUS_NAMES[status] ?? '',
        submitSec: this.toClock(submitUnix),
        startSec: started ? this.toClock(startUnix) : null,
        endSec: started && run >= 0 ? this.toClock(startUnix + Math.round(run)) : null,
        limitMinutes: limit.minutes,
        nodes: Math.ceil(procs / this.ppn),
        processors: procs,
        ...(startUnknown ? { startUnknown: true as const } : {}),
        ...(started && run < 0 ? { runUnknown: true as const } : {}),
        priority: null,
        line: lineNo,
      },
      { limitFromRunTime: limit.fromRunTime },
    );
  }

  /**
   * The requested time in whole minutes. When the log does not give it (-1 or
   * 0): the default limit if one was given (the collector applies it), else
   * the run time rounded up to a whole minute (so the job is simulated as it
   * ran, and backfill sees its exact length), else unknown.
   */
  private limitMinutes(reqTime: number, run: number): { minutes: number | null; fromRunTime: boolean } {
    if (reqTime > 0) return { minutes: Math.ceil(reqTime / 60), fromRunTime: false };
    if (this.out.defaultLimitMinutes !== null || !(run > 0)) return { minutes: null, fromRunTime: false };
    return { minutes: Math.ceil(run / 60), fromRunTime: true };
  }

  /** Reads what the header said, once, before the first record. */
  private prepare(): void {
    this.ready = true;
    const number = (key: string): number | null => {
      const text = this.header.get(key);
      if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return null;
      return Number(text);
    };
    const start = number('unixstarttime');
    if (start === null) this.out.notes.push('SWF header has no UnixStartTime: times are read as seconds from 1970-01-01T00:00:00');
    else this.unixStart = start;
    const zone = this.header.get('timezonestring');
    if (zone === undefined || zone === '') {
      this.out.notes.push('SWF header has no TimeZoneString: times are read as UTC');
    } else {
      try {
        this.toClock = unixToClock(zone);
      } catch {
        this.out.notes.push(`SWF TimeZoneString '${zone}' is not a known time zone: times are read as UTC`);
      }
    }
    const maxNodes = number('maxnodes');
    const maxProcs = number('maxprocs');
    if (this.processorsPerNode !== undefined) {
      this.ppn = this.processorsPerNode;
      this.out.notes.push(`processors mapped to nodes at ${this.ppn} per node (option)`);
    } else if (maxNodes !== null && maxProcs !== null && maxNodes > 0 && maxProcs % maxNodes === 0) {
      this.ppn = maxProcs / maxNodes;
      this.out.notes.push(`processors mapped to nodes at ${this.ppn} per node (header MaxProcs ${maxProcs} / MaxNodes ${maxNodes})`);
    } else {
      this.out.notes.push('processors mapped to nodes at 1 per node (no option, and the header gives no whole MaxProcs / MaxNodes ratio)');
    }
    if (maxNodes !== null && maxNodes > 0) this.capacityNodes = maxNodes;
    else if (maxProcs !== null && maxProcs > 0) this.capacityNodes = Math.floor(maxProcs / this.ppn);
    if (maxProcs !== null && maxProcs > 0) this.capacityProcessors = maxProcs;
    else if (maxNodes !== null && maxNodes > 0) this.capacityProcessors = maxNodes * this.ppn;
  }

  end(): void {
    if (!this.ready && this.sawAnything) this.prepare();
  }
}
