import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECENT_MAX } from '../core/api/shell.js';
import { DEFAULT_WINDOW_STATE, UserDataStore } from './user-data.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'mirage-userdata-'));

describe('UserDataStore', () => {
  it('keeps recent files newest first, without duplicates, at most RECENT_MAX', () => {
    const store = new UserDataStore(fresh());
    for (let i = 0; i < RECENT_MAX + 3; i++) store.addRecent({ kind: 'path', path: `/traces/t${i}.log`, label: `t${i}.log`, openedAtMs: i });
    store.addRecent({ kind: 'path', path: '/traces/t5.log', label: 't5.log', openedAtMs: 99 });
    const recent = store.readRecent();
    expect(recent).toHaveLength(RECENT_MAX);
    expect(recent[0]).toMatchObject({ path: '/traces/t5.log', openedAtMs: 99 });
    expect(recent.filter((e) => e.kind === 'path' && e.path === '/traces/t5.log')).toHaveLength(1);
  });

  it('survives damaged files: falls back to defaults instead of failing', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'window-state.json'), '{"width": 10');
    writeFileSync(join(dir, 'recent.json'), JSON.stringify([{ kind: 'path', path: 42 }]));
    const store = new UserDataStore(dir);
    expect(store.readWindowState()).toEqual(DEFAULT_WINDOW_STATE);
    expect(store.readRecent()).toEqual([]);
  });

  it('round-trips the window state', () => {
    const dir = fresh();
    const store = new UserDataStore(dir);
    store.writeWindowState({ x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(new UserDataStore(dir).readWindowState()).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(JSON.parse(readFileSync(join(dir, 'window-state.json'), 'utf8')).width).toBe(1200);
  });
});
