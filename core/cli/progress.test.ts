import { describe, expect, it } from 'vitest';
import { progressReporter } from './progress.js';

/** A stream that keeps what is written; a terminal or not. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY?: boolean } };
}

describe('progress output', () => {
  it('piped without --json: plain lines at the start, each quarter, every 10 s at most, and the end', () => {
    const out = sink(false);
    let t = 0;
    const progress = progressReporter({ stream: out.stream, now: () => t });
    // 100 reports one second apart: a log gets a handful of lines, not 100.
    for (let done = 0; done <= 100; done++) {
      t = done * 1000;
      progress.report({ stage: 'dataset', done, total: 100, unit: 'samples' });
    }
    progress.report({ stage: 'dataset', done: 100, total: 100, unit: 'samples' });
    progress.finish();
    const lines = out.chunks.join('').split('\n').filter(Boolean);
    expect(lines).toEqual([
      'dataset: 0 of 100 samples (0 %)',
      'dataset: 10 of 100 samples (10 %), 1.00 samples/s, about 2 min left',
      'dataset: 20 of 100 samples (20 %), 1.00 samples/s, about 80 s left',
      'dataset: 25 of 100 samples (25 %), 1.00 samples/s, about 75 s left',
      'dataset: 35 of 100 samples (35 %), 1.00 samples/s, about 65 s left',
      'dataset: 45 of 100 samples (45 %), 1.00 samples/s, about 55 s left',
      'dataset: 50 of 100 samples (50 %), 1.00 samples/s, about 50 s left',
      'dataset: 60 of 100 samples (60 %), 1.00 samples/s, about 40 s left',
      'dataset: 70 of 100 samples (70 %), 1.00 samples/s, about 30 s left',
      'dataset: 75 of 100 samples (75 %), 1.00 samples/s, about 25 s left',
      'dataset: 85 of 100 samples (85 %), 1.00 samples/s, about 15 s left',
      'dataset: 95 of 100 samples (95 %), 1.00 samples/s, about 5 s left',
      'dataset: 100 of 100 samples (100 %), 1.00 samples/s',
    ]);
    const text = out.chunks.join('');
    // No carriage return, escape sequence or JSON in a log.
    for (const c of ['\r', '\u001b', '{']) expect(text).not.toContain(c);
  });

  it('with --json: one JSON line per report, piped or not', () => {
    const out = sink(true);
    const progress = progressReporter({ json: true, stream: out.stream, now: () => 2000 });
    progress.report({ stage: 'training', done: 1, total: 4, unit: 'epochs' });
    progress.report({ stage: 'training', done: 2, total: 4, unit: 'epochs' });
    const lines = out.chunks.join('').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as { type: string; done: number })).toMatchObject([
      { type: 'progress', done: 1 },
      { type: 'progress', done: 2 },
    ]);
  });

  it('on a terminal: one bar redrawn in place', () => {
    const out = sink(true);
    const progress = progressReporter({ stream: out.stream, now: () => 5000 });
    progress.report({ stage: 'load', done: 5, total: 10, unit: 'rows' });
    progress.finish();
    expect(out.chunks[0]).toMatch(/^\rload \[#{14}\.{14}\] 5\/10 rows/);
    expect(out.chunks.at(-1)).toBe('\n');
  });
});

describe('progress of bytes, piped', () => {
  it('reads in MB, with no rate before a second has passed', () => {
    const out = sink(false);
    let t = 0;
    const progress = progressReporter({ stream: out.stream, now: () => t });
    progress.report({ stage: 'load', done: 0, total: 4 << 20, unit: 'bytes' });
    t = 1;
    progress.report({ stage: 'load', done: 1 << 20, total: 4 << 20, unit: 'bytes' });
    t = 2000;
    progress.report({ stage: 'load', done: 4 << 20, total: 4 << 20, unit: 'bytes' });
    expect(out.chunks.join('').trim().split('\n')).toEqual(['load: 0.0 of 4.0 MB (0 %)', 'load: 1.0 of 4.0 MB (25 %)', 'load: 4.0 of 4.0 MB (100 %), 2.0 MB/s']);
  });
});
