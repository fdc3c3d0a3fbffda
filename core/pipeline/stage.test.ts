import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStage, stageKey } from './stage.js';

describe('pipeline stages', () => {
  it('keys ignore key order and change with any input', () => {
    expect(stageKey('dataset', { a: 1, b: { c: 2, d: 3 } })).toBe(stageKey('dataset', { b: { d: 3, c: 2 }, a: 1 }));
    expect(stageKey('dataset', { a: 1 })).not.toBe(stageKey('dataset', { a: 2 }));
    expect(stageKey('dataset', { a: 1 })).not.toBe(stageKey('training', { a: 1 }));
  });

  it('runs once per inputs and reuses the finished folder after', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-stage-'));
    let runs = 0;
    const work = async (dir: string): Promise<void> => {
      runs++;
      writeFileSync(join(dir, 'out.txt'), `run ${runs}`);
    };
    const first = await runStage(root, 'dataset', { samples: 3 }, work);
    expect(first.reused).toBe(false);
    expect(readFileSync(join(first.dir, 'out.txt'), 'utf8')).toBe('run 1');
    const again = await runStage(root, 'dataset', { samples: 3 }, work);
    expect(again).toEqual({ ...first, reused: true });
    expect(runs).toBe(1);
    const other = await runStage(root, 'dataset', { samples: 4 }, work);
    expect(other.reused).toBe(false);
    expect(other.dir).not.toBe(first.dir);
    expect(runs).toBe(2);
  });

  it('redoes a stage interrupted before its marker was written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-stage-'));
    await expect(
      runStage(root, 'training', { epochs: 1 }, async (dir) => {
        writeFileSync(join(dir, 'half.txt'), 'x');
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    const key = stageKey('training', { epochs: 1 });
    const dir = join(root, `training-${key.slice(0, 12)}`);
    expect(existsSync(dir)).toBe(false);
    // A folder with the final name but no marker (copied by hand, say) is not taken as finished either.
    mkdirSync(dir);
    const done = await runStage(root, 'training', { epochs: 1 }, async (tmp) => {
      expect(existsSync(join(tmp, 'half.txt'))).toBe(false);
      writeFileSync(join(tmp, 'model.json'), '{}');
    });
    expect(done.reused).toBe(false);
    expect(existsSync(join(done.dir, 'model.json'))).toBe(true);
  });

  it('lets two runs of one stage at once do the work once: the second waits, then reuses the complete folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-stage-'));
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async (dir: string): Promise<void> => {
      runs++;
      writeFileSync(join(dir, 'part-1.txt'), 'a');
      await gate; // still working when the second run arrives
      writeFileSync(join(dir, 'part-2.txt'), 'b');
    };
    const waits: string[] = [];
    const first = runStage(root, 'training', { epochs: 2 }, work);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = runStage(root, 'training', { epochs: 2 }, work, { onWait: (holder) => waits.push(holder) });
    await expect.poll(() => waits.length).toBe(1);
    expect(waits[0]).toMatch(/^mirage stage training \(pid \d+ on /);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(runs).toBe(1);
    expect(a.reused).toBe(false);
    expect(b).toEqual({ ...a, reused: true });
    expect(readFileSync(join(a.dir, 'part-2.txt'), 'utf8')).toBe('b');
    expect(existsSync(`${a.dir}.lock`)).toBe(false);
  });

  it('removes temp files a killed writer left in the stage before marking it finished', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-stage-'));
    const done = await runStage(root, 'dataset', { n: 1 }, async (dir) => {
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'x.npy'), 'x');
      // pid 0 is never a process that could still finish this write.
      writeFileSync(join(dir, 'data', '.x.npy.0-0-7.tmp'), 'half');
      writeFileSync(join(dir, 'data', `.y.npy.${process.pid}-0-8.tmp`), 'ours, in progress');
    });
    expect(readdirSync(join(done.dir, 'data')).sort()).toEqual([`.y.npy.${process.pid}-0-8.tmp`, 'x.npy']);
  });
});
