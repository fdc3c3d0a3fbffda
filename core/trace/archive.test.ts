import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatClock } from './clock.js';
import { gpusFromTres } from './formats/slurm-row.js';
import type { Job } from './job.js';
import { jobSize } from './job.js';
import { loadTraceFile, parseTraceText } from './load.js';
import { describePartitions, parseCapacitySpec, peakRunning, resolveCapacity } from './partitions.js';
import { computeTraceStats } from './stats.js';
import { formatMirageDump, formatSwf } from './write.js';

/**
 * Traces from elsewhere: SWF logs in the style of the Parallel Workloads
 * Archive (run times without wait times or requested times), and a sacct dump
 * of two partitions with GPU counts. The fixtures are synthetic (see their
 * headers); every expected value below was worked out by hand from them.
 */

const fixture = (name: string): string => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const t = (sec: number | null): string | null => (sec === null ? null : formatClock(sec));
/** id, submit, start, end, limit, nodes, processors, start unknown. */
const row = (j: Job): unknown[] => [j.id, t(j.submitSec), t(j.startSec), t(j.endSec), j.limitMinutes, j.nodes, j.processors, j.startUnknown ?? false];

describe('SWF with unknown waits and requested times (archive-style-mixed.swf, 6 processors a node)', async () => {
  const trace = await loadTraceFile(fixture('archive-style-mixed.swf'));

  it('keeps rows with a run time but no wait as jobs whose start is unknown, and sets limits by the documented rule', () => {
    expect(trace.rejectedCount).toBe(0);
    expect(trace.jobs.map(row)).toEqual([
      ['1', '2003-01-01T00:00:00', '2003-01-01T00:01:00', '2003-01-01T01:01:00', 120, 2, 12, false],
      // Wait -1, run 1800 s: start unknown, kept at the submit so end - start is the run time.
      ['2', '2003-01-01T00:01:00', '2003-01-01T00:01:00', '2003-01-01T00:31:00', 60, 1, 6, true],
      // No requested time either: limit = ceil(5000 s / 60) = 84 minutes.
      ['3', '2003-01-01T00:02:00', '2003-01-01T00:02:00', '2003-01-01T01:25:20', 84, 2, 7, true],
      // Started (wait 30), run unknown: not running when the log was taken, simply unknown (runUnknown).
      ['4', '2003-01-01T00:03:00', '2003-01-01T00:03:30', null, 10, 1, 6, false],
      // Cancelled, neither wait nor run: never started; its size from the requested processors.
      ['5', '2003-01-01T00:04:00', null, null, 60, 2, 12, false],
      // Requested time -1, run 90 s: limit 2 minutes.
      ['6', '2003-01-01T00:05:00', '2003-01-01T00:05:00', '2003-01-01T00:06:30', 2, 8, 48, false],
      // Ran 400 s over a 5-minute request: capped at the limit, as every format is.
      ['7', '2003-01-01T00:06:00', '2003-01-01T00:06:00', '2003-01-01T00:11:00', 5, 3, 18, true],
    ]);
    expect(trace.assumptions).toEqual({ startUnknown: 3, limitFromRunTime: 2, limitFromDefault: 0 });
    expect(trace.repairs.durationCapped).toBe(1);
    expect([trace.capacityNodes, trace.capacityProcessors]).toEqual([8, 48]);
  });

  it('says what it assumed, with the rule', () => {
    expect(trace.notes).toContain('processors mapped to nodes at 6 per node (header MaxProcs 48 / MaxNodes 8)');
    expect(trace.notes.some((n) => /^3 jobs with a run time but no wait time \(SWF -1\): start unknown; simulated/.test(n))).toBe(true);
    expect(trace.notes).toContain(
      '2 jobs without a requested time (SWF -1): limit = run time rounded up to a whole minute (--default-limit MINUTES sets one value instead)',
    );
  });

  it('gives jobs without a requested time the default limit instead, when one is given', async () => {
    const withDefault = await loadTraceFile(fixture('archive-style-mixed.swf'), { defaultLimitMinutes: 30 });
    expect(withDefault.jobs.map((j) => [j.id, j.limitMinutes, t(j.endSec)])).toEqual([
      ['1', 120, '2003-01-01T01:01:00'],
      ['2', 60, '2003-01-01T00:31:00'],
      ['3', 30, '2003-01-01T00:32:00'],
      ['4', 10, null],
      ['5', 60, null],
      ['6', 30, '2003-01-01T00:06:30'],
      ['7', 5, '2003-01-01T00:11:00'],
    ]);
    expect(withDefault.assumptions).toEqual({ startUnknown: 3, limitFromRunTime: 0, limitFromDefault: 2 });
    expect(withDefault.repairs.durationCapped).toBe(2);
    expect(withDefault.notes).toContain('2 jobs without a time limit: given the default limit of 30 minutes (--default-limit)');
    expect(() => parseTraceText('1 0 0 60 1 -1 -1 1 60 -1 1 1 1 -1 -1 -1 -1 -1\n', 'x.swf', { defaultLimitMinutes: 0.5 })).toThrow(/whole number of minutes/);
  });

  it('leaves jobs whose start is unknown out of the wait statistics, and says how many', () => {
    const stats = computeTraceStats(trace.jobs);
    expect(stats.startUnknown).toBe(3);
    // Jobs 1 (60 s), 4 (30 s), 6 (0 s) have a known wait.
    expect([stats.waitSeconds.count, stats.waitSeconds.p100, stats.waitSeconds.mean]).toEqual([3, 60, 30]);
    expect(stats.complete).toBe(5);
  });

  it('keeps a started job of unknown run time out of the running load and the simulation, and says so', () => {
    expect(trace.jobs.filter((j) => j.runUnknown).map((j) => j.id)).toEqual(['4']);
    expect(trace.notes).toContain('1 job started with an unknown run time (SWF -1): kept, but neither simulated nor counted in the running load');
    // Job 4 (1 node, from 00:03:30) adds nothing: the peak is 16 nodes at 00:06, jobs 1 (2), 2 (1), 3 (2), 6 (8) and 7 (3).
    // Counted as running (until its 10-minute limit), it would lift the peak to 17.
    expect(computeTraceStats(trace.jobs).peakRunningNodes).toBe(16);
    expect(computeTraceStats(trace.jobs.map((j) => (j.id === '4' ? { ...j, runUnknown: undefined } : j))).peakRunningNodes).toBe(17);
  });

  it('writes an unknown start back as wait -1, so SWF round-trips it', () => {
    const again = parseTraceText(formatSwf(trace.jobs, { processorsPerNode: 6, capacityNodes: 8 }), 'again.swf');
    const key = (j: Job): unknown[] => [j.id, j.submitSec, j.startSec, j.endSec, j.limitMinutes, j.nodes, j.processors, j.startUnknown ?? false];
    expect(again.jobs.map(key)).toEqual(trace.jobs.map(key));
    expect(again.assumptions.startUnknown).toBe(3);
  });
});

