import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatClock } from './clock.js';
import type { Job } from './job.js';
import { loadTraceFile, parseTraceText } from './load.js';
import type { LoadedTrace } from './types.js';
import { TraceFormatError } from './types.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const t = (sec: number | null): string | null => (sec === null ? null : formatClock(sec));
/** A job as one readable row: id, submit, start, end, limit, nodes. */
const row = (j: Job): unknown[] => [j.id, t(j.submitSec), t(j.startSec), t(j.endSec), j.limitMinutes, j.nodes];
const rejectedLines = (trace: LoadedTrace): number[] => trace.rejected.map((r) => r.line);

describe('TACC / Mirage dump, TAB-separated (mirage-tab.log)', async () => {
  const trace = await loadTraceFile(fixture('mirage-tab.log'));

  it('is detected and reads the jobs by header name', () => {
    expect(trace.format).toBe('mirage');
    expect(trace.jobs.map(row)).toEqual([
      ['1001', '2023-03-01T12:00:00', '2023-03-01T12:05:00', '2023-03-01T12:35:00', 120, 2],
      ['1002', '2023-03-01T10:01:00', '2023-03-01T10:10:00', '2023-03-01T11:10:00', 60, 1],
      ['1003', '2023-03-01T10:30:00', '2023-03-01T11:00:00', '2023-03-01T11:00:00', 30, 1],
      ['1004', '2023-03-01T10:40:00', '2023-03-01T10:40:00', '2023-03-01T11:10:00', 30, 4],
      ['1005', '2023-03-01T11:30:00', null, null, 2880, 8],
    ]);
    expect(trace.jobs[0]).toMatchObject({ name: 'alpha2', user: '00100', priority: 1500, line: 11 });
  });

  it('counts each repair: capped, end before start, start before submit (duration kept)', () => {
    expect(trace.repairs).toEqual({ durationCapped: 1, endBeforeStart: 1, startBeforeSubmit: 1, endBeforeSubmit: 0 });
  });

  it('reports every row that is not a job, with line and reason', () => {
    expect(rejectedLines(trace)).toEqual([4, 9, 10]);
    expect(trace.rejected[0].reason).toMatch(/duplicate JobID 1001: replaced by the row at line 11/);
    expect(trace.rejected[1].reason).toMatch(/^11 fields where the header has 10 .*one extra value among 'xaa' '00326' '810653'/);
    expect(trace.rejected[2].reason).toBe("Start '2023-03-01T25:00:00' is not a time (YYYY-MM-DDTHH:MM:SS, Unknown or None)");
    expect(trace.rejected[1]).toMatchObject({ file: 'mirage-tab.log', text: expect.stringContaining('1006\txaa') });
    expect(trace.rows).toBe(trace.jobs.length + trace.rejectedCount);
  });

  it('notes a count line that disagrees with the rows present', () => {
    expect(trace.declaredRows).toBe(9);
    expect(trace.rows).toBe(8);
    expect(trace.notes[0]).toMatch(/count line declares 9 rows but the file holds 8 data rows/);
  });
});

describe('reference layout, space-separated, other column order (mirage-spaces.log)', async () => {
  const trace = await loadTraceFile(fixture('mirage-spaces.log'));

  it('finds columns by name and falls back to the ruler for names with spaces or empty', () => {
    expect(trace.format).toBe('mirage');
    expect(trace.declaredRows).toBeNull();
    expect(trace.jobs.map(row)).toEqual([
      ['2001', '2023-03-01T00:00:00', '2023-03-01T00:00:30', '2023-03-01T00:10:30', 30, 1],
      ['2002', '2023-03-01T00:05:00', '2023-03-01T01:00:00', '2023-03-01T03:00:00', 120, 4],
      ['2003', '2023-03-01T00:06:00', '2023-03-01T00:06:00', '2023-03-01T00:07:00', 5, 2],
    ]);
    expect(trace.jobs.map((j) => j.name)).toEqual(['short', 'big run', '']);
    expect(trace.repairs.durationCapped).toBe(1);
  });

  it('rejects a truncated row instead of reading missing times as "not started"', () => {
    expect(trace.rejected).toEqual([expect.objectContaining({ line: 6, reason: "Start '' is not a time (YYYY-MM-DDTHH:MM:SS, Unknown or None)" })]);
  });
});

