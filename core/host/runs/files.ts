import { appendFile, lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';
import type { RunFile } from '../../api/experiment.js';
import { ServiceError } from '../../api/errors.js';

/**
 * A run's log (what happened, when: stages, the end, errors) and the files
 * its folder holds, for the run page: what TensorBoard and MLflow show as a
 * run's artifacts. The shared stages a run links to are listed as folders,
 * not walked (they are big, and other runs' too).
 */

export const RUN_LOG_FILE = 'run.log';
/** Most entries listed (a run holds a few dozen). */
const MAX_FILES = 500;
/** Largest file shown as text. */
export const MAX_TEXT_BYTES = 1 << 20;
const TEXT_EXTENSIONS = new Set(['.log', '.json', '.jsonl', '.csv', '.md', '.txt', '.svg']);

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Appends lines to a run's log in order (one write after the other), never failing the run. */
export class RunLog {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly path: string,
    private readonly onError: (message: string) => void,
  ) {}

  write(line: string, nowMs = Date.now()): void {
    const text = line
      .split('\n')
      .map((l) => `${stamp(nowMs)} UTC  ${l}`)
      .join('\n');
    this.chain = this.chain.then(() => appendFile(this.path, text + '\n')).catch((error: unknown) => this.onError(`cannot write ${this.path}: ${String(error)}`));
  }

  /** Settles once every line written so far is on disk. */
  flushed(): Promise<void> {
    return this.chain;
  }
}

/** The run folder's files (and its stages/ link as a folder), sorted by path. */
export async function listRunFiles(runDir: string): Promise<RunFile[]> {
  const out: RunFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_FILES) return;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => null);
      if (!info) continue;
      const rel = relative(runDir, path).split(sep).join('/');
      if (info.isSymbolicLink() || (info.isDirectory() && rel === 'stages')) {
        out.push({ path: rel, bytes: null, kind: 'folder', text: false });
      } else if (info.isDirectory()) {
        await walk(path);
      } else if (info.isFile()) {
        out.push({ path: rel, bytes: info.size, kind: 'file', text: TEXT_EXTENSIONS.has(extname(name).toLowerCase()) && info.size <= MAX_TEXT_BYTES });
      }
    }
  };
  await walk(runDir);
  return out;
}

/** One of the run's own files as text: a listed, text, small file inside the folder (no link followed out of it). */
export async function readRunFile(runDir: string, path: string): Promise<string> {
  const clean = normalize(path);
  if (clean.startsWith('..') || clean.startsWith(sep) || clean.split(sep).includes('..') || clean.split(sep)[0] === 'stages') {
    throw new ServiceError('invalid-request', `${path}: not a file of the run's own folder`);
  }
  const full = join(runDir, clean);
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    throw new ServiceError('not-found', `${path}: no such file in the run's folder`);
  }
  if (!real.startsWith((await realpath(runDir)) + sep)) throw new ServiceError('invalid-request', `${path}: outside the run's folder`);
  const info = await lstat(real);
  if (!info.isFile()) throw new ServiceError('invalid-request', `${path}: not a file`);
  if (!TEXT_EXTENSIONS.has(extname(real).toLowerCase())) throw new ServiceError('invalid-request', `${path}: not a text file (${[...TEXT_EXTENSIONS].join(', ')})`);
  if (info.size > MAX_TEXT_BYTES) throw new ServiceError('invalid-request', `${path}: ${info.size} bytes, more than the ${MAX_TEXT_BYTES >> 20} MiB shown as text`);
  return readFile(real, 'utf8');
}
