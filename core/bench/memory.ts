import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { BenchServerReply, BenchServerRequest } from './memory-server.js';

/**
 * Memory of `mirage serve` before and after the hostile heavy case of
 * core/host/hostile.test.ts (issue 14): 10 pages at once, each sending 20
 * requests for the uncached LS6 sample; then the pages go away. The server
 * runs as `mirage serve` runs it (memory-server.ts): the HTTP server, which
 * checks each page's upgrade request, in one process, and the back end that
 * takes the page's socket, parses and runs experiments in a child
 * (core/host/backend-process.ts); the figures are the two together. Once the
 * pages' traces are released (a short grace here; 2 minutes in `mirage
 * serve`), the server process has had a full GC and both have been idle for
 * 15 s (MIRAGE_BENCH_IDLE_MS), as between pages. Two ways side by side: the
 * back end kept, and the back end replaced once idle with no page (what
 * `mirage serve` does after a minute, MIRAGE_SERVE_RECYCLE_MS; 2 s here).
 * A measurement, not a test: the figures depend on the machine and on V8.
 */

const PAGES = 10;
const REQUESTS_PER_PAGE = 20;
const GRACE_MS = 500;
const RECYCLE_MS = 2000;
const SAMPLE = 'ls6-a100';

type Request = { id: string; method: string; params: unknown };
type Memory = Extract<BenchServerReply, { kind: 'memory' }>;

/** The server process and a way to ask it one thing at a time. */
class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly token: string,
  ) {}

  static async start(recycleMs: number): Promise<BenchServer> {
    // The built .js next to this file; the .ts one when run from source (node --import tsx).
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const child = fork(fileURLToPath(new URL(`./memory-server.${extension}`, import.meta.url)), {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, MIRAGE_BENCH_GRACE_MS: String(GRACE_MS), MIRAGE_BENCH_RECYCLE_MS: String(recycleMs) },
    });
    const ready = await new Promise<BenchServerReply>((resolve, reject) => {
      child.once('message', (m: BenchServerReply) => resolve(m));
      child.once('exit', (code) => reject(new Error(`the benchmark's server exited (${code}) before it was ready`)));
    });
    if (ready.kind !== 'ready') throw new Error(`unexpected first message from the benchmark's server: ${ready.kind}`);
    return new BenchServer(child, ready.port, ready.token);
  }

  ask<K extends BenchServerReply['kind']>(request: BenchServerRequest, kind: K): Promise<Extract<BenchServerReply, { kind: K }>> {
    return new Promise((resolve) => {
      const onMessage = (m: BenchServerReply) => {
        if (m.kind !== kind) return;
        this.child.off('message', onMessage);
        resolve(m as Extract<BenchServerReply, { kind: K }>);
      };
      this.child.on('message', onMessage);
      this.child.send(request);
    });
  }

  async untilReleased(): Promise<void> {
    while ((await this.ask({ kind: 'held' }, 'held')).openTraces > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ kind: 'stop' } satisfies BenchServerRequest);
    });
  }
}

function openPage(server: BenchServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends all requests at once; resolves with how many failed once each has its response. */
function burst(ws: WebSocket, requests: Request[]): Promise<number> {
  return new Promise((resolve) => {
    let answered = 0;
    let failed = 0;
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString('utf8')) as { kind: string; ok?: boolean };
      if (reply.kind !== 'response') return;
      answered++;
      if (!reply.ok) failed++;
      if (answered === requests.length) resolve(failed);
    });
    for (const r of requests) ws.send(JSON.stringify({ kind: 'request', ...r }));
  });
}

/**
 * Round trips of app.info from one more page, one after another 100 ms apart,
 * until `done` settles: how long a user waits for the server while the burst runs.
 */
