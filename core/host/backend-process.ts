import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BackendOptions, BackendStatus, ToBackend } from './backend-protocol.js';
import { fromBackendMessage } from './backend-protocol.js';
import { RestartBackoff } from './restart.js';
import type { UpgradeRequest } from './ws-host.js';

export interface BackendProcessOptions {
  backend: BackendOptions;
  /**
   * A back end that has served a page is replaced once no page has been
   * connected and nothing has been held or done for this long (default 60 s;
   * 0: never).
   */
  recycleAfterMs?: number;
  log?: (message: string) => void;
}

/** Pages waiting for a back end that is (re)starting; more are told to come back (they retry by themselves). */
const MAX_WAITING_PAGES = 64;
/** How long a back end asked to stop may take (it saves a running experiment) before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

type State = 'starting' | 'ready' | 'replacing' | 'stopped';
interface WaitingPage {
  request: UpgradeRequest;
  socket: Socket;
  head: Buffer;
}

/**
 * `mirage serve`'s back end in a child process (backend-entry.ts). The
 * server keeps the listening socket and checks each page's upgrade request;
 * the page's socket itself is handed to the child, which serves it. No page
 * traffic passes through the server, so no burst of it changes the server's
 * memory. A crash of the child ends its pages' sockets (they reconnect by
 * themselves) and another child starts; the server stays up. A child that
 * has served pages and then sat idle with none is replaced by a fresh one,
 * so that the memory a burst of work grew for good (V8's young generation,
 * code, malloc arenas) is given back.
 */
export class BackendProcess {
  private child: ChildProcess | null = null;
  private state: State = 'starting';
  private waiting: WaitingPage[] = [];
  /** Pages the current child serves (it says after each change). */
  private pages = 0;
  /** The current child has been handed a page: replacing it gives something back. */
  private worked = false;
  private lastActivityMs = Date.now();
  private startedMs = 0;
  private readonly backoff = new RestartBackoff();
  private starts = 0;
  private everReady = false;
  private statusCounter = 0;
  private readonly statusWaiters = new Map<number, { resolve: (s: BackendStatus) => void; reject: (e: Error) => void }>();
  private readyWaiters: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | null;
  private readonly log: (message: string) => void;

  private constructor(private readonly options: BackendProcessOptions) {
    this.log = options.log ?? ((m) => console.error(m));
    const recycleAfterMs = options.recycleAfterMs ?? 60_000;
    this.timer = recycleAfterMs > 0 ? setInterval(() => void this.recycleIfIdle(recycleAfterMs), Math.min(recycleAfterMs, 5000)) : null;
    this.timer?.unref();
  }

  /** Starts the back end; resolves once it is ready, rejects if it exits before. */
  static async start(options: BackendProcessOptions): Promise<BackendProcess> {
    const backend = new BackendProcess(options);
    await new Promise<void>((resolve, reject) => {
      const child = backend.spawn();
      const failed = (code: number | null, signal: NodeJS.Signals | null) => {
        backend.stopTimer();
        backend.state = 'stopped';
        reject(new Error(`the back end exited before it was ready (${signal ?? `exit code ${code}`})`));
      };
      child.once('exit', failed);
      backend.readyWaiters.push(() => {
        child.off('exit', failed);
        resolve();
      });
    });
    return backend;
  }

  /** Times a back end has been started (1 at first; a crash or a replacement adds one). */
  get generation(): number {
    return this.starts;
  }

  /** Ready, and has not been handed a page since it started: what a replacement gives. */
  get fresh(): boolean {
    return this.state === 'ready' && !this.worked;
  }

  /** Hands a checked upgrade request and its socket to the back end, or holds it while one starts. */
  upgrade(request: UpgradeRequest, socket: Duplex, head: Buffer): void {
    this.lastActivityMs = Date.now();
    const page = { request, socket: socket as Socket, head };
    if (this.state === 'ready' && this.child) {
      this.handOver(this.child, page);
      return;
    }
    if (this.state === 'stopped' || this.waiting.length >= MAX_WAITING_PAGES) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.waiting.push(page);
    socket.once('close', () => (this.waiting = this.waiting.filter((w) => w !== page)));
  }

  /** What the back end holds and its memory (it answers between requests). */
  async status(): Promise<BackendStatus> {
    await this.ready();
    const child = this.child;
    if (!child) throw new Error('the back end is not running');
    const id = ++this.statusCounter;
    return new Promise((resolve, reject) => {
      this.statusWaiters.set(id, { resolve, reject });
      child.send({ type: 'status', id } satisfies ToBackend);
    });
  }

