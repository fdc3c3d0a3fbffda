/**
 * The server the memory benchmark measures (memory.ts forks it): `mirage
 * serve`'s service and WebSocket server alone in a process, so the figures
 * are the server's, not the benchmark's pages'. Driven over the fork's IPC
 * channel: 'held' answers what it holds, 'measure' answers its memory after
 * a full GC and MIRAGE_BENCH_IDLE_MS without work, and the peak RSS since the
 * last measure, 'stop' ends it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../host/server.js';
import { createMirageService } from '../host/service.js';

export type BenchServerRequest = { kind: 'held' } | { kind: 'measure' } | { kind: 'stop' };
export type BenchServerReply =
  | { kind: 'ready'; port: number; token: string }
  | { kind: 'held'; openTraces: number; parsedTraces: number }
  | { kind: 'memory'; rss: number; rssAnon: number; heapUsed: number; peakRss: number };

const send = (reply: BenchServerReply): void => void process.send?.(reply);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) {
  console.error('memory-server.js is started by the memory benchmark (npm run bench -- memory), with --expose-gc');
  process.exit(2);
}

const graceMs = Number(process.env.MIRAGE_BENCH_GRACE_MS ?? '500');
const idleMs = Number(process.env.MIRAGE_BENCH_IDLE_MS ?? '15000');

/**
 * Resident memory that is the process's own (anonymous pages: V8's heap,
 * malloc), from /proc/self/status; RSS also counts the pages of the node
 * binary and its libraries touched so far, file-backed and shared, which the
 * kernel drops when it needs them and which no request can make grow beyond
 * the binary's size. NaN where /proc is not there.
 */
function rssAnon(): number {
  try {
    const kb = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
const dir = await mkdtemp(join(tmpdir(), 'mirage-memory-bench-'));
await writeFile(join(dir, 'index.html'), '<!doctype html><title>bench</title>');
const service = createMirageService({ backend: 'serve', canReadPaths: false, traceGraceMs: graceMs, log: () => {} });
const token = 'b'.repeat(48);
const server = await startServer({ port: 0, rendererDir: dir, token, handlers: service.handlers });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

process.on('message', (message: BenchServerRequest) => {
  if (message.kind === 'held') {
    send({ kind: 'held', openTraces: service.openTraces, parsedTraces: service.parsedTraces });
  } else if (message.kind === 'measure') {
    // A full GC twice, a turn apart (sockets and streams let go of their buffers a tick after
    // they close), then the server stays idle as a real one does between pages: V8's memory
    // reducer shrinks the young generation a burst grew only after some seconds without work,
    // and a forced GC does not.
    setImmediate(() => {
      gc();
      setImmediate(() => {
        gc();
        setTimeout(() => {
          const { rss, heapUsed } = process.memoryUsage();
          send({ kind: 'memory', rss, rssAnon: rssAnon(), heapUsed, peakRss: Math.max(peakRss, rss) });
          peakRss = rss;
        }, idleMs);
      });
    });
  } else {
    clearInterval(sampler);
    void server
      .close()
      .then(() => rm(dir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  }
});

send({ kind: 'ready', port: server.port, token });
