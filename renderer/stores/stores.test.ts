import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../core/api/client.js';
import type { RecentEntry } from '../../core/api/shell.js';
import type { JobColumns, TraceOverview, TraceSummary } from '../../core/api/trace.js';
import { TraceSummarySchema } from '../../core/api/trace.js';
import { createTransportPair } from '../../core/api/transport.js';
import { serveConnection } from '../../core/api/connection.js';
import { ServiceError } from '../../core/api/errors.js';
import type { ApiHandlers } from '../../core/api/handlers.js';
import type { AppHost } from '../host/types.js';
import { setServices } from '../services.js';
import { useConnectionStore } from './connection.js';
import { useJobTableStore } from './job-table.js';
import { useRecentStore } from './recent.js';
import { useTasksStore } from './tasks.js';
import { useTraceStore } from './trace.js';
import { useUiStore } from './ui.js';

/**
 * The stores driven through the real client, transport and validating
 * connection, against scripted handlers: what the UI does when the back end
 * answers, fails, or is cancelled.
 */

const overview = (jobCount: number): TraceOverview => ({
  capacityNodes: 8,
  capacitySource: 'given',
  partitions: [],
  startUnknownCount: 0,
  jobCount,
  startedCount: jobCount,
  userCount: 1,
  firstSubmitSec: 0,
  lastEndSec: 7200,
  nodeHours: 2,
  utilisation: 0.125,
  wait: { meanSec: 60, p50Sec: 60, p90Sec: 60, p99Sec: 60, maxSec: 60 },
  nodeHistogram: { labels: ['1'], counts: [jobCount] },
  limitHistogram: { labels: ['1h-2h'], counts: [jobCount] },
  waitHistogram: { labels: ['1-10m'], counts: [jobCount] },
  series: { startSec: 0, stepSec: 3600, submitted: [jobCount, 0], runningNodes: [1, 1], queuedJobs: [0, 0] },
});

const summary = (fileName: string, jobCount = 3, traceId = `t-${fileName}`): TraceSummary => ({
  traceId,
  fileName,
  source: 'sample',
  path: null,
  format: 'mirage',
  sha256: '0'.repeat(64),
  rows: jobCount,
  rejectedCount: 0,
  rejected: [],
  repairs: {},
  notes: [],
  loadMs: 1,
  overview: overview(jobCount),
});

const columns: JobColumns = {
  traceId: 't-a.log',
  count: 3,
  id: ['10', '11', '12'],
  name: ['a', 'b', 'c'],
  user: ['u1', 'u2', 'u1'],
  partition: ['gpu', 'gpu', 'gpu'],
  state: ['', '', ''],
  submitSec: [0, 100, 200],
  startSec: [50, null, 260],
  endSec: [150, null, 400],
  limitMinutes: [60, 30, null],
  nodes: [1, 8, 2],
  line: [3, 4, 5],
};

function refuse(): never {
  throw new ServiceError('internal', 'not scripted');
}

let recent: RecentEntry[] = [];
const fakeHost: AppHost = {
  kind: 'browser',
  versions: {},
  connect: () => {},
  pickTraceFile: async () => null,
  pickedFromDrop: (file) => ({ kind: 'file', file, name: file.name }),
  saveText: async () => null,
  openText: async () => null,
  recentList: async () => recent,
  recentAdd: async (entry) => (recent = [entry, ...recent]),
  onMenuCommand: () => () => {},
};

function useHandlers(overrides: Partial<ApiHandlers>): void {
  const handlers = {
    'app.info': refuse,
    'trace.samples': async () => [],
    'trace.uploadBegin': refuse,
    'trace.uploadChunk': refuse,
    'trace.uploadAbort': async () => ({ aborted: true }),
    'trace.open': refuse,
    'trace.overview': refuse,
    'trace.jobs': refuse,
    'trace.close': async () => ({ closed: true }),
    ...overrides,
  } as ApiHandlers;
  const [clientEnd, serverEnd] = createTransportPair();
  serveConnection(serverEnd, handlers, { log: () => {}, progressIntervalMs: 0 });
  setServices({ client: createApiClient(clientEnd), host: fakeHost });
}

