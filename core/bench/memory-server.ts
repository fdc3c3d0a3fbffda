/**
 * The server the memory benchmark measures (memory.ts forks it): `mirage
 * serve`'s HTTP server and its back-end process, as `mirage serve` runs
 * them, alone, so the figures are the server's, not the benchmark's pages'.
 * Driven over the fork's IPC channel: 'held' answers what the back end
 * holds, 'measure' answers the memory of both processes once the back end has
 * been replaced (when MIRAGE_BENCH_RECYCLE_MS is above 0), after a full GC
 * of the server process and MIRAGE_BENCH_IDLE_MS without work, 'stop' ends it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendProcess } from '../host/backend-process.js';
import type { BackendStatus } from '../host/backend-protocol.js';
import { ownMemory } from '../host/backend-protocol.js';
import { startServer } from '../host/server.js';

export type BenchServerRequest = { kind: 'held' } | { kind: 'measure' } | { kind: 'stop' };
export type ProcessMemory = Pick<BackendStatus, 'rss' | 'rssAnon' | 'heapUsed'>;
export type BenchServerReply =
  | { kind: 'ready'; port: number; token: string }
  | { kind: 'held'; openTraces: number; parsedTraces: number; backendPeakRss: number }
  | { kind: 'memory'; server: ProcessMemory; backend: ProcessMemory; generation: number };

const send = (reply: BenchServerReply): void => void process.send?.(reply);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) {
  console.error('memory-server.js is started by the memory benchmark (npm run bench -- memory), with --expose-gc');
  process.exit(2);
}

const graceMs = Number(process.env.MIRAGE_BENCH_GRACE_MS ?? '500');
const idleMs = Number(process.env.MIRAGE_BENCH_IDLE_MS ?? '15000');
const recycleMs = Number(process.env.MIRAGE_BENCH_RECYCLE_MS ?? '0');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = await mkdtemp(join(tmpdir(), 'mirage-memory-bench-'));
await writeFile(join(dir, 'index.html'), '<!doctype html><title>bench</title>');
const backend = await BackendProcess.start({ backend: { runsDir: null, traceGraceMs: graceMs }, recycleAfterMs: recycleMs, log: () => {} });
const token = 'b'.repeat(48);
const server = await startServer({ port: 0, rendererDir: dir, token, upgrade: (request, socket, head) => backend.upgrade(request, socket, head) });

process.on('message', (message: BenchServerRequest) => {
  if (message.kind === 'held') {
    void backend.status().then((s) => send({ kind: 'held', openTraces: s.openTraces, parsedTraces: s.parsedTraces, backendPeakRss: s.peakRss }));
  } else if (message.kind === 'measure') {
    void (async () => {
      // The back end is replaced once it has sat idle with no page (the state `mirage serve` reaches after a minute).
      if (recycleMs > 0) while (!backend.fresh) await sleep(50);
      // A full GC twice, a turn apart (sockets and streams let go of their buffers a tick after they
      // close), then the server stays idle as a real one does between pages: V8's memory reducer
      // shrinks the young generation a burst grew only after some seconds without work, and a
      // forced GC does not.
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      await sleep(idleMs);
      const own = ownMemory();
      const b = await backend.status();
      send({
        kind: 'memory',
        server: { rss: own.rss, rssAnon: own.rssAnon, heapUsed: own.heapUsed },
        backend: { rss: b.rss, rssAnon: b.rssAnon, heapUsed: b.heapUsed },
        generation: backend.generation,
      });
    })();
  } else {
    void server
      .close()
      .then(() => backend.stop())
      .then(() => rm(dir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  }
});

send({ kind: 'ready', port: server.port, token });