describe('sacct --parsable2 (sacct-parsable2.txt)', async () => {
  const trace = await loadTraceFile(fixture('sacct-parsable2.txt'));
  const byId = new Map(trace.jobs.map((j) => [j.id, j]));

  it('skips job steps (.batch, .extern, .0, het-job steps) and counts them', () => {
    expect(trace.format).toBe('sacct');
    expect(trace.skipped.jobSteps).toBe(4);
    expect([...byId.keys()].some((id) => id.includes('.'))).toBe(false);
  });

  it('keeps array tasks and expands pending array records, throttle included', () => {
    expect(byId.get('102_4')).toMatchObject({ startSec: expect.any(Number), limitMinutes: 1440 });
    expect(trace.jobs.filter((j) => j.id.startsWith('102_')).map((j) => j.id)).toEqual(['102_4', '102_5', '102_6', '102_7']);
    expect(trace.jobs.filter((j) => j.id.startsWith('106_')).map((j) => j.id)).toEqual(['106_1', '106_3', '106_4']);
    expect(byId.get('102_6')).toMatchObject({ startSec: null, endSec: null, state: 'PENDING', line: 8 });
    expect(trace.arrayTasksExpanded).toBe(4);
  });

  it('reads Unknown / None times as not started or not ended, keeping a cancel time', () => {
    expect(byId.get('103')).toMatchObject({ startSec: expect.any(Number), endSec: null, limitMinutes: null, state: 'RUNNING' });
    expect(row(byId.get('104')!)).toEqual(['104', '2023-03-01T09:10:00', null, '2023-03-01T09:20:00', null, 1]);
    expect(byId.get('104')!.state).toBe('CANCELLED');
  });

  it('reads limits as MM, MM:SS, HH:MM:SS, D-HH:MM:SS, UNLIMITED, Partition_Limit', () => {
    expect(['100', '101', '102_4', '103', '104', '105', '106_1'].map((id) => byId.get(id)!.limitMinutes)).toEqual([120, 30, 1440, null, null, 46, 10]);
  });

  it('caps a TIMEOUT that ran past its limit, and keeps het-job components', () => {
    expect(row(byId.get('101')!)).toEqual(['101', '2023-03-01T08:10:00', '2023-03-01T08:10:00', '2023-03-01T08:40:00', 30, 1]);
    expect(trace.repairs.durationCapped).toBe(1);
    expect([byId.get('107+0')!.nodes, byId.get('107+1')!.nodes]).toEqual([1, 2]);
  });

  it('reports a bad limit and a | inside a name, and accounts for every row', () => {
    expect(trace.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [16, "Timelimit 'forever' is not a time limit (minutes, [D-]HH"],
      [17, '12 fields where the header has 11'],
    ]);
    expect(trace.rows).toBe(16);
    expect(trace.rows).toBe(trace.jobs.length - trace.arrayTasksExpanded + trace.skipped.jobSteps + trace.rejectedCount);
  });

  it('keeps user, partition, priority', () => {
    expect(byId.get('100')).toMatchObject({ name: 'train', user: 'alice', partition: 'gpu', priority: 5000, state: 'COMPLETED', line: 2 });
  });
});

describe('sacct --parsable with trailing |, AllocNodes / ReqNodes (sacct-parsable.txt)', async () => {
  const trace = await loadTraceFile(fixture('sacct-parsable.txt'));

  it('takes ReqNodes when nothing was allocated, and rejects a row with no node count', () => {
    expect(trace.jobs.map(row)).toEqual([
      ['300', '2023-03-01T00:00:00', '2023-03-01T00:01:00', '2023-03-01T00:31:00', 60, 2],
      ['301', '2023-03-01T00:02:00', null, '2023-03-01T00:05:00', 60, 3],
    ]);
    expect(trace.rejected).toEqual([expect.objectContaining({ line: 4, reason: "no positive node count (AllocNodes '0', ReqNodes '0')" })]);
  });
});

