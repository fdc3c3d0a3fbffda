import { describe, expect, it } from 'vitest';
import { JobColumnsSchema, TraceSummarySchema, UPLOAD_CHUNK_CHARS } from '../api/trace.js';
import { AppInfoSchema } from '../api/app.js';
import { createMirageService } from './service.js';
import { connectInProcess } from '../api/testing.js';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';

const HEADER = [
  '       JobID    JobName    UID               Start              Submit                 End   Priority TimelimitR ExitCode   NNodes',
  '------------ ---------- ------ ------------------- ------------------- ------------------- ---------- ---------- -------- --------',
];
const row = (id: number, start: string, submit: string, end: string, limit: number, nodes: number) =>
  [id, `job${id}`, '00001', start, submit, end, 1000, limit, '0:0', nodes].join('\t');

/** Three good rows and one with a broken time on file line 5. */
const SMALL_TRACE = [
  ...HEADER,
  row(1, '2023-01-01T00:10:00', '2023-01-01T00:00:00', '2023-01-01T02:10:00', 180, 2),
  row(2, '2023-01-01T01:00:00', '2023-01-01T00:30:00', '2023-01-01T03:00:00', 240, 1),
  '3\tbroken\t00001\tnot-a-time\t2023-01-01T00:00:00\t2023-01-01T01:00:00\t1000\t60\t0:0\t1',
  row(4, '2023-01-01T05:00:00', '2023-01-01T01:00:00', '2023-01-01T06:00:00', 60, 4),
].join('\n');

async function upload(client: ReturnType<typeof connectInProcess>['client'], fileName: string, text: string) {
  const { uploadId, chunkChars } = await client.call('trace.uploadBegin', { fileName, sizeChars: text.length });
  expect(chunkChars).toBe(UPLOAD_CHUNK_CHARS);
  // Small chunks on purpose: reassembly must not depend on the chunk size.
  for (let seq = 0, offset = 0; offset < text.length; seq++, offset += 50) {
    await client.call('trace.uploadChunk', { uploadId, seq, text: text.slice(offset, offset + 50) });
  }
  return uploadId;
}

