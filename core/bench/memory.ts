import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { BenchServerReply, BenchServerRequest } from './memory-server.js';

/**
 * Memory of `mirage serve` before and after the hostile heavy case of
 * core/host/hostile.test.ts (issue 14): 10 pages at once, each sending 20
 * requests for the uncached LS6 sample; then the pages go away. After each
 * case the server must come back within 20 % of its idle memory once the
 * pages' traces are released (a short grace here; 2 minutes in `mirage
 * serve`), a full GC has run and the server has been idle for 15 s
 * (MIRAGE_BENCH_IDLE_MS), as between pages. The server runs in its own process
 * (memory-server.ts), so the pages' replies do not count.
 * A measurement, not a test: the figures depend on the machine and on V8.
 */

const PAGES = 10;
const REQUESTS_PER_PAGE = 20;
const GRACE_MS = 500;
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

  static async start(): Promise<BenchServer> {
    // The built .js next to this file; the .ts one when run from source (node --import tsx).
    const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const child = fork(fileURLToPath(new URL(`./memory-server.${extension}`, import.meta.url)), {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, MIRAGE_BENCH_GRACE_MS: String(GRACE_MS) },
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

const open = (id: string): Request => ({ id, method: 'trace.open', params: { source: { kind: 'sample', name: SAMPLE } } });
const range = (id: string): Request => ({ id, method: 'experiment.traceRange', params: { path: `assets/traces/${SAMPLE}.log` } });
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const pct = (a: number, b: number): string => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;

export async function runMemoryBench(): Promise<void> {
  const server = await BenchServer.start();
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
    console.log(`\n## mirage serve memory, idle vs after ${PAGES} pages x ${REQUESTS_PER_PAGE} requests at once (the pages gone, ${GRACE_MS} ms grace, full GC, then idle)`);
    console.log('private = resident anonymous memory (V8 heap, malloc); RSS also counts the pages of the node binary touched so far (file-backed, shared)');
    console.log(`idle, just started: private ${mb(cold.rssAnon)} MB, RSS ${mb(cold.rss)} MB, heapUsed ${mb(cold.heapUsed)} MB`);
    console.log(`idle, after one page opened ${SAMPLE} once and left: private ${mb(idle.rssAnon)} MB, RSS ${mb(idle.rss)} MB, heapUsed ${mb(idle.heapUsed)} MB (peak RSS ${mb(idle.peakRss)} MB)\n`);
    console.log('| case | failed | held while the pages were open | peak RSS MB | private MB | RSS MB | heapUsed MB | private vs started | RSS vs started | heapUsed vs started | RSS vs idle after one page |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    const cases: Array<[string, (page: number, i: number) => Request]> = [
      ['hostile heavy case: 100 trace.open + 100 traceRange', (p, i) => (i % 2 === 0 ? open(`o${p}-${i}`) : range(`r${p}-${i}`))],
      ['200 trace.open', (p, i) => open(`o${p}-${i}`)],
    ];
    for (const [name, request] of cases) {
      const pages = await Promise.all(Array.from({ length: PAGES }, () => openPage(server)));
      const failed = (await Promise.all(pages.map((ws, p) => burst(ws, Array.from({ length: REQUESTS_PER_PAGE }, (_, i) => request(p, i)))))).reduce((a, b) => a + b, 0);
      const held = await server.ask({ kind: 'held' }, 'held');
      for (const ws of pages) ws.terminate();
      await server.untilReleased();
      const after: Memory = await server.ask({ kind: 'measure' }, 'memory');
      console.log(
        `| ${name} | ${failed} | ${held.openTraces} traces, ${held.parsedTraces} parse(s) | ${mb(after.peakRss)} | ${mb(after.rssAnon)} | ${mb(after.rss)} | ${mb(after.heapUsed)} | ` +
          `${pct(after.rssAnon, cold.rssAnon)} | ${pct(after.rss, cold.rss)} | ${pct(after.heapUsed, cold.heapUsed)} | ${pct(after.rss, idle.rss)} |`,
      );
    }
  } finally {
    await server.stop();
  }
}