beforeEach(() => {
  recent = [];
  useTraceStore.setState({ status: 'idle', loading: null, summary: null, target: null, error: null, samples: [] });
  useJobTableStore.getState().reset();
  useUiStore.setState({ page: 'start' });
  useRecentStore.setState({ entries: [] });
});
afterEach(() => useTasksStore.getState().clearFinished());

describe('trace store', () => {
  it('opens a sample: summary in, overview page shown, recent list updated', async () => {
    useHandlers({ 'trace.open': async ({ source }) => summary(source.kind === 'sample' ? `${source.name}.log` : 'x') });
    await useTraceStore.getState().open({ kind: 'sample', name: 'ls6-a100', label: 'Lonestar6 A100' });
    const state = useTraceStore.getState();
    expect(state.status).toBe('ready');
    expect(TraceSummarySchema.parse(state.summary).fileName).toBe('ls6-a100.log');
    expect(useUiStore.getState().page).toBe('overview');
    expect(useRecentStore.getState().entries[0]).toMatchObject({ kind: 'sample', name: 'ls6-a100' });
    expect(useTasksStore.getState().tasks.at(-1)).toMatchObject({ title: 'Open Lonestar6 A100', state: 'done' });
  });

  it('closes the trace it replaces, unless the back end handed back the same id (a restarted back end reopening it)', async () => {
    const closed: string[] = [];
    let nextId = 't-1';
    useHandlers({
      'trace.open': async ({ source }) => summary(source.kind === 'sample' ? `${source.name}.log` : 'x', 3, nextId),
      'trace.close': async ({ traceId }) => {
        closed.push(traceId);
        return { closed: true };
      },
    });
    const open = () => useTraceStore.getState().open({ kind: 'sample', name: 'ls6-a100', label: 'Lonestar6 A100' }, { keepPage: true });
    await open();
    nextId = 't-2';
    await open();
    await expect.poll(() => closed).toEqual(['t-1']);
    // The same id again: closing it would close the trace just opened.
    await open();
    expect(useTraceStore.getState().summary?.traceId).toBe('t-2');
    nextId = 't-3';
    await open();
    await expect.poll(() => closed).toEqual(['t-1', 't-2']);
  });

  it('uploads a picked file in order and opens the upload', async () => {
    const received: string[] = [];
    let uploadedFor = '';
    useHandlers({
      'trace.uploadBegin': async ({ fileName, sizeChars }) => {
        uploadedFor = `${fileName}:${sizeChars}`;
        return { uploadId: 'u1', chunkChars: 4 };
      },
      'trace.uploadChunk': async ({ seq, text }) => {
        received[seq] = text;
        return { receivedChars: received.join('').length };
      },
      'trace.open': async ({ source }) => {
        expect(source).toEqual({ kind: 'upload', uploadId: 'u1' });
        return summary('mine.log');
      },
    });
    const file = new File(['abcdefghij'], 'mine.log');
    await useTraceStore.getState().open({ kind: 'file', file, name: 'mine.log' });
    expect(uploadedFor).toBe('mine.log:10');
    expect(received).toEqual(['abcd', 'efgh', 'ij']);
    expect(useTraceStore.getState().summary?.fileName).toBe('mine.log');
    // A browser cannot reopen an upload by itself: it is not a recent entry.
    expect(useRecentStore.getState().entries).toEqual([]);
  });

  it('keeps the open trace and shows file, line and reason when another file is bad', async () => {
    useHandlers({
      'trace.open': async ({ source }) => {
        if (source.kind === 'sample') return summary('good.log');
        throw new ServiceError('bad-input', 'bad.log:7: no header', { file: 'bad.log', line: 7, reason: 'no header' });
      },
    });
    await useTraceStore.getState().open({ kind: 'sample', name: 'good', label: 'good' });
    await useTraceStore.getState().open({ kind: 'path', path: '/x/bad.log', name: 'bad.log' });
    const state = useTraceStore.getState();
    expect(state.status).toBe('error');
    expect(state.error).toMatchObject({ fileName: 'bad.log', file: 'bad.log', line: 7, reason: 'no header' });
    expect(state.summary?.fileName).toBe('good.log');
    state.dismissError();
    expect(useTraceStore.getState().status).toBe('ready');
  });

  it('treats a file with no readable job as an error listing the rejected rows', async () => {
    useHandlers({
      'trace.open': async () => ({
        ...summary('empty.log', 0),
        rows: 2,
        rejectedCount: 2,
        rejected: [
          { file: 'empty.log', line: 2, reason: 'bad time', text: 'x' },
          { file: 'empty.log', line: 3, reason: 'bad nodes', text: 'y' },
        ],
      }),
    });
    await useTraceStore.getState().open({ kind: 'path', path: '/empty.log', name: 'empty.log' });
    expect(useTraceStore.getState().error).toMatchObject({ line: 2, reason: 'bad time', rejectedCount: 2 });
    expect(useTraceStore.getState().error?.rejected).toHaveLength(2);
  });

  it('cancels a slow open: the back end sees the abort and the UI returns to where it was', async () => {
    let backendAborted = false;
    useHandlers({
      'trace.open': (_params, { signal, onProgress }) =>
        new Promise((_resolve, reject) => {
          onProgress({ stage: 'load', done: 1, total: 10, unit: 'bytes' });
          signal.addEventListener('abort', () => {
            backendAborted = true;
            reject(signal.reason);
          });
        }),
    });
    const opening = useTraceStore.getState().open({ kind: 'sample', name: 'slow', label: 'slow' });
    await expect.poll(() => useTraceStore.getState().loading?.progress?.done).toBe(1);
    useTraceStore.getState().cancelOpen();
    await opening;
    expect(useTraceStore.getState()).toMatchObject({ status: 'idle', loading: null, error: null });
    expect(useTasksStore.getState().tasks.at(-1)?.state).toBe('cancelled');
    await expect.poll(() => backendAborted).toBe(true);
  });
});