  /** Stops the back end cleanly (its pages are closed, a running experiment is saved); kills it after a while. */
  async stop(): Promise<void> {
    this.stopTimer();
    this.state = 'stopped';
    for (const page of this.waiting) page.socket.destroy();
    this.waiting = [];
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) await askToStop(child);
  }

  private handOver(child: ChildProcess, { request, socket, head }: WaitingPage): void {
    this.worked = true;
    const message: ToBackend = { type: 'upgrade', method: request.method, url: request.url, headers: request.headers, head };
    // Sent as a plain descriptor, this side's copy closed once it is sent. Left as it is, Node would track
    // the socket as held by a worker of the listening server, whose close() then waits for that process
    // to report it closed: a back end replaced or crashed since never does, and `mirage serve` would not stop.
    socket.pause();
    (socket as unknown as { server: unknown }).server = null;
    child.send(message, socket, { keepOpen: true }, (error) => {
      if (error) this.log(`mirage serve: could not hand a page to the back end: ${error.message}`);
      socket.destroy();
    });
  }

  private spawn(): ChildProcess {
    // The built .js next to this module; the .ts one when run from source (tests), through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./backend-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url));
    const child = fork(entry, [JSON.stringify(this.options.backend)], {
      serialization: 'advanced',
      // Node's own flags of the server (a heap limit, say) hold for its back end too.
      execArgv: fromSource ? ['--import', 'tsx'] : process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.state = 'starting';
    this.worked = false;
    this.pages = 0;
    this.starts++;
    this.startedMs = Date.now();
    child.on('message', (raw: unknown) => this.fromChild(child, raw));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
    // An IPC write to a child that just died: its 'exit' follows and restarts it.
    child.on('error', (error) => this.log(`mirage serve: back end: ${error.message}`));
    return child;
  }

  private fromChild(child: ChildProcess, raw: unknown): void {
    if (child !== this.child) return;
    const message = fromBackendMessage(raw);
    if (!message) {
      this.log('mirage serve: ignored a message from the back end it does not know');
      return;
    }
    switch (message.type) {
      case 'ready': {
        this.state = 'ready';
        this.everReady = true;
        const waiting = this.waiting;
        this.waiting = [];
        for (const page of waiting) if (!page.socket.destroyed) this.handOver(child, page);
        for (const waiter of this.readyWaiters.splice(0)) waiter();
        return;
      }
      case 'pages':
        this.pages = message.count;
        this.lastActivityMs = Date.now();
        return;
      case 'log':
        this.log(message.message);
        return;
      case 'status':
        this.statusWaiters.get(message.id)?.resolve(message.status);
        this.statusWaiters.delete(message.id);
        return;
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = null;
    for (const waiter of this.statusWaiters.values()) waiter.reject(new Error('the back end stopped'));
    this.statusWaiters.clear();
    // Never ready: start() reports it; a back end that cannot start would only fail again.
    if (this.state === 'stopped' || !this.everReady) return;
    if (this.state === 'replacing') {
      this.spawn();
      return;
    }
    // A crash: its pages' sockets ended with it; they reconnect by themselves and find the next back end.
    this.log(`mirage serve: the back end stopped (${signal ?? `exit code ${code}`}); starting another`);
    this.state = 'starting';
    const delay = this.backoff.crashed(Date.now() - this.startedMs);
    setTimeout(() => {
      if (this.state === 'starting' && this.child === null) this.spawn();
    }, delay);
  }

  private async recycleIfIdle(recycleAfterMs: number): Promise<void> {
    const quiet = () => this.state === 'ready' && this.worked && this.pages === 0 && Date.now() - this.lastActivityMs >= recycleAfterMs;
    if (!quiet()) return;
    let busy: boolean;
    try {
      busy = (await this.status()).busy;
    } catch {
      return;
    }
    // A page may have come while the back end answered.
    if (busy || !quiet() || !this.child) return;
    this.state = 'replacing';
    // Its exit starts the next one (exited()).
    void askToStop(this.child);
  }

  private ready(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'stopped') return Promise.reject(new Error('the back end is stopped'));
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Asks a back end to stop (it saves a running experiment), kills it if it has not after a while; resolves once it has exited. */
function askToStop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: 'shutdown' } satisfies ToBackend);
  });
}
