import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from './server.js';
import { startServer } from './server.js';
import { BackendProcess } from './backend-process.js';

let server: RunningServer;
let backend: BackendProcess;
const TOKEN = 'a'.repeat(48);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirage-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  backend = await BackendProcess.start({ backend: { runsDir: null }, log: () => {} });
  server = await startServer({ port: 0, rendererDir: dir, token: TOKEN, upgrade: (request, socket, head) => backend.upgrade(request, socket, head) });
});
afterAll(async () => {
  await server.close();
  await backend.stop();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('mirage serve', () => {
  it('binds 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('refuses HTTP requests without the token', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/app.js')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    expect((await get(`/?token=${TOKEN.slice(1)}b`)).status).toBe(403);
  });

  it('serves the UI with the token, sets a cookie that works afterwards, with a CSP', async () => {
    const first = await get(`/?token=${TOKEN}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>t</title>');
    expect(String(first.headers['content-security-policy'])).toContain("default-src 'self'");
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    expect(cookie).toBe(`mirage_token_${server.port}=${TOKEN}`);
    const asset = await get('/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses a foreign Host header (DNS rebinding) and paths outside the UI', async () => {
    expect((await get(`/?token=${TOKEN}`, { host: 'evil.example:80' })).status).toBe(421);
    expect((await get(`/..%2f..%2fetc%2fpasswd?token=${TOKEN}`)).status).toBe(404);
    expect((await get(`/missing.js?token=${TOKEN}`)).status).toBe(404);
  });

  it('refuses WebSockets without the token or from another origin', async () => {
    await expect(openSocket('')).rejects.toThrow(/403/);
    await expect(openSocket('?token=nope')).rejects.toThrow(/403/);
    await expect(openSocket(`?token=${TOKEN}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('carries the API over a tokened WebSocket, and rejects bad payloads there too', async () => {
    const ws = await openSocket(`?token=${TOKEN}`, { origin: `http://127.0.0.1:${server.port}` });
    const replies: Array<{ id: string; ok: boolean; result?: { backend?: string }; error?: { code: string } }> = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    ws.send(JSON.stringify({ kind: 'request', id: 'r1', method: 'app.info', params: {} }));
    ws.send(JSON.stringify({ kind: 'request', id: 'r2', method: 'trace.open', params: { source: { kind: 'path', path: 42 } } }));
    ws.send('{not json');
    await expect.poll(() => replies.length).toBe(3);
    expect(replies.find((r) => r.id === 'r1')).toMatchObject({ ok: true, result: { backend: 'serve' } });
    expect(replies.find((r) => r.id === 'r2')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(replies.find((r) => r.id === '?')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    ws.close();
  });
});
