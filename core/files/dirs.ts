import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileSystemError, inWords } from './errors.js';

/**
 * Creates a folder and its missing parents, one level at a time. Node's
 * `mkdir(path, { recursive: true })` loops forever on some special file
 * systems (`/proc/x`: every attempt says ENOENT, and it retries the parent),
 * and reports a read-only mount as ENOENT; here each level is tried once and
 * the first failure is reported in words, naming the folder.
 */
export async function makeDir(path: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  let dir = target;
  for (;;) {
    const st = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null; // missing, or below a file (found on the way up)
      throw inWords(error);
    });
    if (st) {
      if (!st.isDirectory()) throw new Error(`cannot create the folder ${target}: ${dir} is a file, not a folder`);
      break;
    }
    missing.push(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') continue; // made meanwhile by another process: fine
      // The parent exists (made above, or found) yet says "no such file": a file system that takes no new folders (/proc, /sys).
      if (e.code === 'ENOENT') throw new Error(`cannot create the folder ${d}: the file system at ${dirname(d)} does not allow new folders (ENOENT)`, { cause: error });
      throw e instanceof Error && 'code' in e ? new FileSystemError(e as Error & { code: string }, d) : error;
    }
  }
}
