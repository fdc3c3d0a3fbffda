import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Every entry below `dir` by relative path: a file's sha256, or 'dir' for a
 * folder (so a leftover folder shows up too). What byte-identity tests compare.
 */
export async function folderHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries.map((e) => ({ path: relative(dir, join(e.parentPath, e.name)), isFile: e.isFile() })).sort((a, b) => a.path.localeCompare(b.path));
  for (const e of paths) out[e.path] = e.isFile ? createHash('sha256').update(await readFile(join(dir, e.path))).digest('hex') : 'dir';
  return out;
}
