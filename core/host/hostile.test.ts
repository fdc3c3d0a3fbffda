import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from './server.js';
import { startServer } from './server.js';
import { MAX_CLIENTS, MAX_PAYLOAD_BYTES } from './ws-host.js';
import { BackendProcess } from './backend-process.js';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';

/**
 * A hostile or broken client against `mirage serve`, on 127.0.0.1 only: raw
 * WebSocket frames no browser would send, messages past the limit, and the
 * UI's own upload of control bytes. After each case the server must still
 * answer a health request (app.info over a fresh WebSocket, and a page over
 * HTTP) and nothing may have escaped as an uncaught error.
 */

const TOKEN = 'h'.repeat(48);
/** Generous (the suite's one waiting time): the machine may be busy; this catches a dead or stalled server, not a slow one. */
const HEALTH_TIMEOUT_MS = TEST_TIMEOUTS.wait;

let server: RunningServer;
let backend: BackendProcess;
const escaped: unknown[] = [];
const onEscape = (error: unknown) => escaped.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const dir = mkdtempSync(join(tmpdir(), 'mirage-hostile-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  // As `mirage serve` runs: the HTTP server here, the pages' sockets and the service in its back-end process. A short
  // grace: the heavy case checks that the traces go once their pages have. Never replaced when idle:
  // each case checks that the one back end is still the one that started.
  backend = await BackendProcess.start({ backend: { runsDir: null, traceGraceMs: 300 }, recycleAfterMs: 0, log: () => {} });
  server = await startServer({ port: 0, rendererDir: dir, token: TOKEN, upgrade: (request, socket, head) => backend.upgrade(request, socket, head) });
}, TEST_TIMEOUTS.hook);
afterAll(async () => {
  await server.close();
  await backend.stop();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});
afterEach(async () => {
  await expectHealthy();
  expect(escaped).toEqual([]);
  expect(backend.generation).toBe(1);
});

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${TOKEN}`, { maxPayload: 64 << 20 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

type Reply = { id: string; ok: boolean; result?: unknown; error?: { code: string; message: string } };

/** Sends one request and waits for its response (or the socket closing, which rejects). */
function call(ws: WebSocket, id: string, method: string, params: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: unknown) => {
      const reply = JSON.parse(String(data)) as Reply & { kind: string };
      if (reply.kind === 'response' && reply.id === id) {
        ws.off('message', onMessage);
        resolve(reply);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`socket closed (${code}) before the response to ${id}`)));
    ws.send(JSON.stringify({ kind: 'request', id, method, params }));
  });
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function httpStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectHealthy(): Promise<void> {
  expect(await withTimeout(httpStatus(`/?token=${TOKEN}`), 'HTTP health')).toBe(200);
  const ws = await withTimeout(openSocket(), 'WebSocket open');
  try {
    const reply = await withTimeout(call(ws, 'health', 'app.info', {}), 'app.info');
    expect(reply).toMatchObject({ ok: true, result: { backend: 'serve' } });
  } finally {
    ws.terminate();
  }
}

/** A raw TCP connection that has done the WebSocket handshake: frames are written by hand. */
async function rawSocket(): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: server.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // the server may reset it: that is an allowed answer
  socket.write(
    `GET /api?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
  return socket;
}

interface FrameOptions {
  fin?: boolean;
  rsv1?: boolean;
  opcode?: number;
  masked?: boolean;
  /** The length the header claims (defaults to the payload's). */
  claimedLength?: bigint;
}

function frame(payload: Buffer, options: FrameOptions = {}): Buffer {
  const { fin = true, rsv1 = false, opcode = 0x1, masked = true } = options;
  const length = options.claimedLength ?? BigInt(payload.length);
  const parts: Buffer[] = [Buffer.from([(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode])];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126n) parts.push(Buffer.from([maskBit | Number(length)]));
  else if (length < 65536n) {
    const b = Buffer.alloc(3);
    b[0] = maskBit | 126;
    b.writeUInt16BE(Number(length), 1);
    parts.push(b);
  } else {
    const b = Buffer.alloc(9);
    b[0] = maskBit | 127;
    b.writeBigUInt64BE(length, 1);
    parts.push(b);
  }
  if (masked) {
    const mask = randomBytes(4);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
    parts.push(mask, body);
  } else {
    parts.push(payload);
  }
  return Buffer.concat(parts);
}

/** Writes the bytes, then waits until the server has closed the connection (or a bounded while). */
async function sendAndWaitForClose(bytes: Buffer[]): Promise<void> {
  const socket = await rawSocket();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  for (const b of bytes) socket.write(b);
  await withTimeout(closed, 'server closing the bad connection');
}

