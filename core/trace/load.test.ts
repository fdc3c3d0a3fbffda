import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Progress } from '../progress.js';
import { formatClock } from './clock.js';
import { loadTraceFile, parseTraceText } from './load.js';
import { TraceFormatError } from './types.js';

const dir = await mkdtemp(join(tmpdir(), 'mirage-load-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A ~3 MiB TAB dump: lines cross the 1 MiB read chunks, names hold multi-byte characters, one row is broken. */
function bigDump(rows: number): string {
  const lines = ['       JobID    JobName    UID               Start              Submit                 End   Priority TimelimitR ExitCode   NNodes', '---- ---- ---- ---- ---- ---- ---- ---- ---- ----'];
  const t0 = Date.UTC(2023, 0, 1) / 1000;
  for (let i = 0; i < rows; i++) {
    const submit = t0 + i * 37;
    const name = i % 3 === 0 ? `jöb-日本-${i}` : `job${i}`;
    lines.push([100_000 + i, name, '00042', formatClock(submit + 60), formatClock(submit), formatClock(submit + 60 + (i % 500) * 11), 1000, 60, '0:0', 1 + (i % 4)].join('\t'));
  }
  lines[1234] = lines[1234].replace('\t00042\t', '\t00042\textra\t');
  return lines.join('\n') + '\n';
}

describe('loadTraceFile', () => {
  const text = bigDump(30_000);

  it('streams a file in chunks to the same result as parsing it whole', async () => {
    const path = join(dir, 'big.log');
    await writeFile(path, text);
    const streamed = await loadTraceFile(path);
    const whole = parseTraceText(text, 'big.log');
    expect(streamed.jobs).toHaveLength(29_999);
    expect(streamed.jobs).toEqual(whole.jobs);
    expect(streamed.rejected).toEqual(whole.rejected);
    expect(streamed.rejected.map((r) => r.line)).toEqual([1235]);
    expect(streamed.sha256).toBe(whole.sha256);
    expect(streamed.jobs[3].name).toBe('jöb-日本-3');
  });

  it('reads gzip-compressed traces (as the Parallel Workloads Archive ships SWF), hashing the file as stored', async () => {
    const path = join(dir, 'big.log.gz');
    const packed = gzipSync(text);
    await writeFile(path, packed);
    const trace = await loadTraceFile(path);
    expect(trace.jobs).toHaveLength(29_999);
    expect(trace.sha256).toBe((await import('node:crypto')).createHash('sha256').update(packed).digest('hex'));
    await writeFile(path, packed.subarray(0, 4000));
    await expect(loadTraceFile(path)).rejects.toThrow(/big.log.gz: the gzip stream is damaged/);
  });

  it('reports progress in bytes and stops when aborted', async () => {
    const path = join(dir, 'progress.log');
    await writeFile(path, text);
    const seen: Progress[] = [];
    await loadTraceFile(path, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toMatchObject({ stage: 'load', done: Buffer.byteLength(text), total: Buffer.byteLength(text), unit: 'bytes' });
    expect(seen.length).toBeGreaterThan(2);
    const controller = new AbortController();
    controller.abort();
    await expect(loadTraceFile(path, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('reads a last line without a newline, and fails clearly on a missing file or a folder', async () => {
    const path = join(dir, 'nonl.txt');
    await writeFile(path, 'JobID|Submit|Start|End|Timelimit|NNodes\n1|2023-01-01T00:00:00|None|None|5|1');
    expect((await loadTraceFile(path)).jobs).toHaveLength(1);
    await expect(loadTraceFile(join(dir, 'absent.log'))).rejects.toThrow(TraceFormatError);
    await expect(loadTraceFile(dir)).rejects.toThrow(/not a file/);
  });
});
