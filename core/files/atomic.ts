import type { FileHandle } from 'node:fs/promises';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { inWords } from './errors.js';
import { isProcessAlive } from './lock.js';

let counter = 0;

/** `.<name>.<pid>-<thread>-<n>.tmp`: hidden, and naming the process that writes it (see removeStaleTemps). */
const TEMP_NAME = /^\..+\.(\d+)-(\d+)-(\d+)\.tmp$/;

/**
 * Writes a file so that readers (and a resumed run after a crash) see either
 * the old file or the whole new one: write a temp file in the same folder,
 * flush it to disk, then rename it over the target. The one implementation
 * for the whole tool (datasets, models, checkpoints, runs, traces). Errors
 * come in words naming the target (`cannot write X: no space left on the
 * device (ENOSPC)`), and the temp file is removed.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = atomicTempPath(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw atomicWriteError(error, temp, path);
  }
}

/** Where an atomic write of `path` puts its data first; writers that stream (core/trace/write.ts) use it too. */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${threadId}-${counter++}.tmp`);
}

/** A failed atomic write's error in words, naming the file the caller asked for rather than its hidden temp. */
export function atomicWriteError(error: unknown, temp: string, path: string): unknown {
  const e = error as { path?: string; dest?: string; syscall?: string } | null;
  if (e && typeof e === 'object' && e.path === temp) {
    // Opening, writing or renaming the temp is, to the caller, writing the file.
    delete e.path;
    delete e.dest;
    e.syscall = 'write';
  }
  return inWords(error, path);
}

/**
 * Removes temp files of writeFileAtomic left by processes that are gone
 * (kill -9 between open and rename), so a finished folder holds only its
 * files. Temps of live processes (this one included) are left alone.
 */
export async function removeStaleTemps(dir: string, options: { recursive?: boolean } = {}): Promise<number> {
  let removed = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (options.recursive) removed += await removeStaleTemps(path, options);
      continue;
    }
    const match = TEMP_NAME.exec(entry.name);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    await rm(path, { force: true });
    removed++;
  }
  return removed;
}
