import { realpathSync, statSync } from 'node:fs';
import { ServiceError } from '../api/errors.js';

/**
 * Heavy requests (parsing a whole trace) run a few at a time, the same work
 * is done once for everyone who asks while it runs, and each client may have
 * only a few of them pending: 200 pages asking for one uncached trace at once
 * get one parse, and one page asking 200 times gets a refusal, not 200 parses
 * and gigabytes of memory. Other requests stay quick meanwhile.
 */
export class HeavyWork {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly shared = new Map<string, Promise<unknown>>();
  private readonly perClient = new Map<string, number>();

  constructor(
    /** Heavy jobs running at once (parses interleave their reads; more at once only adds memory). */
    private readonly concurrency = 2,
    /** Heavy jobs one client may have started and not yet finished. */
    private readonly maxPerClient = 4,
  ) {}

  /**
   * The result of `work` for `key`: joins the job already running or queued
   * for that key, or queues a new one (counted against `client` until it
   * ends). `signal` stops this caller's wait, not the shared job; a job no one
   * waits for any more still finishes, so it stays counted and bounded.
   */
  run<T>(key: string, client: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let job = this.shared.get(key) as Promise<T> | undefined;
    if (!job) {
      const pending = this.perClient.get(client) ?? 0;
      if (pending >= this.maxPerClient) {
        throw new ServiceError('conflict', `too many traces being read for this client at once (at most ${this.maxPerClient}); wait for one to finish`);
      }
      this.perClient.set(client, pending + 1);
      job = this.slot().then(async (release) => {
        try {
          return await work();
        } finally {
          release();
        }
      });
      const done = () => {
        this.shared.delete(key);
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left > 0) this.perClient.set(client, left);
        else this.perClient.delete(client);
      };
      job.then(done, done);
      this.shared.set(key, job);
    }
    return signal ? abortable(job, signal) : job;
  }

  /** Jobs running or queued now (tests, diagnostics). */
  get size(): number {
    return this.shared.size;
  }

  private slot(): Promise<() => void> {
    const release = () => {
      this.running--;
      this.waiting.shift()?.();
    };
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++;
        resolve(release);
      }),
    );
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new DOMException('cancelled', 'AbortError'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new DOMException('cancelled', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The key of a trace file's parse: its real path, size and modification time, and the format asked for. */
export function traceFileKey(path: string, format: string | undefined): string {
  try {
    const real = realpathSync(path);
    const st = statSync(real);
    return `trace:${real}:${st.size}:${st.mtimeMs}:${format ?? 'auto'}`;
  } catch {
    return `trace:${path}:?:${format ?? 'auto'}`; // missing: the parse reports it, naming the file
  }
}
