import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { throwIfAborted } from '../progress.js';

/**
 * One lock file per piece of work that two processes must not do at once (a
 * `mirage run` output folder, a pipeline stage). It is created with O_EXCL,
 * holds the owner's pid and host, and is removed when the work ends; one left
 * by a process that is gone (kill -9, power loss) is taken over. On the same
 * host the owner's pid tells; from another host (a shared file system) only
 * the owner's heartbeat can: a lock it has not touched for a minute is stale.
 */

export interface LockOwner {
  pid: number;
  host: string;
  startedMs: number;
  /** What holds it, for the message the next one gets: `mirage run`. */
  what: string;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

/** A lock file being written (created, not yet filled) counts as held for this long. */
const FRESH_MS = 10_000;
const POLL_MS = 250;
/** The holder touches its lock this often, so another host can tell a live holder from one that died. */
const HEARTBEAT_MS = 15_000;
/** A lock from another host not touched for this long is stale (its holder died or lost the file system). */
const FOREIGN_STALE_MS = 4 * HEARTBEAT_MS;

/** True when a process with this pid runs on this machine (EPERM: it does, as another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, startedMs: Number(value.startedMs) || 0, what: String(value.what ?? 'another process') };
    }
  } catch {
    // unreadable or half written: judged by its age below
  }
  return null;
}

/** Whether the lock at `path`, as `owner` wrote it (null: unreadable), is held by a live process, or cannot be judged yet. */
async function isHeld(path: string, owner: LockOwner | null): Promise<boolean> {
  if (owner && owner.host === hostname()) return isProcessAlive(owner.pid);
  // Another host's pid cannot be asked: its heartbeat tells. A half-written lock is young.
  const touched = await stat(path).then((st) => st.mtimeMs, () => null);
  if (touched === null) return false; // gone meanwhile: free
  return Date.now() - touched < (owner ? FOREIGN_STALE_MS : FRESH_MS);
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null): boolean =>
  a === b || (a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.startedMs === b.startedMs);

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner) + '\n');
  } finally {
    await handle.close();
  }
  return true;
}

export function describeOwner(owner: LockOwner | 'unknown'): string {
  if (owner === 'unknown') return 'another process (starting now)';
  const since = owner.startedMs ? `, since ${new Date(owner.startedMs).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '';
  return `${owner.what} (pid ${owner.pid} on ${owner.host}${since})`;
}

export class LockedError extends Error {
  constructor(
    message: string,
    readonly owner: LockOwner | 'unknown',
  ) {
    super(message);
    this.name = 'LockedError';
  }
}

export interface LockOptions {
  /** Who takes it: written into the lock for the next one's message. */
  what: string;
  /** Wait for the owner to finish instead of refusing (the signal stops the wait). */
  wait?: boolean;
  signal?: AbortSignal;
  /** Told once when the lock is held by another and this waits for it. */
  onWait?: (owner: LockOwner | 'unknown') => void;
  /** The refusal's message, given the owner (default: `<path> is in use by <owner>`). */
  refusal?: (owner: LockOwner | 'unknown') => string;
}

/** Takes the lock at `path` (its folder must exist); refuses with LockedError, or waits, while a live process holds it. */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const me: LockOwner = { pid: process.pid, host: hostname(), startedMs: Date.now(), what: options.what };
  let told = false;
  for (;;) {
    throwIfAborted(options.signal);
    if (await tryCreate(path, me)) break;
    const read = await readOwner(path);
    if (!(await isHeld(path, read))) {
      // Stale: move it aside under a name of our own (a rename is atomic; two takers cannot both win it).
      const aside = `${path}.stale-${process.pid}-${Date.now()}`;
      if (!(await rename(path, aside).then(() => true, () => false))) continue;
      // Another taker may have replaced the stale lock just before our rename: put its live one back.
      if (!sameOwner(await readOwner(aside), read)) await link(aside, path).catch(() => {});
      await rm(aside, { force: true });
      continue;
    }
    const owner: LockOwner | 'unknown' = read ?? 'unknown';
    if (!options.wait) throw new LockedError(options.refusal?.(owner) ?? `${path} is in use by ${describeOwner(owner)}`, owner);
    if (!told) {
      told = true;
      options.onWait?.(owner);
    }
    await sleep(POLL_MS, options.signal);
  }
  let released = false;
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // Only our own lock is removed: it may have been taken over if this process looked dead to another host's view.
      const owner = await readOwner(path);
      if (owner && owner.pid === me.pid && owner.host === me.host && owner.startedMs === me.startedMs) await rm(path, { force: true });
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
