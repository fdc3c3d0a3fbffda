import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { summarySchema } from '../validate/summary.js';
import { main } from './main.js';

// The README's main job, end to end: `mirage run --preset quick` (about half a minute on 2 cores: 290 training samples x 7 probes, 42 validation samples).
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
    expect(summary.policies.map((p) => p.policy)).toEqual(['model-wait-risk', 'reactive', 'average', 'quantile']);
    expect(summary.policies.every((p) => p.n === 42)).toBe(true);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('# Mirage experiment `quick`');
    // One week of samples is one bootstrap block: the report shows the difference and says it cannot call it significant.
    expect(report).toContain('## Is the difference real?');
    expect(report).toMatch(/Against reactive: the model's mean cost differs by -[\d.]+ h per sample; too few samples to tell whether that is real \(1 block of 42/);
  });
});
