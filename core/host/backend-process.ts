import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { CLOSE_BACKEND_RESTARTED } from '../api/protocol.js';
import type { BackendOptions, BackendStatus, ToBackend } from './backend-protocol.js';
import { fromBackendMessage } from './backend-protocol.js';
import { RestartBackoff } from './restart.js';

export interface BackendProcessOptions {
  backend: BackendOptions;
  /**
   * A back end that has done work is replaced once no page has been connected
   * and nothing has been held or done for this long (default 60 s; 0: never).
   */
  recycleAfterMs?: number;
  log?: (message: string) => void;
}

/** Frames held for a back end that is (re)starting, all pages together; a page beyond it is closed, told to retry. */
const MAX_QUEUED_BYTES = 64 * 2 ** 20;
/** Frames sent to the back end and not yet taken by it; beyond it, the pages' sockets stop being read until it catches up. */
const MAX_UNSENT_BYTES = 32 * 2 ** 20;
/**
 * Replies waiting to go out to one page: a page that asks and does not read
 * would otherwise grow the server without bound (LS6's job columns are about
 * 4 MB a reply). Far above what a page on a slow tunnel falls behind by.
 */
export const MAX_PAGE_BACKLOG_BYTES = 64 * 2 ** 20;
/** How long a back end asked to stop may take (it saves a running experiment) before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** WebSocket close code: try again later. */
const CLOSE_TRY_AGAIN = 1013;

type State = 'starting' | 'ready' | 'replacing' | 'stopped';

/**
 * `mirage serve`'s back end in a child process (backend-entry.ts): the
 * server keeps the listening socket and relays each page's frames, the
 * child does the work. A crash of the child closes the pages' sockets (they
 * reconnect by themselves) and another child starts; the server stays up.
 * A child that has worked and then sat idle with no page connected is
 * replaced by a fresh one, so that the memory a burst of work grew for good
 * (V8's young generation, code, malloc arenas) is given back.
 */
export class BackendProcess {
  private child: ChildProcess | null = null;
  private state: State = 'starting';
  private readonly sockets = new Map<number, WebSocket>();
  private connCounter = 0;
  /** Messages for a back end not ready yet, in order. */
  private queue: Array<{ message: ToBackend; bytes: number }> = [];
  private queuedBytes = 0;
  private unsentBytes = 0;
  private paused = false;
  /** The current child has relayed a frame: replacing it gives something back. */
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

  /** Ready, and has not served a frame since it started: what a replacement gives. */
  get fresh(): boolean {
    return this.state === 'ready' && !this.worked;
  }

  /** Serves one page's WebSocket (after the server's handshake checks). */
  accept(socket: WebSocket): void {
    const conn = ++this.connCounter;
    this.sockets.set(conn, socket);
    this.toChild({ type: 'connect', conn }, conn);
    if (this.paused) socket.pause();
    // A text frame arrives as one Buffer (ws joins fragments; binaryType is 'nodebuffer').
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.toChild({ type: 'frame', conn, utf8: isBinary ? null : data }, conn);
    });
    socket.on('close', () => {
      if (this.sockets.delete(conn)) this.toChild({ type: 'disconnect', conn }, conn);
    });
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

  /** Stops the back end cleanly (a running experiment is saved, resumable); kills it after a while. */
  async stop(): Promise<void> {
    this.stopTimer();
    this.state = 'stopped';
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'shutdown' } satisfies ToBackend);
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
    this.starts++;
    this.startedMs = Date.now();
    this.unsentBytes = 0;
    this.setPaused(false);
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
    if (message.type === 'ready') {
      this.state = 'ready';
      this.everReady = true;
      const queued = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      for (const { message: m, bytes } of queued) this.send(child, m, bytes);
      for (const waiter of this.readyWaiters.splice(0)) waiter();
    } else if (message.type === 'frame') {
      this.lastActivityMs = Date.now();
      const socket = this.sockets.get(message.conn);
      if (!socket || socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount + message.utf8.byteLength > MAX_PAGE_BACKLOG_BYTES) {
        // Dropped at once: a page that does not read would not read a closing handshake either.
        this.log(`mirage serve: dropped a page that left ${socket.bufferedAmount} bytes of replies unread`);
        socket.terminate();
        return;
      }
      socket.send(message.utf8, { binary: false });
    } else {
      this.statusWaiters.get(message.id)?.resolve(message.status);
      this.statusWaiters.delete(message.id);
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
    // A crash: what the pages asked for is lost with it. They reconnect by themselves and find a fresh back end.
    const detail = signal ?? `exit code ${code}`;
    this.log(`mirage serve: the back end stopped (${detail}); starting another`);
    for (const socket of this.sockets.values()) socket.close(CLOSE_BACKEND_RESTARTED, 'the back end restarted');
    this.sockets.clear();
    this.queue = [];
    this.queuedBytes = 0;
    this.state = 'starting';
    const delay = this.backoff.crashed(Date.now() - this.startedMs);
    setTimeout(() => {
      if (this.state === 'starting' && this.child === null) this.spawn();
    }, delay);
  }

  /** Sends now, or holds the message until the back end is ready (bounded: a page over the bound is closed). */
  private toChild(message: ToBackend, conn: number): void {
    this.lastActivityMs = Date.now();
    const bytes = message.type === 'frame' ? (message.utf8?.byteLength ?? 0) + 64 : 64;
    if (this.state === 'ready' && this.child) {
      this.send(this.child, message, bytes);
      return;
    }
    if (this.queuedBytes + bytes > MAX_QUEUED_BYTES) {
      this.sockets.get(conn)?.close(CLOSE_TRY_AGAIN, 'the back end is starting; try again');
      return;
    }
    this.queue.push({ message, bytes });
    this.queuedBytes += bytes;
  }

  private send(child: ChildProcess, message: ToBackend, bytes: number): void {
    if (message.type === 'frame') this.worked = true;
    this.unsentBytes += bytes;
    if (this.unsentBytes > MAX_UNSENT_BYTES) this.setPaused(true);
    child.send(message, (error) => {
      if (child !== this.child) return;
      this.unsentBytes -= bytes;
      if (error) this.log(`mirage serve: cannot reach the back end: ${error.message}`);
      if (this.paused && this.unsentBytes <= MAX_UNSENT_BYTES / 2) this.setPaused(false);
    });
  }

  /** Stops (or resumes) reading every page's socket, so that a flood waits in the kernel, not in memory. */
  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    for (const socket of this.sockets.values()) {
      if (paused) socket.pause();
      else socket.resume();
    }
  }

  private async recycleIfIdle(recycleAfterMs: number): Promise<void> {
    const quiet = () => this.state === 'ready' && this.worked && this.sockets.size === 0 && Date.now() - this.lastActivityMs >= recycleAfterMs;
    if (!quiet()) return;
    let busy: boolean;
    try {
      busy = (await this.status()).busy;
    } catch {
      return;
    }
    // A page may have connected while the back end answered.
    if (busy || !quiet() || !this.child) return;
    this.state = 'replacing';
    const child = this.child;
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => clearTimeout(timer));
    child.send({ type: 'shutdown' } satisfies ToBackend);
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