describe('SWF (chicago-dst.swf)', async () => {
  const trace = await loadTraceFile(fixture('chicago-dst.swf'));

  it('reads the header: start time, zone, processors per node, cluster size', () => {
    expect(trace.format).toBe('swf');
    expect(trace.capacityNodes).toBe(16);
    expect(trace.notes).toContain('processors mapped to nodes at 4 per node (header MaxProcs 64 / MaxNodes 16)');
  });

  it('turns relative seconds into the cluster wall clock across a DST change', () => {
    // Job 1 ran 2 h from 01:00 CST on 2023-03-12; clocks jumped 02:00 -> 03:00, so it ended at 04:00 on the wall.
    expect(trace.jobs.map(row)).toEqual([
      ['1', '2023-03-12T00:00:00', '2023-03-12T01:00:00', '2023-03-12T04:00:00', 180, 2],
      ['2', '2023-03-12T00:01:00', null, null, 60, 1],
      ['3', '2023-03-12T00:02:00', '2023-03-12T00:02:30', '2023-03-12T00:22:30', 30, 1],
      // No requested time: limit = its run time, ceil(7000 s / 60) = 117 min; its wall-clock span holds the skipped
      // hour (00:08:20 .. 03:05:00), so the cap at the limit leaves the 7,020 s it ran.
      ['6', '2023-03-12T00:06:40', '2023-03-12T00:08:20', '2023-03-12T02:05:20', 117, 2],
    ]);
    expect(trace.jobs.map((j) => [j.state, j.user, j.partition])).toEqual([
      ['COMPLETED', '3', '1'],
      ['CANCELLED', '4', '1'],
      ['COMPLETED', '5', '1'],
      ['FAILED', '7', '2'],
    ]);
  });

  it('skips partial-execution records, rejects short rows and unknown submit times', () => {
    expect(trace.skipped.partialRecords).toBe(2);
    expect(trace.rejected.map((r) => [r.line, r.reason])).toEqual([
      [14, '17 fields where SWF has 18'],
      [15, 'submit time is unknown (-1)'],
    ]);
    expect(trace.rows).toBe(trace.jobs.length + trace.skipped.partialRecords + trace.rejectedCount);
  });

  it('maps processors with an explicit processors-per-node option', async () => {
    const one = await loadTraceFile(fixture('chicago-dst.swf'), { processorsPerNode: 1 });
    expect(one.jobs.map((j) => j.nodes)).toEqual([8, 4, 4, 5]);
  });

  it('reads a headerless SWF as UTC, and says so', () => {
    const bare = parseTraceText('7 10 5 100 2 -1 -1 2 600 -1 1 1 1 -1 -1 -1 -1 -1\n', 'bare.swf');
    expect(bare.format).toBe('swf');
    expect(bare.jobs.map(row)).toEqual([['7', '1970-01-01T00:00:10', '1970-01-01T00:00:15', '1970-01-01T00:01:55', 10, 2]]);
    expect(bare.notes.join('\n')).toMatch(/no UnixStartTime[\s\S]*no TimeZoneString/);
  });

  it('falls back to UTC, with a note, for an unknown zone name', () => {
    const odd = parseTraceText('; UnixStartTime: 0\n; TimeZoneString: Mars/Olympus\n1 0 0 60 1 -1 -1 1 60 -1 1 1 1 -1 -1 -1 -1 -1\n', 'odd.swf');
    expect(odd.notes).toContain("SWF TimeZoneString 'Mars/Olympus' is not a known time zone: times are read as UTC");
    expect(odd.jobs[0].submitSec).toBe(0);
  });
});

