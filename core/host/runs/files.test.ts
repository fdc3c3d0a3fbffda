import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLog, listRunFiles, readRunFile } from './files.js';

function runFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'mirage-files-'));
  mkdirSync(join(root, '.stages', 'training-abc'), { recursive: true });
  writeFileSync(join(root, '.stages', 'training-abc', 'weights.bin'), 'x');
  writeFileSync(join(root, 'secret.txt'), 'outside the run');
  const run = join(root, 'r1');
  mkdirSync(join(run, 'charts'), { recursive: true });
  symlinkSync(join('..', '.stages'), join(run, 'stages'), 'dir');
  symlinkSync(join('..', 'secret.txt'), join(run, 'escape.txt'));
  writeFileSync(join(run, 'reward.log'), 'a\nb\n');
  writeFileSync(join(run, 'charts', 'cdf.svg'), '<svg/>');
  writeFileSync(join(run, 'model.bin'), Buffer.alloc(10));
  return run;
}

describe("a run's files", () => {
  it('lists its own files, the stages link as one folder, and which ones read as text', async () => {
    expect(await listRunFiles(runFolder())).toEqual([
      { path: 'charts/cdf.svg', bytes: 6, kind: 'file', text: true },
      { path: 'escape.txt', bytes: null, kind: 'folder', text: false },
      { path: 'model.bin', bytes: 10, kind: 'file', text: false },
      { path: 'reward.log', bytes: 4, kind: 'file', text: true },
      { path: 'stages', bytes: null, kind: 'folder', text: false },
    ]);
  });

  it('reads a text file of the folder, and nothing outside it or behind a link', async () => {
    const run = runFolder();
    expect(await readRunFile(run, 'reward.log')).toBe('a\nb\n');
    expect(await readRunFile(run, 'charts/cdf.svg')).toBe('<svg/>');
    await expect(readRunFile(run, '../secret.txt')).rejects.toThrow(/not a file of the run's own folder/);
    await expect(readRunFile(run, 'escape.txt')).rejects.toThrow(/outside the run's folder/);
    await expect(readRunFile(run, 'stages/training-abc/weights.bin')).rejects.toThrow(/not a file of the run's own folder/);
    await expect(readRunFile(run, 'model.bin')).rejects.toThrow(/not a text file/);
    await expect(readRunFile(run, 'nope.log')).rejects.toThrow(/no such file/);
  });

  it('keeps a log in the order things happened, each line stamped', async () => {
    const path = join(runFolder(), 'run.log');
    const log = new RunLog(path, () => {});
    log.write('started', Date.UTC(2026, 10, 30, 13, 0, 0));
    log.write('dataset: running\nsecond line', Date.UTC(2026, 10, 30, 13, 0, 5));
    await log.flushed();
    expect(readFileSync(path, 'utf8')).toBe(
      '2026-11-30 13:00:00 UTC  started\n2026-11-30 13:00:05 UTC  dataset: running\n2026-11-30 13:00:05 UTC  second line\n',
    );
  });
});
