import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClock } from './clock.js';
import type { Job } from './job.js';
import { loadTraceFile } from './load.js';
import { writeMirageDump, writeSwf } from './write.js';

/** The bundled Lonestar6 A100 trace (CC BY 4.0, see assets/traces/ATTRIBUTION.md). */
const LS6 = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'mirage-ls6-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const withoutLine = ({ line: _line, ...rest }: Job): Omit<Job, 'line'> => rest;
/** What the simulator reads of a job, and what SWF can carry. */
const simFields = (j: Job): unknown[] => [j.id, j.submitSec, j.startSec, j.endSec, j.limitMinutes, j.nodes, Number(j.user)];

describe('the LS6 A100 trace', async () => {
  const trace = await loadTraceFile(LS6);

  it('loads 24,776 jobs from 24,777 rows, and rejects line 19,706 saying why', () => {
    expect(trace.sha256).toBe('e1ff7c8e9fde480a21ea698c56e1e874a1f0179ecf007e03c63d9d3d78a6a942');
    expect(trace.format).toBe('mirage');
    expect(trace.jobs).toHaveLength(24_776);
    expect(trace.rows).toBe(24_777);
    expect(trace.rejected).toEqual([
      {
        file: 'ls6-a100.log',
        line: 19_706,
        reason: expect.stringMatching(/^11 fields where the header has 10 .*one extra value among 'xaa' '00326' '810653'/),
        text: '746545\txaa\t00326\t810653\t2023-03-09T12:48:05\t2023-03-09T12:46:57\t2023-03-09T12:48:05\t1169\t720\t0:0\t4',
      },
    ]);
    expect(trace.repairs).toEqual({ durationCapped: 3_752, endBeforeStart: 0, startBeforeSubmit: 0, endBeforeSubmit: 0 });
  });

  it('explains the count line: it declares 24,779 rows, the file holds 24,777 (no duplicates, no missing times)', () => {
    expect(trace.declaredRows).toBe(24_779);
    expect(trace.notes).toEqual([expect.stringContaining('declares 24,779 rows but the file holds 24,777 data rows')]);
    expect(new Set(trace.jobs.map((j) => j.id)).size).toBe(24_776);
    expect(trace.jobs.every((j) => j.startSec !== null && j.endSec !== null)).toBe(true);
  });

  it('reads jobs exactly as the reference parser does', async () => {
    // The golden files' input: the dump in the reference's space-separated layout, count line dropped,
    // row 19,706 left out. Read by an independent transcription of the reference's rules
    // (simparser.parse_job): header names -> columns, rows from the third line, duration capped at the limit.
    const original = (await readFile(LS6, 'utf8')).split('\n');
    const lines = original.filter((_, i) => i !== 0 && i !== 19_705).map((l) => l.replaceAll('\t', ' '));
    const names = lines[0].split(' ').filter((x) => x !== '');
    const col = Object.fromEntries(names.map((n, i) => [n, i]));
    const reference = new Map<string, unknown[]>();
    for (const line of lines.slice(2, -1)) {
      const f = line.split(' ').filter((x) => x !== '');
      const start = parseClock(f[col.Start]);
      const limit = Number(f[col.TimelimitR]);
      const end = Math.min(parseClock(f[col.End]), start + limit * 60);
      reference.set(f[col.JobID], [f[col.JobID], Number(f[col.NNodes]), parseClock(f[col.Submit]), start, end, limit]);
    }
    expect(reference.size).toBe(24_776);
    expect(trace.jobs.map((j) => [j.id, j.nodes, j.submitSec, j.startSec, j.endSec, j.limitMinutes])).toEqual([...reference.values()]);
  });

  it('round-trips through the space-separated layout to the same jobs', async () => {
    const spaced = join(dir, 'ls6-spaces.log');
    await writeMirageDump(trace.jobs, spaced, { layout: 'spaces' });
    const again = await loadTraceFile(spaced);
    expect(again.rejectedCount).toBe(0);
    expect(again.repairs.durationCapped).toBe(0);
    expect(again.jobs.map(withoutLine)).toEqual(trace.jobs.map(withoutLine));
  });

  it('round-trips through the TAB layout with a count line, as published', async () => {
    const tabbed = join(dir, 'ls6-tab.log');
    await writeMirageDump(trace.jobs, tabbed, { layout: 'tab', countLine: true });
    const again = await loadTraceFile(tabbed);
    expect(again.declaredRows).toBe(24_776);
    expect(again.notes).toEqual([]);
    expect(again.jobs.map(withoutLine)).toEqual(trace.jobs.map(withoutLine));
  });

  it('round-trips through SWF to the same jobs (the fields SWF carries)', async () => {
    const swf = join(dir, 'ls6.swf');
    await writeSwf(trace.jobs, swf, { capacityNodes: 88, source: 'ls6-a100.log' });
    const again = await loadTraceFile(swf);
    expect(again.format).toBe('swf');
    expect(again.rejectedCount).toBe(0);
    expect(again.capacityNodes).toBe(88);
    const bySubmit = (a: Job, b: Job): number => a.submitSec - b.submitSec;
    expect(again.jobs.map(simFields)).toEqual([...trace.jobs].sort(bySubmit).map(simFields));
  });
});