describe('the Mirage service over the in-process transport', () => {
  it('opens the bundled LS6 sample by name, with its rejected row and a full overview', async () => {
    const service = createMirageService({ backend: 'in-process', canReadPaths: false });
    const { client, close } = connectInProcess(service.handlers);
    const samples = await client.call('trace.samples', {});
    expect(samples.map((s) => s.name)).toContain('ls6-a100');
    const stages = new Set<string>();
    const summary = await client.call('trace.open', { source: { kind: 'sample', name: 'ls6-a100' } }, { onProgress: (p) => stages.add(p.stage) });
    expect(() => TraceSummarySchema.parse(summary)).not.toThrow();
    expect(stages).toContain('load');
    expect(summary.fileName).toBe('ls6-a100.log');
    expect(summary.sha256).toBe('e1ff7c8e9fde480a21ea698c56e1e874a1f0179ecf007e03c63d9d3d78a6a942');
    expect(summary.rejectedCount).toBe(1);
    expect(summary.rejected[0]).toMatchObject({ file: 'ls6-a100.log', line: 19706 });
    const o = summary.overview;
    expect(o.capacityNodes).toBe(88);
    expect(o.jobCount + summary.rejectedCount).toBe(summary.rows);
    expect(o.series.runningNodes.length).toBe(o.series.submitted.length);
    expect(o.series.queuedJobs.length).toBe(o.series.submitted.length);
    expect(o.series.submitted.reduce((a, b) => a + b, 0)).toBe(o.jobCount);
    expect(o.waitHistogram.counts.reduce((a, b) => a + b, 0)).toBe(o.startedCount);
    expect(o.nodeHistogram.counts.reduce((a, b) => a + b, 0)).toBe(o.jobCount);
    expect(Math.max(...o.series.runningNodes)).toBeLessThanOrEqual(88);

    const jobs = await client.call('trace.jobs', { traceId: summary.traceId });
    expect(() => JobColumnsSchema.parse(jobs)).not.toThrow();
    expect(jobs.count).toBe(o.jobCount);
    expect(jobs.id[0]).toBe('478729');

    const wider = await client.call('trace.overview', { traceId: summary.traceId, capacityNodes: 176 });
    expect(wider.utilisation).toBeCloseTo(o.utilisation / 2, 2); // stats round to 3 digits
    close();
  });

  it('parses an upload and names the line and reason of a bad row', async () => {
    const service = createMirageService({ backend: 'in-process', canReadPaths: false });
    const { client, close } = connectInProcess(service.handlers);
    const uploadId = await upload(client, 'small.log', SMALL_TRACE);
    const summary = await client.call('trace.open', { source: { kind: 'upload', uploadId }, capacityNodes: 8 });
    expect(summary.source).toBe('upload');
    expect(summary.path).toBeNull();
    expect(summary.overview.jobCount).toBe(3);
    expect(summary.rejected).toHaveLength(1);
    expect(summary.rejected[0]).toMatchObject({ file: 'small.log', line: 5 });
    expect(summary.rejected[0].reason.length).toBeGreaterThan(3);
    // One upload opens once: its text is released after parsing.
    await expect(client.call('trace.open', { source: { kind: 'upload', uploadId } })).rejects.toMatchObject({ code: 'not-found' });
    close();
  });

  it('recognises an uploaded copy of a sample and uses its cluster size', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../assets/traces/ls6-a100.log', import.meta.url), 'utf8');
    const { client, close } = connectInProcess(createMirageService({ backend: 'serve', canReadPaths: false }).handlers);
    const { uploadId } = await client.call('trace.uploadBegin', { fileName: 'copy.log', sizeChars: text.length });
    for (let seq = 0, offset = 0; offset < text.length; seq++, offset += UPLOAD_CHUNK_CHARS) {
      await client.call('trace.uploadChunk', { uploadId, seq, text: text.slice(offset, offset + UPLOAD_CHUNK_CHARS) });
    }
    const summary = await client.call('trace.open', { source: { kind: 'upload', uploadId } });
    expect(summary.overview.capacityNodes).toBe(88);
    expect(summary.overview.jobCount).toBe(24776);
    close();
  });

  it('never hands out a trace id twice, also across back ends (a page keeps its id over a restart)', async () => {
    const ids: string[] = [];
    for (let backEnd = 0; backEnd < 2; backEnd++) {
      const { client, close } = connectInProcess(createMirageService({ backend: 'serve', canReadPaths: false }).handlers);
      for (let i = 0; i < 2; i++) {
        const opened = await client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(client, 'small.log', SMALL_TRACE) } });
        ids.push(opened.traceId);
      }
      // The first back end's ids mean nothing to the second.
      if (backEnd === 1) await expect(client.call('trace.summary', { traceId: ids[0] })).rejects.toMatchObject({ code: 'not-found' });
      close();
    }
    expect(new Set(ids).size).toBe(4);
  });

  it('refuses out-of-order or oversized chunks and unknown uploads', async () => {
    const service = createMirageService({ backend: 'in-process', canReadPaths: false });
    const { client, close } = connectInProcess(service.handlers);
    const { uploadId } = await client.call('trace.uploadBegin', { fileName: 'a.log', sizeChars: 4 });
    await expect(client.call('trace.uploadChunk', { uploadId, seq: 1, text: 'ab' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(client.call('trace.uploadChunk', { uploadId, seq: 0, text: 'abcdef' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(client.call('trace.open', { source: { kind: 'upload', uploadId } })).rejects.toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/incomplete/) });
    await expect(client.call('trace.uploadChunk', { uploadId: 'nope', seq: 0, text: 'x' })).rejects.toMatchObject({ code: 'not-found' });
    close();
  });

  it('reads host paths only where the host allows it, and reports a non-trace with its file', async () => {
    const browser = connectInProcess(createMirageService({ backend: 'serve', canReadPaths: false }).handlers);
    await expect(browser.client.call('trace.open', { source: { kind: 'path', path: '/etc/hostname' } })).rejects.toMatchObject({ code: 'forbidden' });
    browser.close();

    const desktop = connectInProcess(createMirageService({ backend: 'electron-utility', canReadPaths: true }).handlers);
    const error = await desktop.client.call('trace.open', { source: { kind: 'path', path: '/definitely/missing.log' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-input', payload: { file: 'missing.log' } });
    desktop.close();
  });

  it('reports what it runs on', async () => {
    const { client, close } = connectInProcess(createMirageService({ backend: 'serve', canReadPaths: false, tfjsBackend: () => 'wasm' }).handlers);
    const info = AppInfoSchema.parse(await client.call('app.info', {}));
    expect(info).toMatchObject({ backend: 'serve', canReadPaths: false, tfjsBackend: 'wasm' });
    expect(info.versions.node).toBe(process.versions.node);
    close();
  });

  it('keeps at most maxTraces traces open', async () => {
    const service = createMirageService({ backend: 'in-process', canReadPaths: false, maxTraces: 2 });
    const { client, close } = connectInProcess(service.handlers);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const uploadId = await upload(client, `t${i}.log`, SMALL_TRACE);
      ids.push((await client.call('trace.open', { source: { kind: 'upload', uploadId } })).traceId);
    }
    expect(service.openTraces).toBe(2);
    await expect(client.call('trace.jobs', { traceId: ids[0] })).rejects.toMatchObject({ code: 'not-found' });
    await expect(client.call('trace.jobs', { traceId: ids[2] })).resolves.toMatchObject({ count: 3 });
    close();
  });
});

describe('traces held per page', () => {
  it('keeps a trace two pages hold until both are gone, and drops what only a gone page held after its grace', async () => {
    const service = createMirageService({ backend: 'serve', canReadPaths: false, traceGraceMs: 200 });
    const a = connectInProcess(service.handlers);
    const b = connectInProcess(service.handlers);
    const shared = await a.client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(a.client, 'shared.log', SMALL_TRACE) } });
    // Held by page a alone: its disappearance says a's grace is over.
    const marker = await a.client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(a.client, 'marker.log', SMALL_TRACE.replace('job1', 'jobX')) } });
    expect(marker.sha256).not.toBe(shared.sha256);
    await b.client.call('trace.summary', { traceId: shared.traceId }); // b looks at it too: now b holds it
    expect([service.openTraces, service.parsedTraces]).toEqual([2, 2]);
    a.close();
    await expect.poll(() => service.openTraces, { timeout: TEST_TIMEOUTS.wait }).toBe(1);
    await expect(b.client.call('trace.jobs', { traceId: shared.traceId })).resolves.toMatchObject({ count: 3 });
    await expect(b.client.call('trace.summary', { traceId: marker.traceId })).rejects.toMatchObject({ code: 'not-found' });
    b.close();
    await expect.poll(() => service.openTraces, { timeout: TEST_TIMEOUTS.wait }).toBe(0);
  });

  it('lets a reloaded page (a new connection) re-attach to its trace within the grace', async () => {
    // The default grace (minutes): the reload below comes long before it ends.
    const service = createMirageService({ backend: 'serve', canReadPaths: false });
    const before = connectInProcess(service.handlers);
    const opened = await before.client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(before.client, 'mine.log', SMALL_TRACE) } });
    before.close();
    // A reload takes a while: timers due by then (a grace of 0) would have run.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = connectInProcess(service.handlers);
    const summary = await after.client.call('trace.summary', { traceId: opened.traceId });
    expect(summary).toEqual(opened);
    // Its close releases the new page's hold; the old page's grace hold remains until the grace ends.
    await expect(after.client.call('trace.close', { traceId: opened.traceId })).resolves.toEqual({ closed: true });
    await expect(after.client.call('trace.close', { traceId: opened.traceId })).resolves.toEqual({ closed: false });
    expect(service.openTraces).toBe(1);
    after.close();
  });

  it('shares one parse between pages opening the same file one after the other', async () => {
    const service = createMirageService({ backend: 'serve', canReadPaths: false });
    const pages = [connectInProcess(service.handlers), connectInProcess(service.handlers)];
    const summaries = [];
    for (const page of pages) summaries.push(await page.client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(page.client, 'same.log', SMALL_TRACE) } }));
    expect(summaries[0].traceId).not.toBe(summaries[1].traceId);
    expect([service.openTraces, service.parsedTraces]).toEqual([2, 1]);
    expect(await pages[1].client.call('trace.jobs', { traceId: summaries[1].traceId })).toEqual({ ...(await pages[0].client.call('trace.jobs', { traceId: summaries[0].traceId })), traceId: summaries[1].traceId });
    for (const page of pages) page.close();
  });

  it('refuses a new trace, naming the limit, when open pages hold maxParsedTraces files', async () => {
    const service = createMirageService({ backend: 'serve', canReadPaths: false, maxParsedTraces: 1 });
    const a = connectInProcess(service.handlers);
    const b = connectInProcess(service.handlers);
    await a.client.call('trace.open', { source: { kind: 'upload', uploadId: await upload(a.client, 'a.log', SMALL_TRACE) } });
    const uploadId = await upload(b.client, 'b.log', SMALL_TRACE.replace('job1', 'jobB'));
    await expect(b.client.call('trace.open', { source: { kind: 'upload', uploadId } })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/holds 1 traces that open pages are using/) });
    a.close();
    b.close();
  });
});
