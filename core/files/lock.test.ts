import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, isProcessAlive, LockedError } from './lock.js';

/** A pid that surely ran and is gone: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('folder locks', () => {
  it('refuses a second taker while the first holds it, naming the holder, and frees it on release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-lock-'));
    const path = join(dir, '.lock');
    const first = await acquireLock(path, { what: 'mirage run' });
    const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string; what: string };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname(), what: 'mirage run' });
    const refused = await acquireLock(path, { what: 'mirage run' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockedError);
    expect((refused as Error).message).toMatch(new RegExp(`is in use by mirage run \\(pid ${process.pid} on ${hostname()}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)$`));
    await first.release();
    expect(existsSync(path)).toBe(false);
    const second = await acquireLock(path, { what: 'mirage run' });
    await second.release();
  });

  it('takes over a lock whose process is gone (kill -9), and keeps one of a live process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-lock-'));
    const path = join(dir, '.lock');
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), startedMs: 1, what: 'mirage run' }));
    const lock = await acquireLock(path, { what: 'mirage run' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();

    // The parent of this test process is alive: its lock stands.
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), startedMs: 1, what: 'mirage run' }));
    await expect(acquireLock(path, { what: 'mirage run', refusal: () => 'busy' })).rejects.toThrow(/^busy$/);
    // Another host's pid cannot be asked: a lock it touched recently stands, one it stopped touching is stale.
    writeFileSync(path, JSON.stringify({ pid, host: `${hostname()}-elsewhere`, startedMs: 1, what: 'mirage run' }));
    await expect(acquireLock(path, { what: 'mirage run' })).rejects.toBeInstanceOf(LockedError);
    const longAgo = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, longAgo, longAgo);
    const taken = await acquireLock(path, { what: 'mirage run' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await taken.release();
  });

  it('waits for the holder when asked, telling once, and stops waiting when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-lock-'));
    const path = join(dir, '.lock');
    const first = await acquireLock(path, { what: 'stage' });
    const told: string[] = [];
    let acquired = false;
    const waiting = acquireLock(path, { what: 'stage', wait: true, onWait: (o) => told.push(o === 'unknown' ? o : o.what) }).then((l) => {
      acquired = true;
      return l;
    });
    await expect.poll(() => told).toEqual(['stage']);
    expect(acquired).toBe(false);
    await first.release();
    const second = await waiting;
    expect(acquired).toBe(true);

    const abort = new AbortController();
    const third = acquireLock(path, { what: 'stage', wait: true, signal: abort.signal });
    abort.abort(new DOMException('interrupted', 'AbortError'));
    await expect(third).rejects.toThrow(/interrupted/);
    await second.release();
  });
});
