import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { summarySchema } from '../validate/summary.js';
import { main } from './main.js';

// The README's main job, end to end: `mirage run --preset quick` (about half a minute on 2 cores).
describe('mirage run --preset quick', () => {
  it('runs the whole experiment and reports the comparison', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-quick-'));
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await main(['node', 'mirage', 'run', '--preset', 'quick', '--out', out, '--json']);
    } finally {
      write.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);
    const events = lines.join('').trim().split('\n').map((l) => JSON.parse(l) as { type: string; stage?: string; status?: string });
    expect(events.filter((e) => e.type === 'stage' && e.status === 'done').map((e) => e.stage)).toEqual(['trace', 'dataset', 'training', 'calibration', 'validation', 'report']);
    const last = events.at(-1) as { type: string; summary: unknown };
    expect(last.type).toBe('summary');
    const summary = summarySchema.parse(last.summary);
    expect(summary.policies.map((p) => p.policy)).toEqual(['model-default', 'reactive', 'average', 'quantile']);
    expect(summary.policies.every((p) => p.n === 12)).toBe(true);
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).toContain('# Mirage experiment `quick`');
  });
});
