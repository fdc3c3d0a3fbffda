import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from './job.js';
import { loadTraceFile, parseTraceText } from './load.js';
import { formatMirageDump, formatSwf, writeMirageDump, writeSwf } from './write.js';

const dir = await mkdtemp(join(tmpdir(), 'mirage-write-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const fixture = (name: string): string => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const sim = (j: Job): unknown[] => [j.submitSec, j.startSec, j.endSec, j.limitMinutes, j.nodes];

describe('writing SWF', async () => {
  const sacct = await loadTraceFile(fixture('sacct-parsable2.txt'));

  it('writes 18 fields a job, submit-ordered, -1 for what is unknown', () => {
    const text = formatSwf(sacct.jobs, { capacityNodes: 8, processorsPerNode: 4 });
    const records = text.split('\n').filter((l) => l !== '' && !l.startsWith(';'));
    expect(records).toHaveLength(sacct.jobs.length);
    expect(records.every((r) => r.split(' ').length === 18)).toBe(true);
    expect(text).toContain('; MaxNodes: 8\n; MaxProcs: 32\n');
    // 102_5 is pending: no wait, no run, no allocation; requested 1 node = 4 processors, 1440 min.
    expect(records.find((r) => r.startsWith('4 '))).toBe('4 1200 -1 -1 -1 -1 -1 4 86400 -1 -1 3 -1 -1 -1 1 -1 -1');
  });

  it('numbers ids, users and partitions that are not numbers, and says so in the header', () => {
    const text = formatSwf(sacct.jobs);
    expect(text).toContain('; Note: the source job ids are not all distinct numbers: jobs are numbered 1.. in submit order');
    expect(text).toContain('; Note: users numbered in order of appearance: 1=alice 2=bob 3=carol');
    expect(text).toContain('; Partition: 1 gpu');
    expect(text).toContain('; Note: MaxNodes is the most nodes the trace has running at once');
  });

  it('reads back to the same times, limits and nodes (cancel times of pending jobs are not in SWF)', async () => {
    const path = join(dir, 'sacct.swf');
    await writeSwf(sacct.jobs, path, { processorsPerNode: 4, capacityNodes: 8 });
    const again = await loadTraceFile(path);
    const bySubmit = [...sacct.jobs].sort((a, b) => a.submitSec - b.submitSec);
    const expected = bySubmit.map((j) => sim(j.startSec === null ? { ...j, endSec: null } : j));
    expect(again.jobs.map(sim)).toEqual(expected);
    expect(again.notes).toContain('processors mapped to nodes at 4 per node (header MaxProcs 32 / MaxNodes 8)');
  });
});

describe('writing the Mirage dump', async () => {
  const sacct = await loadTraceFile(fixture('sacct-parsable2.txt'));

  it('keeps every field in the TAB layout, Unknown and UNLIMITED included', () => {
    const again = parseTraceText(formatMirageDump(sacct.jobs), 'again.log');
    expect(again.jobs.map(({ line: _l, ...j }) => j)).toEqual(sacct.jobs.map(({ line: _l, ...j }) => j));
    expect(formatMirageDump(sacct.jobs).split('\n')[0].trim().split(/\s+/)).toEqual(['JobID', 'JobName', 'UID', 'Start', 'Submit', 'End', 'Priority', 'TimelimitR', 'NNodes', 'Partition', 'State']);
  });

  it('writes reference-safe cells in the spaces layout: no inner spaces, - for empty', () => {
    const jobs = parseTraceText('JobID|JobName|Submit|Start|End|Timelimit|NNodes\n1|my job|2023-01-01T00:00:00|2023-01-01T00:00:00|2023-01-01T00:01:00|5|1\n2||2023-01-01T00:00:00|None|None|5|1\n', 's').jobs;
    const lines = formatMirageDump(jobs, { layout: 'spaces' }).split('\n');
    expect(lines[2].split(/ +/)).toEqual(['1', 'my_job', '-', '2023-01-01T00:00:00', '2023-01-01T00:00:00', '2023-01-01T00:01:00', '-', '5', '1']);
    expect(lines[3].split(/ +/)).toEqual(['2', '-', '-', 'Unknown', '2023-01-01T00:00:00', 'Unknown', '-', '5', '1']);
  });

  it('writes atomically: nothing is left behind when the target cannot be written', async () => {
    await expect(writeMirageDump(sacct.jobs, join(dir, 'missing-dir', 'x.log'))).rejects.toThrow(/ENOENT/);
    const path = join(dir, 'ok.log');
    await writeMirageDump(sacct.jobs, path, { countLine: true });
    expect((await readFile(path, 'utf8')).split('\n')[0]).toBe(String(sacct.jobs.length));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