describe('job table store', () => {
  it('loads the columns once, sorts and filters', async () => {
    let calls = 0;
    useHandlers({
      'trace.jobs': async () => {
        calls++;
        return columns;
      },
    });
    const table = useJobTableStore.getState();
    await Promise.all([table.load('t-a.log'), table.load('t-a.log')]);
    expect(calls).toBe(1);
    expect(Array.from(useJobTableStore.getState().view)).toEqual([0, 1, 2]);
    useJobTableStore.getState().toggleSort('nodes');
    expect(Array.from(useJobTableStore.getState().view)).toEqual([0, 2, 1]);
    useJobTableStore.getState().toggleSort('nodes');
    expect(Array.from(useJobTableStore.getState().view)).toEqual([1, 2, 0]);
    useJobTableStore.getState().setQuery('user:u1');
    expect(Array.from(useJobTableStore.getState().view)).toEqual([2, 0]);
    useJobTableStore.getState().reset();
    expect(useJobTableStore.getState()).toMatchObject({ columns: null, query: '', status: 'empty' });
  });
});

describe('connection store', () => {
  it('says the back end was restarted when a reconnection finds another one, and only then', async () => {
    let instance = 'first';
    const info = () => ({ name: 'mirage', version: '0', backend: 'serve' as const, versions: {}, platform: 'linux', arch: 'x64', tfjsBackend: null, canReadPaths: false, instance });
    useHandlers({ 'app.info': async () => info() });
    const store = useConnectionStore.getState();
    useConnectionStore.setState({ info: null, restartNotice: null });
    const reconnect = async () => {
      store.setStatus({ state: 'disconnected', detail: 'gone', restarts: 0 });
      store.setStatus({ state: 'ready', restarts: 1 });
      await expect.poll(() => useConnectionStore.getState().info?.instance).toBe(instance);
    };
    await reconnect();
    await reconnect();
    expect(useConnectionStore.getState().restartNotice).toBeNull();
    instance = 'second';
    await reconnect();
    expect(useConnectionStore.getState().restartNotice).toMatch(/The back end was restarted/);
  });
});