describe('an archive log with no wait and no requested time at all (archive-style-nowait.swf)', async () => {
  const trace = await loadTraceFile(fixture('archive-style-nowait.swf'));

  it('loads every record that ran as a job the simulator can replay (before: none)', () => {
    const ran = trace.jobs.filter((j) => j.endSec !== null);
    expect(trace.rejectedCount).toBe(0);
    expect(trace.jobs).toHaveLength(643);
    expect(ran.length).toBe(trace.assumptions.startUnknown);
    expect(ran.every((j) => j.startUnknown === true && j.limitMinutes === Math.ceil((j.endSec! - j.startSec!) / 60))).toBe(true);
    // The 3 % cancelled before running stay, not simulated.
    expect(trace.jobs.length - ran.length).toBe(trace.jobs.filter((j) => j.state === 'CANCELLED').length);
    expect(trace.notes.some((n) => n.startsWith(`${ran.length} jobs with a run time but no wait time`))).toBe(true);
  });

  it('maps 4 processors to a node (header MaxProcs 128 / MaxNodes 32) and keeps the processors, the size when counting GPUs', () => {
    expect(trace.jobs.slice(0, 3).map((j) => [j.nodes, j.processors, j.gpus, jobSize(j, 'gpus')])).toEqual([[1, 4, undefined, 4], [8, 32, undefined, 32], [1, 4, undefined, 4]]);
    expect(resolveCapacity(trace, 'nodes')).toEqual({ value: 32, source: 'declared', inferred: false });
    expect(resolveCapacity(trace, 'gpus')).toEqual({ value: 128, source: 'declared', inferred: false });
  });
});

