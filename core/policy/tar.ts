import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A folder as one uncompressed POSIX (ustar) tar archive, so the GUI can hand
 * a policy bundle over as a single download that `tar -xf` unpacks anywhere.
 * Deterministic: entries sorted by path, times and owners zero, so the same
 * bundle gives the same bytes.
 */

const BLOCK = 512;

/** Refuses folders past this size: the archive travels in one API message. */
export const MAX_TAR_BYTES = 256 * 1024 * 1024;

function header(name: string, size: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: the path '${name}' is longer than 100 bytes`);
  const h = Buffer.alloc(BLOCK);
  const put = (text: string, at: number, width: number): void => void h.write(text, at, width, 'utf8');
  const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(type === '5' ? 0o755 : 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  // The checksum is computed with its own field read as eight spaces.
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** The folder's files and sub-folders under `prefix/` in the archive. */
export async function tarFolder(dir: string, prefix: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  const walk = async (abs: string, rel: string): Promise<void> => {
    parts.push(header(`${rel}/`, 0, '5'));
    for (const name of (await readdir(abs)).sort()) {
      const path = join(abs, name);
      const info = await stat(path);
      if (info.isDirectory()) {
        await walk(path, `${rel}/${name}`);
      } else if (info.isFile()) {
        total += info.size;
        if (total > MAX_TAR_BYTES) throw new Error(`${dir} holds more than ${MAX_TAR_BYTES / 1024 / 1024} MiB: copy the folder instead`);
        const data = await readFile(path);
        parts.push(header(`${rel}/${name}`, data.length, '0'), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
      }
    }
  };
  await walk(dir, prefix);
  // Two zero blocks end the archive.
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
