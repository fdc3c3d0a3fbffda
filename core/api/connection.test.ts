import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './protocol.js';
import { createTransportPair } from './transport.js';
import type { ServerMessage } from './protocol.js';
import { serveConnection } from './connection.js';
import type { ApiHandlers } from './handlers.js';
import { connectInProcess } from './testing.js';

/** Handlers that fail the test if reached, except those a test overrides. */
function handlersWith(overrides: Partial<ApiHandlers>): ApiHandlers {
  const unexpected = () => {
    throw new Error('handler should not have been called');
  };
  const all = {} as Record<string, unknown>;
  for (const m of ['app.info', 'trace.samples', 'trace.uploadBegin', 'trace.uploadChunk', 'trace.uploadAbort', 'trace.open', 'trace.overview', 'trace.jobs', 'trace.close']) {
    all[m] = vi.fn(unexpected);
  }
  return { ...(all as unknown as ApiHandlers), ...overrides };
}

/** Sends raw messages to a connection and collects what comes back. */
async function exchange(handlers: ApiHandlers, messages: unknown[]): Promise<ServerMessage[]> {
  const [client, server] = createTransportPair();
  serveConnection(server, handlers, { log: () => {} });
  const received: ServerMessage[] = [];
  client.onMessage((m) => received.push(m as ServerMessage));
  for (const m of messages) client.send(m);
  await new Promise((r) => setTimeout(r, 20));
  return received;
}

describe('serveConnection validates every message before a handler runs', () => {
  it('answers malformed envelopes, unknown methods and bad params with errors, never calling the handler', async () => {
    const handlers = handlersWith({});
    const replies = await exchange(handlers, [
      'not an object',
      { kind: 'request', id: 'a1' }, // no method
      { kind: 'request', id: 'a2', method: 'trace.delete', params: {} },
      { kind: 'request', id: 'a3', method: 'trace.open', params: { source: { kind: 'ftp', url: 'x' } } },
      { kind: 'request', id: 'a4', method: 'trace.open', params: { source: { kind: 'sample', name: '../../etc/passwd' } } },
      { kind: 'request', id: 'a5', method: 'trace.open', params: { source: { kind: 'sample', name: 'ls6-a100' }, capacityNodes: -3 } },
      { kind: 'request', id: 'a6', method: 'trace.jobs', params: { traceId: 't1', extra: true } },
      { kind: 'request', id: 'a7', method: 'trace.uploadChunk', params: { uploadId: 'u', seq: 0, text: 'x'.repeat((1 << 20) + 1) } },
      { kind: 'request', id: 'a8', method: 'app.info', params: { sneaky: 1 } },
    ]);
    const byId = new Map(replies.map((r) => [(r as { id: string }).id, r]));
    for (const [id, code] of [
      ['a1', 'invalid-request'],
      ['a2', 'unknown-method'],
      ['a3', 'invalid-request'],
      ['a4', 'invalid-request'],
      ['a5', 'invalid-request'],
      ['a6', 'invalid-request'],
      ['a7', 'invalid-request'],
      ['a8', 'invalid-request'],
    ] as const) {
      const reply = byId.get(id);
      expect(reply, id).toMatchObject({ kind: 'response', ok: false, error: { code } });
    }
    expect(replies.some((r) => r.kind === 'response' && r.id === '?' && !r.ok)).toBe(true); // the non-object
    expect((byId.get('a4') as { error: { issues: string[] } }).error.issues[0]).toMatch(/^params\.source\.name: /);
    for (const fn of Object.values(handlers)) expect(fn).not.toHaveBeenCalled();
  });

  it('passes validated params (defaults applied, nothing extra) to the handler', async () => {
    const open = vi.fn(async () => {
      throw new Error('stop here');
    });
    const { client, close } = connectInProcess(handlersWith({ 'trace.open': open as unknown as ApiHandlers['trace.open'] }), { log: () => {} });
    await expect(client.call('trace.open', { source: { kind: 'sample', name: 'ls6-a100' }, capacityNodes: 88 })).rejects.toMatchObject({ code: 'internal', message: 'stop here' });
    expect(open).toHaveBeenCalledWith({ source: { kind: 'sample', name: 'ls6-a100' }, capacityNodes: 88 }, expect.anything());
    close();
  });
});

describe('long requests', () => {
  /** A trace.open that reports progress every few ms until cancelled. */
  const slowOpen: ApiHandlers['trace.open'] = (_params, { signal, onProgress }) =>
    new Promise((_resolve, reject) => {
      let done = 0;
      const timer = setInterval(() => onProgress({ stage: 'load', done: ++done, total: 1000, unit: 'rows' }), 2);
      signal.addEventListener('abort', () => {
        clearInterval(timer);
        reject(signal.reason);
      });
    });

  it('stream progress and stop when the client cancels', async () => {
    let aborted = false;
    const handlers = handlersWith({
      'trace.open': (params, context) => {
        context.signal.addEventListener('abort', () => (aborted = true));
        return slowOpen(params, context);
      },
    });
    const { client, connection, close } = connectInProcess(handlers, { progressIntervalMs: 0 });
    const controller = new AbortController();
    const progress: number[] = [];
    const call = client.call('trace.open', { source: { kind: 'sample', name: 'x' } }, { signal: controller.signal, onProgress: (p) => progress.push(p.done) });
    await vi.waitFor(() => expect(progress.length).toBeGreaterThan(2));
    expect(connection.inFlight).toBe(1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    await vi.waitFor(() => expect(aborted).toBe(true));
    expect(connection.inFlight).toBe(0);
    expect(client.pending).toBe(0);
    close();
  });

  it('are aborted when the transport closes', async () => {
    let aborted = false;
    const handlers = handlersWith({
      'trace.open': (params, context) => {
        context.signal.addEventListener('abort', () => (aborted = true));
        return slowOpen(params, context);
      },
    });
    const { client, connection, close } = connectInProcess(handlers);
    const call = client.call('trace.open', { source: { kind: 'sample', name: 'x' } });
    await vi.waitFor(() => expect(connection.inFlight).toBe(1));
    close();
    await expect(call).rejects.toMatchObject({ code: 'disconnected' });
    expect(aborted).toBe(true);
  });

  it('fail with backend-restarted when the client is attached to a new back end', async () => {
    const first = connectInProcess(handlersWith({ 'trace.open': slowOpen }));
    const call = first.client.call('trace.open', { source: { kind: 'sample', name: 'x' } });
    const [clientEnd, serverEnd] = createTransportPair();
    serveConnection(serverEnd, handlersWith({ 'trace.samples': () => [] }));
    first.client.attach(clientEnd);
    await expect(call).rejects.toMatchObject({ code: 'backend-restarted' });
    await expect(first.client.call('trace.samples', {})).resolves.toEqual([]);
    first.close();
  });

  it('throttle progress but always deliver the last report before the response', async () => {
    const handlers = handlersWith({
      'trace.samples': async (_p, { onProgress }) => {
        for (let i = 1; i <= 500; i++) onProgress({ stage: 's', done: i, total: 1000, unit: 'x' });
        return [];
      },
    });
    const { client, close } = connectInProcess(handlers, { progressIntervalMs: 1000 });
    const seen: number[] = [];
    await client.call('trace.samples', {}, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 500]);
    close();
  });
});
