import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClock } from './clock.js';
import { filterJobs, loadJobFilterFile, parseTimeRange } from './filter.js';
import type { Job } from './job.js';

const dir = await mkdtemp(join(tmpdir(), 'mirage-filter-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const job = (id: string, submit: string): Job => ({
  id, name: '', user: '', partition: '', state: '', submitSec: parseClock(submit), startSec: null, endSec: null, limitMinutes: 60, nodes: 1, priority: null, line: 0,
});
const jobs = [job('a', '2023-03-01T00:00:00'), job('b', '2023-03-02T00:00:00'), job('c', '2023-03-02T12:00:00'), job('d', '2023-03-03T00:00:00')];
const ids = (list: Job[]): string[] => list.map((j) => j.id);

describe('filterJobs', () => {
  it('keeps submit times in [from, to)', () => {
    expect(ids(filterJobs(jobs, { from: '2023-03-02T00:00:00', to: '2023-03-03T00:00:00' }))).toEqual(['b', 'c']);
    expect(ids(filterJobs(jobs, { from: parseClock('2023-03-02T00:00:01') }))).toEqual(['c', 'd']);
    expect(ids(filterJobs(jobs, {}))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops jobs submitted in exclusion ranges, as the reference job_filter does', () => {
    const exclude = [{ from: '2023-03-02T00:00:00', to: '2023-03-02T12:00:00' }];
    expect(ids(filterJobs(jobs, { exclude }))).toEqual(['a', 'c', 'd']);
  });

  it('parses ranges from the command line and from a reference job_filter.json', async () => {
    expect(parseTimeRange('2023-03-02T00:00:00,2023-03-03T00:00:00')).toEqual({ from: parseClock('2023-03-02T00:00:00'), to: parseClock('2023-03-03T00:00:00') });
    expect(parseTimeRange('2023-03-02T00:00:00..2023-03-03T00:00:00').to).toBe(parseClock('2023-03-03T00:00:00'));
    expect(() => parseTimeRange('2023-03-03T00:00:00,2023-03-02T00:00:00')).toThrow(/empty time range/);
    expect(() => parseTimeRange('yesterday')).toThrow(/not a time range/);
    const path = join(dir, 'job_filter.json');
    await writeFile(path, JSON.stringify({ filter_range: [['2020-07-01T00:00:00', '2020-09-01T00:00:00']] }));
    expect(await loadJobFilterFile(path)).toEqual([{ from: parseClock('2020-07-01T00:00:00'), to: parseClock('2020-09-01T00:00:00') }]);
    await writeFile(path, '{"ranges": []}');
    await expect(loadJobFilterFile(path)).rejects.toThrow(/expected \{"filter_range"/);
  });
});
