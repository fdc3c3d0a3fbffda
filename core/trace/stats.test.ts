import { describe, expect, it } from 'vitest';
import { parseClock } from './clock.js';
import type { Job } from './job.js';
import { computeTraceStats, percentiles } from './stats.js';

const T0 = parseClock('2023-03-01T00:00:00');
const at = (hhmm: string | null): number | null => (hhmm === null ? null : T0 + Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3)) * 60);
const job = (id: string, submit: string, start: string | null, end: string | null, nodes: number, limitMinutes: number | null): Job => ({
  id, name: '', user: '', partition: '', state: '', submitSec: at(submit)!, startSec: at(start), endSec: at(end), limitMinutes, nodes, priority: null, line: 0,
});

// A hand-worked day: A waits 30 min; B starts at once; C never starts; D is cancelled while pending; E is still running.
const jobs = [
  job('A', '00:00', '00:30', '02:00', 2, 120),
  job('B', '00:30', '00:30', '01:30', 4, 60),
  job('C', '01:15', null, null, 1, 30),
  job('D', '01:45', null, '02:15', 1, 15),
  job('E', '02:00', '02:30', null, 1, null),
];

describe('computeTraceStats', () => {
  const stats = computeTraceStats(jobs, { capacityNodes: 8 });

  it('counts jobs by what is known of them, and the span', () => {
    expect([stats.jobs, stats.complete, stats.notStarted, stats.noEnd]).toEqual([5, 2, 2, 1]);
    expect(stats.span).toEqual({ firstSubmit: '2023-03-01T00:00:00', lastSubmit: '2023-03-01T02:00:00', last: '2023-03-01T02:30:00', days: 0.104 });
    expect(stats.nodeHours).toBe(7); // A 2 x 1.5 h + B 4 x 1 h
  });

  it('builds node and time-limit histograms', () => {
    expect(stats.nodes.histogram.map((b) => [b.label, b.count])).toEqual([['1', 3], ['2', 1], ['4', 1]]);
    expect(stats.nodes.mean).toBe(1.8);
    const limits = Object.fromEntries(stats.limitMinutes.histogram.filter((b) => b.count > 0).map((b) => [b.label, b.count]));
    expect(limits).toEqual({ '<=15m': 1, '16m-30m': 1, '31m-1h': 1, '1h-2h': 1 });
    expect(stats.limitMinutes.unlimited).toBe(1);
  });

  it('takes wait percentiles over started jobs, as numpy does', () => {
    expect(stats.waitSeconds).toMatchObject({ count: 3, mean: 1200, p0: 0, p25: 900, p50: 1800, p100: 1800 });
    expect(stats.runSeconds).toMatchObject({ count: 2, p0: 3600, p50: 4500, p100: 5400 });
  });

  it('gives hourly submissions, running nodes and queued jobs (means weighted by time, and peaks)', () => {
    const h = stats.hourly;
    expect([h.start, h.hours]).toEqual(['2023-03-01T00:00:00', 3]);
    expect(h.submittedJobs).toEqual([2, 2, 1]);
    expect(h.meanRunningNodes).toEqual([3, 4, 0.5]);
    expect(h.peakRunningNodes).toEqual([6, 6, 1]);
    expect(h.utilisation).toEqual([0.375, 0.5, 0.063]);
    // B is submitted and started in the same second, so it never counts as queued.
    expect(h.meanQueuedJobs).toEqual([0.5, 1, 1.75]);
    expect(h.peakQueuedJobs).toEqual([1, 2, 3]);
  });

  it('ends a started job without an end at its limit, when it has one', () => {
    // F starts at 00:30 on 3 nodes with a 60-minute limit and no recorded end: running 00:30-01:30, not to the series' end.
    const withF = computeTraceStats([...jobs, job('F', '00:15', '00:30', null, 3, 60)], { capacityNodes: 8 });
    expect(withF.hourly.meanRunningNodes).toEqual([4.5, 5.5, 0.5]);
    expect(withF.hourly.peakRunningNodes).toEqual([9, 9, 1]);
    expect(withF.noEnd).toBe(2);
  });

  it('uses the given capacity, else the peak running nodes', () => {
    expect([stats.capacityNodes, stats.capacitySource, stats.peakRunningNodes, stats.meanUtilisation]).toEqual([8, 'option', 6, 0.35]);
    const unsized = computeTraceStats(jobs);
    expect([unsized.capacityNodes, unsized.capacitySource]).toEqual([6, 'peak']);
    expect(unsized.hourly.utilisation).toEqual([0.5, 0.667, 0.083]);
  });

  it('is a plain JSON value, and copes with no jobs', () => {
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    const none = computeTraceStats([]);
    expect([none.jobs, none.hourly.hours, none.span.firstSubmit, none.waitSeconds.p50]).toEqual([0, 0, null, 0]);
  });

  it('refuses a span no real trace has (a wrong year), rather than allocate it', () => {
    const wrong = [job('x', '00:00', '00:00', '00:10', 1, 60), { ...job('y', '00:00', null, null, 1, 60), submitSec: T0 + 200 * 365 * 86_400 }];
    expect(() => computeTraceStats(wrong)).toThrow(/over 1,000,000 hours: is a time wrong\?/);
  });

  it('bins node counts by powers of two when there are many sizes (SWF processor counts)', () => {
    const many = Array.from({ length: 40 }, (_, i) => job(String(i), '00:00', '00:00', '00:10', i + 1, 60));
    const bins = computeTraceStats(many).nodes.histogram;
    expect(bins.map((b) => [b.label, b.count])).toEqual([['1', 1], ['2-3', 2], ['4-7', 4], ['8-15', 8], ['16-31', 16], ['32-63', 9]]);
  });
});

describe('percentiles', () => {
  it('interpolates linearly between closest ranks (numpy default)', () => {
    expect(percentiles([4, 1, 3, 2])).toMatchObject({ p0: 1, p25: 1.75, p50: 2.5, p90: 3.7, p100: 4, mean: 2.5, count: 4 });
    expect(percentiles([])).toMatchObject({ count: 0, p50: 0, mean: 0 });
  });
});