async function healthDuring(server: BenchServer, done: Promise<unknown>): Promise<number[]> {
  const ws = await openPage(server);
  const times: number[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  try {
    for (let i = 0; !finished; i++) {
      const started = performance.now();
      const answered = new Promise<void>((resolve) => {
        const onMessage = (data: Buffer) => {
          const reply = JSON.parse(data.toString('utf8')) as { kind: string; id?: string };
          if (reply.kind !== 'response' || reply.id !== `h${i}`) return;
          ws.off('message', onMessage);
          resolve();
        };
        ws.on('message', onMessage);
      });
      ws.send(JSON.stringify({ kind: 'request', id: `h${i}`, method: 'app.info', params: {} }));
      await answered;
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    ws.terminate();
  }
  return times;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

const open = (id: string): Request => ({ id, method: 'trace.open', params: { source: { kind: 'sample', name: SAMPLE } } });
const range = (id: string): Request => ({ id, method: 'experiment.traceRange', params: { path: `assets/traces/${SAMPLE}.log` } });
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const pct = (a: number, b: number): string => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;

const total = (m: Memory, key: keyof Memory['server']): number => m.server[key] + m.backend[key];

export async function runMemoryBench(): Promise<void> {
  console.log(`\n## mirage serve memory, idle vs after ${PAGES} pages x ${REQUESTS_PER_PAGE} requests at once (the pages gone, ${GRACE_MS} ms grace, full GC, then idle)`);
  console.log('Server process + back-end process. private = resident anonymous memory (V8 heap, malloc); RSS also counts the pages of the node binary touched so far (file-backed, shared, counted once per process)');
  for (const recycleMs of [0, RECYCLE_MS]) await measureServer(recycleMs);
}

async function measureServer(recycleMs: number): Promise<void> {
  const server = await BenchServer.start(recycleMs);
  try {
    // Idle: started, and one page has connected and asked what it runs on.
    const hello = await openPage(server);
    await burst(hello, [{ id: 'hello', method: 'app.info', params: {} }]);
    hello.terminate();
    const cold = await server.ask({ kind: 'measure' }, 'memory');
    // Idle after one page: it has also opened the sample and its time range once, and left. The
    // code that parses and summarises a trace is compiled on first use and stays (bytecode
    // counts in heapUsed), and the parse touches pages of the node binary that stay resident
    // (RSS). "vs started" compares with the server just started, before any of that.
    const warmPage = await openPage(server);
    await burst(warmPage, [open('w1'), range('w2')]);
    warmPage.terminate();
    await server.untilReleased();
    const idle = await server.ask({ kind: 'measure' }, 'memory');
    const line = (m: Memory) =>
      `private ${mb(total(m, 'rssAnon'))} MB (server ${mb(m.server.rssAnon)}, back end ${mb(m.backend.rssAnon)}), RSS ${mb(total(m, 'rss'))} MB, heapUsed ${mb(total(m, 'heapUsed'))} MB`;
    console.log(`\n### back end ${recycleMs > 0 ? `replaced once idle with no page for ${recycleMs} ms` : 'kept'}`);
    console.log(`idle, just started: ${line(cold)}`);
    console.log(`idle, after one page opened ${SAMPLE} once and left: ${line(idle)} (back ends started: ${idle.generation})\n`);
    console.log('| case | failed | held while the pages were open | app.info meanwhile: median / max ms (n) | back end peak RSS MB | private MB (server + back end) | RSS MB | heapUsed MB | private vs started | RSS vs started | heapUsed vs started | back ends started |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    const cases: Array<[string, (page: number, i: number) => Request]> = [
      ['hostile heavy case: 100 trace.open + 100 traceRange', (p, i) => (i % 2 === 0 ? open(`o${p}-${i}`) : range(`r${p}-${i}`))],
      ['200 trace.open', (p, i) => open(`o${p}-${i}`)],
    ];
    for (const [name, request] of cases) {
      const pages = await Promise.all(Array.from({ length: PAGES }, () => openPage(server)));
      const bursts = Promise.all(pages.map((ws, p) => burst(ws, Array.from({ length: REQUESTS_PER_PAGE }, (_, i) => request(p, i)))));
      const health = await healthDuring(server, bursts);
      const failed = (await bursts).reduce((a, b) => a + b, 0);
      const held = await server.ask({ kind: 'held' }, 'held');
      for (const ws of pages) ws.terminate();
      await server.untilReleased();
      const after: Memory = await server.ask({ kind: 'measure' }, 'memory');
      console.log(
        `| ${name} | ${failed} | ${held.openTraces} traces, ${held.parsedTraces} parse(s) | ` +
          `${median(health).toFixed(0)} / ${Math.max(...health).toFixed(0)} (${health.length}) | ${mb(held.backendPeakRss)} | ` +
          `${mb(total(after, 'rssAnon'))} (${mb(after.server.rssAnon)} + ${mb(after.backend.rssAnon)}) | ${mb(total(after, 'rss'))} | ${mb(total(after, 'heapUsed'))} | ` +
          `${pct(total(after, 'rssAnon'), total(cold, 'rssAnon'))} | ${pct(total(after, 'rss'), total(cold, 'rss'))} | ${pct(total(after, 'heapUsed'), total(cold, 'heapUsed'))} | ${after.generation} |`,
      );
    }
  } finally {
    await server.stop();
  }
}
