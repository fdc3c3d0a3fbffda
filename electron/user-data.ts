import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { RecentEntry } from '../core/api/shell.js';
import { RECENT_MAX, RecentEntrySchema } from '../core/api/shell.js';

/**
 * What the desktop app keeps in the user-data folder: window bounds and the
 * recent files. Small JSON files, validated when read (a damaged file is
 * ignored, never fatal) and written atomically (temp file + rename).
 */

export const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(640).max(20_000),
  height: z.number().int().min(420).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1440, height: 900, maximized: false };

function readJson<T>(path: string, schema: z.ZodType<T>, fallback: T): T {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(value, null, 2) + '\n');
  renameSync(temp, path);
}

export class UserDataStore {
  constructor(private readonly dir: string) {}

  readWindowState(): WindowState {
    return readJson(join(this.dir, 'window-state.json'), WindowStateSchema, DEFAULT_WINDOW_STATE);
  }

  writeWindowState(state: WindowState): void {
    writeJsonAtomic(join(this.dir, 'window-state.json'), state);
  }

  readRecent(): RecentEntry[] {
    return readJson(join(this.dir, 'recent.json'), z.array(RecentEntrySchema).max(100), []).slice(0, RECENT_MAX);
  }

  /** Puts `entry` first (replacing the same file or sample) and keeps the newest RECENT_MAX. */
  addRecent(entry: RecentEntry): RecentEntry[] {
    const key = (e: RecentEntry) => (e.kind === 'path' ? `path:${e.path}` : `sample:${e.name}`);
    const next = [entry, ...this.readRecent().filter((e) => key(e) !== key(entry))].slice(0, RECENT_MAX);
    writeJsonAtomic(join(this.dir, 'recent.json'), next);
    return next;
  }

  clearRecent(): void {
    writeJsonAtomic(join(this.dir, 'recent.json'), []);
  }
}
