import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';
import { BackendProcess } from './backend-process.js';
import { MAX_PAGE_BACKLOG_BYTES } from './ws-transport.js';
import type { BackendProcessOptions } from './backend-process.js';
import { backendOptionsFrom, fromBackendMessage, statusBytes, toBackendMessage } from './backend-protocol.js';
import type { RunningServer } from './server.js';
import { startServer } from './server.js';
import { MAX_PAYLOAD_BYTES } from './ws-host.js';

const TOKEN = 'c'.repeat(48);
const rendererDir = mkdtempSync(join(tmpdir(), 'mirage-backend-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');

type Reply = { kind: string; id?: string; ok?: boolean; result?: unknown; error?: { code: string; message: string } };

function openSocket(server: RunningServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${TOKEN}`, { maxPayload: 64 << 20 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends one frame and waits for the response to `id` (the socket closing rejects). */
function exchange(ws: WebSocket, id: string, frame: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: unknown) => {
      const reply = JSON.parse(String(data)) as Reply;
      if (reply.kind === 'response' && (reply.id === id || reply.id === undefined)) {
        ws.off('message', onMessage);
        resolve(reply);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`socket closed (${code}) before the response to ${id}`)));
    ws.send(frame);
  });
}
const call = (ws: WebSocket, id: string, method: string, params: unknown = {}) => exchange(ws, id, JSON.stringify({ kind: 'request', id, method, params }));

async function appInfo(server: RunningServer): Promise<Reply> {
  const ws = await openSocket(server);
  try {
    return await call(ws, 'health', 'app.info');
  } finally {
    ws.terminate();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A server and its back end for the tests of one describe block, as `mirage serve` wires them. */
function served(options: BackendProcessOptions): { backend: () => BackendProcess; server: () => RunningServer } {
  let backend: BackendProcess;
  let server: RunningServer;
  beforeAll(async () => {
    backend = await BackendProcess.start(options);
    server = await startServer({ port: 0, rendererDir, token: TOKEN, upgrade: (request, socket, head) => backend.upgrade(request, socket, head) });
  }, TEST_TIMEOUTS.hook);
  afterAll(async () => {
    await server.close();
    await backend.stop();
  }, TEST_TIMEOUTS.hook);
  return { backend: () => backend, server: () => server };
}

describe('the back-end process of mirage serve', () => {
  const logged: string[] = [];
  // Never replaced when idle here: a test must know which process it kills.
  const fixture = served({ backend: { runsDir: null, traceGraceMs: 0 }, recycleAfterMs: 0, log: (m) => logged.push(m) });
  let backend: BackendProcess;
  let server: RunningServer;
  beforeAll(() => {
    backend = fixture.backend();
    server = fixture.server();
  });
  afterEach(async () => {
    expect(await appInfo(server)).toMatchObject({ ok: true, result: { backend: 'serve' } });
  });

  it('serves the API from its own process', async () => {
    const status = await backend.status();
    expect(status.pid).not.toBe(process.pid);
    expect(alive(status.pid)).toBe(true);
    const ws = await openSocket(server);
    try {
      const samples = await call(ws, 's', 'trace.samples');
      expect(samples.ok).toBe(true);
      expect((samples.result as Array<{ name: string }>).map((s) => s.name)).toContain('ls6-a100');
    } finally {
      ws.terminate();
    }
  });

  it('answers frames that are not requests with an error, and keeps the connection', async () => {
    const ws = await openSocket(server);
    try {
      expect(await exchange(ws, '?', 'not json {')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      expect(await exchange(ws, '?', Buffer.from([0, 1, 2]))).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      expect(await call(ws, 'bad', 'trace.open', { source: { kind: 'path', path: '/etc/passwd' } })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await call(ws, 'after', 'app.info')).toMatchObject({ ok: true });
    } finally {
      ws.terminate();
    }
  });

  it('closes a page whose message is over the limit', async () => {
    const ws = await openSocket(server);
    const code = await new Promise<number>((resolve) => {
      ws.once('close', resolve);
      ws.send('x'.repeat(MAX_PAYLOAD_BYTES + 1));
    });
    expect(code).toBe(1009);
  });

  it('drops a page that asks and does not read its replies, once they pass the bound; others are served', { timeout: TEST_TIMEOUTS.test }, async () => {
    const ws = await openSocket(server);
    const opened = await call(ws, 'open', 'trace.open', { source: { kind: 'sample', name: 'ls6-a100' } });
    const { traceId } = opened.result as { traceId: string };
    const oneReply = Buffer.byteLength(JSON.stringify((await call(ws, 'jobs', 'trace.jobs', { traceId })).result));
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.pause();
    // Enough replies to pass the bound beyond what the kernel's socket buffers hold.
    const requests = Math.ceil(MAX_PAGE_BACKLOG_BYTES / oneReply) + 8;
    for (let i = 0; i < requests; i++) ws.send(JSON.stringify({ kind: 'request', id: `j${i}`, method: 'trace.jobs', params: { traceId } }));
    await expect.poll(() => logged.some((m) => m.includes('replies unread')), { timeout: TEST_TIMEOUTS.wait }).toBe(true);
    expect(await appInfo(server)).toMatchObject({ ok: true });
    ws.resume();
    await closed;
  });

  it('survives the back end crashing: pages are closed and a new back end serves them', { timeout: TEST_TIMEOUTS.test }, async () => {
    const first = await backend.status();
    const generation = backend.generation;
    const ws = await openSocket(server);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    process.kill(first.pid, 'SIGKILL');
    // The page's socket ended with the process that held it; the page reconnects by itself (renderer/host/browser.ts).
    expect(await closed).toBe(1006);
    await expect.poll(() => backend.generation, { timeout: TEST_TIMEOUTS.wait }).toBe(generation + 1);
    expect(await appInfo(server)).toMatchObject({ ok: true });
    expect((await backend.status()).pid).not.toBe(first.pid);
    expect(logged.some((m) => m.includes('the back end stopped (SIGKILL)'))).toBe(true);
  });
});

describe('a back end idle with no page', () => {
  const fixture = served({ backend: { runsDir: null, traceGraceMs: 200 }, recycleAfterMs: 300, log: () => {} });
  let backend: BackendProcess;
  let server: RunningServer;
  beforeAll(() => {
    backend = fixture.backend();
    server = fixture.server();
  });

  it('is replaced once it has worked, no page is connected and it holds nothing', { timeout: TEST_TIMEOUTS.test }, async () => {
    const before = await backend.status();
    expect(backend.fresh).toBe(true);
    const ws = await openSocket(server);
    const opened = await call(ws, 'open', 'trace.open', { source: { kind: 'sample', name: 'ls6-a100' } });
    expect(opened).toMatchObject({ ok: true });
    expect(backend.fresh).toBe(false);
    ws.terminate();
    await expect.poll(async () => (await backend.status()).pid, { timeout: TEST_TIMEOUTS.wait }).not.toBe(before.pid);
    const after = await backend.status();
    expect(after).toMatchObject({ busy: false, openTraces: 0 });
    expect(backend.fresh).toBe(true);
    // The one it replaced was asked to stop, and did.
    await expect.poll(() => alive(before.pid), { timeout: TEST_TIMEOUTS.wait }).toBe(false);
    expect(await appInfo(server)).toMatchObject({ ok: true });
  });
});

describe('stopping after the back end was replaced', () => {
  it('stops: the listening server does not wait on pages a replaced back end held', { timeout: TEST_TIMEOUTS.test }, async () => {
    const backend = await BackendProcess.start({ backend: { runsDir: null, traceGraceMs: 0 }, recycleAfterMs: 200, log: () => {} });
    const server = await startServer({ port: 0, rendererDir, token: TOKEN, upgrade: (request, socket, head) => backend.upgrade(request, socket, head) });
    const ws = await openSocket(server);
    expect(await call(ws, 'i', 'app.info')).toMatchObject({ ok: true });
    ws.terminate();
    await expect.poll(() => backend.generation > 1 && backend.fresh, { timeout: TEST_TIMEOUTS.wait }).toBe(true);
    // Both end (they hung here when Node tracked the handed-over socket as a worker's).
    await server.close();
    await backend.stop();
  });
});

describe('mirage serve with its back end', () => {
  it('leaves no back end behind when the server is killed', { timeout: TEST_TIMEOUTS.test }, async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'mirage-backend-runs-'));
    const serve = spawn(process.execPath, ['--import', 'tsx', 'core/cli/testing-entry.ts', 'serve', '--port', '0', '--renderer-dir', rendererDir, '--runs-dir', runsDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('?token=')) resolve();
        });
        serve.once('exit', (code) => reject(new Error(`mirage serve exited (${code}) before printing its URL`)));
      });
      // Its children besides tsx's own compiler service: the back end.
      const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(serve.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('backend-entry'))
        .map((line) => Number.parseInt(line.trim(), 10));
      expect(children).toHaveLength(1);
      serve.kill('SIGKILL');
      await expect.poll(() => alive(children[0]), { timeout: TEST_TIMEOUTS.wait }).toBe(false);
    } finally {
      serve.kill('SIGKILL');
    }
  });
});

describe('the messages between the server and its back end', () => {
  it('takes the ones it knows and refuses the rest', () => {
    const head = Buffer.alloc(0);
    const upgrade = { type: 'upgrade', method: 'GET', url: '/api?token=x', headers: { host: '127.0.0.1:1', 'x-many': ['a', 'b'] }, head };
    expect(toBackendMessage({ ...upgrade, extra: 'dropped' })).toEqual(upgrade);
    expect(toBackendMessage({ type: 'status', id: 3 })).toEqual({ type: 'status', id: 3 });
    for (const bad of [
      null,
      'shutdown',
      [],
      { ...upgrade, head: 'x' },
      { ...upgrade, headers: { host: 5 } },
      { ...upgrade, method: undefined },
      { type: 'status', id: 0 },
      { type: 'status', id: 1.5 },
      { type: 'exec' },
    ]) {
      expect(toBackendMessage(bad)).toBeNull();
    }
    expect(fromBackendMessage({ type: 'pages', count: 0 })).toEqual({ type: 'pages', count: 0 });
    expect(fromBackendMessage({ type: 'log', message: 'x' })).toEqual({ type: 'log', message: 'x' });
    expect(fromBackendMessage({ type: 'pages', count: -1 })).toBeNull();
    expect(fromBackendMessage({ type: 'log', message: 3 })).toBeNull();
    expect(fromBackendMessage({ type: 'status', id: 1, status: { busy: 'no', pid: 4 } })).toBeNull();
  });

  it('reads its options from one JSON argument, naming what is wrong', () => {
    expect(backendOptionsFrom('{"runsDir":"/r","traceGraceMs":5}')).toEqual({ runsDir: '/r', traceGraceMs: 5 });
    expect(() => backendOptionsFrom(undefined)).toThrow(/one JSON argument/);
    expect(() => backendOptionsFrom('{"runsDir":3}')).toThrow(/runsDir/);
    expect(() => backendOptionsFrom('{"runsDir":null,"traceGraceMs":-1}')).toThrow(/traceGraceMs/);
  });

  it('reads memory fields of /proc/PID/status in bytes', () => {
    const text = 'Name:\tnode\nVmHWM:\t  123 kB\nRssAnon:\t    4 kB\n';
    expect(statusBytes(text, 'RssAnon')).toBe(4096);
    expect(statusBytes(text, 'VmHWM')).toBe(123 * 1024);
    expect(statusBytes('Name:\tnode\n', 'RssAnon')).toBeNaN();
  });
});