describe('format detection and files that are not traces', () => {
  const fails = (text: string, format?: 'mirage' | 'sacct' | 'swf'): TraceFormatError => {
    try {
      parseTraceText(text, 'x.txt', { format });
    } catch (error) {
      expect(error).toBeInstanceOf(TraceFormatError);
      return error as TraceFormatError;
    }
    throw new Error('expected a TraceFormatError');
  };

  it('gives one clear error for JSON, CSV, prose, binary, and empty files', () => {
    expect(fails('{"jobs": []}\n').message).toMatch(/^x\.txt:1: not a job trace: '\{"jobs": \[\]\}' is neither/);
    expect(fails('JobID,Submit,Start\n1,2,3\n').message).toMatch(/^x\.txt:1: not a job trace/);
    expect(fails('\n\nhello world\n').line).toBe(3);
    expect(fails('\u0000\u0001PK').message).toMatch(/binary/);
    expect(fails('').message).toMatch(/no header and no rows/);
    expect(fails('24779\n').message).toMatch(/no header and no rows/);
  });

  it('names the columns a header lacks', () => {
    expect(fails('JobID|Submit|Start|End\n1|2023-01-01T00:00:00|Unknown|Unknown\n').message).toBe(
      'x.txt:1: the header lacks the column(s) Timelimit (or TimelimitR), NNodes (or AllocNodes/ReqNodes); it has: JobID Submit Start End',
    );
    expect(fails('   JobID JobName Start\n---\n').message).toMatch(/lacks the column\(s\) Submit, End/);
  });

  it('honours an explicit format, and fails clearly when no row fits it', () => {
    const text = '5\nJobID Submit Start End TimelimitR NNodes\n---- ---- ---- ---- ---- ----\n1 2023-01-01T00:00:00 2023-01-01T00:00:00 2023-01-01T00:01:00 5 1\n';
    expect(parseTraceText(text, 'x.txt', { format: 'mirage' }).jobs).toHaveLength(1);
    expect(fails(text, 'sacct').message).toMatch(/expected a sacct header line/);
    expect(fails(text, 'swf').message).toMatch(/none of the 4 rows reads as swf \(first: 1 fields where SWF has 18\)/);
  });

  it('reads CRLF line ends and a byte-order mark', () => {
    const text = '\ufeffJobID|Submit|Start|End|Timelimit|NNodes\r\n1|2023-01-01T00:00:00|2023-01-01T00:00:05|2023-01-01T00:01:00|5|1\r\n';
    const trace = parseTraceText(text, 'crlf.txt');
    expect(trace.jobs.map(row)).toEqual([['1', '2023-01-01T00:00:00', '2023-01-01T00:00:05', '2023-01-01T00:01:00', 5, 1]]);
    expect(trace.rejectedCount).toBe(0);
  });

  it('keeps only the first rejected rows it is told to, but counts them all', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i}|bad|Unknown|Unknown|5|1`).join('\n');
    const trace = parseTraceText(`JobID|Submit|Start|End|Timelimit|NNodes\n1|2023-01-01T00:00:00|None|None|5|1\n${rows}\n`, 'many.txt', { maxRejectedKept: 3 });
    expect(trace.rejectedCount).toBe(50);
    expect(trace.rejected.map((r) => r.line)).toEqual([3, 4, 5]);
    expect(trace.notes).toContain('50 rows were rejected; the first 3 are listed');
  });

  it('finds repeated JobIDs in any order, telling 3 from 0003', () => {
    const ids = ['5', '3', '5', '0003', '3', '10', 'a_1', '7', 'a_1', '10'];
    const rows = ids.map((id, i) => `${id}|2023-01-01T00:00:0${i}|None|None|5|1`).join('\n');
    const trace = parseTraceText(`JobID|Submit|Start|End|Timelimit|NNodes\n${rows}\n`, 'dups.txt');
    expect(trace.jobs.map((j) => [j.id, j.line])).toEqual([['5', 4], ['3', 6], ['0003', 5], ['10', 11], ['a_1', 10], ['7', 9]]);
    expect(trace.rejected.map((r) => r.line)).toEqual([2, 3, 7, 8]);
  });

  it('can leave durations uncapped when asked', () => {
    const text = 'JobID|Submit|Start|End|Timelimit|NNodes\n1|2023-01-01T00:00:00|2023-01-01T00:00:00|2023-01-01T02:00:00|60|1\n';
    expect(t(parseTraceText(text, 'a').jobs[0].endSec)).toBe('2023-01-01T01:00:00');
    expect(t(parseTraceText(text, 'a', { capDurations: false }).jobs[0].endSec)).toBe('2023-01-01T02:00:00');
  });
});