const text = (s: string) => Buffer.from(s, 'utf8');
const request_ = (id: string) => text(JSON.stringify({ kind: 'request', id, method: 'app.info', params: {} }));

describe('mirage serve against hostile WebSocket frames', () => {
  it('survives an unmasked client frame', async () => {
    await sendAndWaitForClose([frame(request_('u1'), { masked: false })]);
  });

  it('survives an unknown opcode', async () => {
    await sendAndWaitForClose([frame(request_('o1'), { opcode: 0x3 })]);
  });

  it('survives RSV1 without a negotiated extension', async () => {
    await sendAndWaitForClose([frame(request_('r1'), { rsv1: true })]);
  });

  it('survives a text frame of invalid UTF-8', async () => {
    await sendAndWaitForClose([frame(Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]))]);
  });

  it('survives an 8 GiB length header', async () => {
    await sendAndWaitForClose([frame(Buffer.alloc(0), { claimedLength: 8n << 30n }).subarray(0, 14)]);
  });

  it('survives a length header just over the limit', async () => {
    await sendAndWaitForClose([frame(Buffer.alloc(0), { claimedLength: BigInt(MAX_PAYLOAD_BYTES + 1) }).subarray(0, 14)]);
  });

  it('survives a message over the limit sent in fragments', async () => {
    const part = Buffer.alloc(Math.ceil(MAX_PAYLOAD_BYTES / 2) + 1, 0x61);
    await sendAndWaitForClose([frame(part, { fin: false }), frame(part, { opcode: 0x0 })]);
  });

  it('survives a control frame that is too long or fragmented', async () => {
    await sendAndWaitForClose([frame(Buffer.alloc(200), { opcode: 0x9 })]);
    await sendAndWaitForClose([frame(Buffer.alloc(4), { opcode: 0x9, fin: false })]);
  });

  it('survives a continuation frame with nothing to continue', async () => {
    await sendAndWaitForClose([frame(request_('c1'), { opcode: 0x0 })]);
  });

  it('survives a client that vanishes mid-frame', async () => {
    const socket = await rawSocket();
    socket.write(frame(Buffer.alloc(1000, 0x61)).subarray(0, 300));
    socket.destroy();
  });

  it('survives garbage instead of HTTP, and a bad handshake', async () => {
    for (const garbage of ['\x00\x01\x02 NOT HTTP\r\n\r\n', `GET /api?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n`]) {
      const socket = connect({ host: '127.0.0.1', port: server.port });
      socket.on('error', () => {});
      socket.resume(); // read the server's answer, so its close arrives
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.end(garbage);
      await withTimeout(closed, 'server closing the garbage connection');
    }
  });

  it('answers a message that is not a request (binary, not JSON, deeply nested) with an error, and keeps the connection', async () => {
    const ws = await openSocket();
    try {
      const replies: Reply[] = [];
      ws.on('message', (data) => replies.push(JSON.parse(String(data)) as Reply));
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      ws.send('{not json');
      const depth = 200_000;
      ws.send(`{"kind":"request","id":"deep","method":"app.info","params":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      await expect.poll(() => replies.length, { timeout: HEALTH_TIMEOUT_MS }).toBe(3);
      for (const reply of replies) expect(reply.ok).toBe(false);
      expect(await call(ws, 'after', 'app.info', {})).toMatchObject({ ok: true });
    } finally {
      ws.terminate();
    }
  });

  it('closes a connection whose message is over the limit, answering nothing else', async () => {
    const ws = await openSocket();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(MAX_PAYLOAD_BYTES + 1));
    expect(await withTimeout(closed, 'close after an oversized message')).toBe(1009);
  });
});

describe('many connections', () => {
  it('refuses WebSockets past MAX_CLIENTS at once, and accepts again once they close', { timeout: 120_000 }, async () => {
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < MAX_CLIENTS; i++) sockets.push(await openSocket());
      await expect(openSocket()).rejects.toThrow(/503/);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    await expect.poll(async () => (await openSocket().then((ws) => (ws.terminate(), true), () => false)), { timeout: HEALTH_TIMEOUT_MS }).toBe(true);
  });
});

describe('uploads that JSON makes longer on the wire', () => {
  // JSON writes a NUL or control character as \u0000: six bytes for one character.
  for (const [what, char] of [
    ['NUL', '\u0000'],
    ['control', '\u0001'],
    ['lone surrogate', '\ud800'],
  ] as const) {
    it(`takes a full chunk of ${what} characters within the message limit`, async () => {
      const ws = await openSocket();
      try {
        const begin = await call(ws, 'b', 'trace.uploadBegin', { fileName: 'x.log', sizeChars: 1 << 21 });
        expect(begin.ok).toBe(true);
        const { uploadId, chunkChars } = begin.result as { uploadId: string; chunkChars: number };
        const chunk = char.repeat(chunkChars);
        expect(JSON.stringify({ kind: 'request', id: 'c0', method: 'trace.uploadChunk', params: { uploadId, seq: 0, text: chunk } }).length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
        expect(await call(ws, 'c0', 'trace.uploadChunk', { uploadId, seq: 0, text: chunk })).toMatchObject({ ok: true, result: { receivedChars: chunkChars } });
        expect(await call(ws, 'a', 'trace.uploadAbort', { uploadId })).toMatchObject({ ok: true, result: { aborted: true } });
      } finally {
        ws.terminate();
      }
    });
  }
});

describe('heavy requests at once', () => {
  /** Sends every request at once on one socket; resolves with each reply, in order. */
  async function burst(ws: WebSocket, requests: Array<{ id: string; method: string; params: unknown }>): Promise<Reply[]> {
    const replies = new Map<string, Reply>();
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const reply = JSON.parse(String(data)) as Reply & { kind: string };
        if (reply.kind !== 'response') return;
        replies.set(reply.id, reply);
        if (replies.size === requests.length) resolve();
      });
    });
    for (const r of requests) ws.send(JSON.stringify({ kind: 'request', ...r }));
    await withTimeout(done, `${requests.length} replies`);
    return requests.map((r) => replies.get(r.id)!);
  }

  it('answers 200 uncached trace loads from 10 clients (one parse per file), and health requests meanwhile', { timeout: 300_000 }, async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openSocket()));
    try {
      const all = sockets.map((ws, c) =>
        burst(
          ws,
          Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0
              ? { id: `o${c}-${i}`, method: 'trace.open', params: { source: { kind: 'sample', name: 'ls6-a100' } } }
              : { id: `r${c}-${i}`, method: 'experiment.traceRange', params: { path: 'assets/traces/ls6-a100.log' } },
          ),
        ),
      );
      await expectHealthy(); // while they load
      const replies = (await Promise.all(all)).flat();
      expect(replies).toHaveLength(200);
      for (const reply of replies) expect(reply).toMatchObject({ ok: true });
      const opened = replies.filter((r) => r.id.startsWith('o')).map((r) => (r.result as { sha256: string }).sha256);
      expect(new Set(opened).size).toBe(1);
      // Each page holds at most its last 3 traces, and they all share one parse.
      const held = await backend.status();
      expect(held.openTraces).toBeLessThanOrEqual(sockets.length * 3);
      expect(held.parsedTraces).toBe(1);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    // Once the pages are gone (and their grace has passed), nothing is held.
    await expect.poll(async () => (await backend.status()).openTraces, { timeout: HEALTH_TIMEOUT_MS }).toBe(0);
  });

  it('refuses one client piling up requests past its limit, and serves it again after', { timeout: 300_000 }, async () => {
    const ws = await openSocket();
    try {
      const replies = await burst(
        ws,
        Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, method: 'trace.open', params: { source: { kind: 'sample', name: 'ls6-a100' } } })),
      );
      const refused = replies.filter((r) => !r.ok);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/too many requests at once from this client/) });
      expect(replies.filter((r) => r.ok).length).toBeGreaterThan(0);
      expect(await call(ws, 'again', 'app.info', {})).toMatchObject({ ok: true });
    } finally {
      ws.terminate();
    }
  });

  it('frees an unfinished upload as soon as its page goes away', async () => {
    const ws = await openSocket();
    const begin = await call(ws, 'b', 'trace.uploadBegin', { fileName: 'x.log', sizeChars: 1000 });
    const { uploadId } = begin.result as { uploadId: string };
    await call(ws, 'c', 'trace.uploadChunk', { uploadId, seq: 0, text: 'x'.repeat(500) });
    expect((await backend.status()).openUploads).toBe(1);
    // Another page cannot touch it.
    const other = await openSocket();
    try {
      expect(await call(other, 'steal', 'trace.uploadChunk', { uploadId, seq: 1, text: 'y' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    } finally {
      other.terminate();
    }
    ws.terminate();
    await expect.poll(async () => (await backend.status()).openUploads, { timeout: HEALTH_TIMEOUT_MS }).toBe(0);
  });
});