describe('sacct dump of two partitions with GPU counts (sacct-two-partitions.txt)', async () => {
  const trace = await loadTraceFile(fixture('sacct-two-partitions.txt'));
  const byId = new Map(trace.jobs.map((j) => [j.id, j]));

  it('reads GPUs from AllocTRES: the gres/gpu total, else the typed counts, 0 without, none when nothing is allocated', () => {
    expect(['5001', '5002', '5003', '5004', '5005', '5006', '5007', '5008'].map((id) => byId.get(id)!.gpus)).toEqual([8, 4, 1, 2, 0, 3, undefined, 8]);
    expect(trace.skipped.jobSteps).toBe(1);
    expect(gpusFromTres('cpu=4,gres/gpu:a100=2,gres/gpu:h100=1')).toBe(3);
    expect(gpusFromTres('cpu=4,gres/gpu=2,gres/gpu:a100=2')).toBe(2);
    expect(gpusFromTres('')).toBeNull();
    expect(gpusFromTres('gres/gpu=two')).toBeUndefined();
    const text = 'JobID|Submit|Start|End|Timelimit|NNodes|AllocTRES\n1|2024-01-01T00:00:00|None|None|5|1|gpu\n2|2024-01-01T00:00:00|None|None|5|1|\n';
    expect(parseTraceText(text, 'x').rejected[0].reason).toBe(
      "AllocTRES 'gpu' is not a TRES list (name=count,...)",
    );
  });

  it('lists the partitions with their jobs, sizes and peak, the cluster size given or said to be inferred', () => {
    const gpus = describePartitions(trace.jobs, 'gpus', new Map([['gpu-a100', 32]]));
    expect(gpus.map((p) => [p.name, p.jobs, p.simulatable, p.size.min, p.size.max, p.peakRunning, p.capacity])).toEqual([
      // 5005 holds no GPU, 5007 (pending, listing gpu-shared first) has none allocated: neither is simulatable
      // when counting GPUs. Peak: 1 + 2 + 3 GPUs from 01:00 to 01:10.
      ['gpu-shared', 5, 3, 0, 3, 6, { value: 6, source: 'inferred', inferred: true }],
      // Peak 16: 5002 ends at 03:30 as 5008 starts (ends count first), so 8 + 8.
      ['gpu-a100', 3, 3, 4, 8, 16, { value: 32, source: 'given', inferred: false }],
    ]);
    const nodes = describePartitions(trace.jobs, 'nodes');
    expect(nodes.map((p) => [p.name, p.jobs, p.simulatable, p.peakRunning])).toEqual([['gpu-shared', 5, 4, 3], ['gpu-a100', 3, 3, 4]]);
  });

  it('selects one partition at load (a pending job listing several matches either) and names unknown ones', async () => {
    const a100 = await loadTraceFile(fixture('sacct-two-partitions.txt'), { partitions: ['gpu-a100'] });
    expect(a100.jobs.map((j) => j.id)).toEqual(['5001', '5002', '5007', '5008']);
    expect(a100.skipped.otherPartitions).toBe(4);
    expect(a100.notes).toContain('partition gpu-a100 selected: 4 jobs kept, 4 of other partitions left out');
    expect(resolveCapacity(a100, 'gpus', null, true)).toEqual({ value: 16, source: 'inferred', inferred: true });
    expect(resolveCapacity(a100, 'gpus', 32, true)).toEqual({ value: 32, source: 'given', inferred: false });
    const both = await loadTraceFile(fixture('sacct-two-partitions.txt'), { partitions: ['gpu-a100', 'gpu-shared'] });
    expect(both.jobs).toHaveLength(8);
    await expect(loadTraceFile(fixture('sacct-two-partitions.txt'), { partitions: ['gpu-h100'] })).rejects.toThrow(
      "sacct-two-partitions.txt: no job of partition 'gpu-h100'; the trace has: gpu-a100, gpu-shared",
    );
  });

  it('sizes jobs in the unit asked, and counts GPUs in the statistics', () => {
    expect(jobSize(byId.get('5004')!, 'gpus')).toBe(2);
    expect(jobSize(byId.get('5007')!, 'gpus')).toBeNull();
    const stats = computeTraceStats(trace.jobs, { unit: 'gpus' });
    expect([stats.unit, stats.unsized, stats.peakRunningNodes, peakRunning(trace.jobs, 'gpus')]).toEqual(['gpus', 1, 17, 17]);
    expect(stats.nodes.histogram.map((b) => `${b.label}:${b.count}`)).toEqual(['0:2', '1:1', '2:1', '3:1', '4:1', '8:2']);
  });

  it('keeps GPU counts through the dump (as AllocTRES) in the TAB layout', () => {
    const again = parseTraceText(formatMirageDump(trace.jobs), 'again.log');
    expect(again.jobs.map((j) => j.gpus)).toEqual(trace.jobs.map((j) => j.gpus));
    expect(formatMirageDump(trace.jobs, { layout: 'spaces' })).not.toContain('AllocTRES');
  });
});

describe('capacity options', () => {
  it('reads a whole-cluster size or sizes per partition, and names what does not read', () => {
    expect(parseCapacitySpec('88')).toEqual({ total: 88, byPartition: new Map() });
    expect(parseCapacitySpec('gpu-a100=32, gpu-shared=8')).toEqual({ total: null, byPartition: new Map([['gpu-a100', 32], ['gpu-shared', 8]]) });
    expect(() => parseCapacitySpec('gpu-a100=0')).toThrow("capacity of gpu-a100: '0' is not a whole number >= 1");
    expect(() => parseCapacitySpec('=4')).toThrow("capacity: '=4' is not partition=size");
    expect(() => parseCapacitySpec('many')).toThrow("capacity: 'many' is not a whole number >= 1");
  });

  it('falls back to the reference size only for whole nodes without any other clue', () => {
    const jobs: Job[] = [];
    expect(resolveCapacity({ jobs, capacityNodes: null, capacityProcessors: null }, 'nodes')).toEqual({ value: 88, source: 'reference', inferred: false });
    expect(resolveCapacity({ jobs, capacityNodes: null, capacityProcessors: null }, 'gpus')).toEqual({ value: 1, source: 'inferred', inferred: true });
  });
});
