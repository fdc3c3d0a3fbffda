import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mirage } from './testing.js';

/**
 * `mirage train --out DIR` into a folder that holds a model of the other
 * family is refused before anything is written: otherwise the wait model,
 * which `model info` and `validate --model` read first, silently wins.
 */

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('mirage train --out into a folder holding another model', () => {
  it('refuses a wait model over a network model, leaving the folder as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-out-'));
    await writeFile(join(dir, 'mirage-model.json'), '{"old":true}');
    const out = await mirage('train', '--model', 'wait-linear', '--data', join(dir, 'no-data'), '--out', dir);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toBe(
      `mirage train: --out ${dir}: already holds a network model (mirage-model.json); writing a wait model beside it would leave two models in one folder. Choose another --out, or delete ${dir} first.\n`,
    );
    expect(await readFile(join(dir, 'mirage-model.json'), 'utf8')).toBe('{"old":true}');
  });

  it('refuses a network model over a wait model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-out-'));
    await writeFile(join(dir, 'mirage-wait-model.json'), '{}');
    const out = await mirage('train', '--model', 'default', '--data', join(dir, 'no-data'), '--out', dir);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('already holds a wait model (mirage-wait-model.json)');
  });

  it('refuses an --out that is a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-out-'));
    await writeFile(join(dir, 'file'), 'x');
    const out = await mirage('train', '--model', 'wait-linear', '--data', dir, '--out', join(dir, 'file'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain(`--out ${join(dir, 'file')}: is a file, not a folder`);
  });
});
