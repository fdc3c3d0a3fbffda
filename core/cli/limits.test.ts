import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mirage } from './testing.js';

/** Flags and configs far beyond what a machine holds are refused before any work, in one line naming the flag or field. */

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const schedule = ['--trace', TRACE, '--start', '2023-03-02T12:00:00'];

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('limits on CLI flags', () => {
  it('mirage chain --samples 1000000000: refused with the estimate, no stack trace', async () => {
    const out = await mirage('chain', ...schedule, '--samples', '1000000000');
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/^mirage chain: 1000000000 samples would need about [\d.]+ [GTP]iB of (memory|JavaScript heap)/);
    expect(out.stderr).toContain('Lower --samples');
    noStack(out.stderr);
  });

  it('mirage chain --policy probes --probes 1000000 on many samples: refused naming --probes', async () => {
    const out = await mirage('chain', ...schedule, '--samples', '100000', '--policy', 'probes', '--probes', '1000000');
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('100,000 samples x 1,000,000 run(s) each');
    expect(out.stderr).toContain('Lower --samples (or --probes)');
  });

  it('mirage dataset generate --samples 1000000000: refused before the output folder is made', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'mirage-limits-')), 'data');
    const out = await mirage('dataset', 'generate', ...schedule, '--samples', '1000000000', '--out', dir);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/^mirage dataset generate: 1000000000 samples would need/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses numbers that are not exact whole numbers: --nodes 99999999999999999999, --samples 1e400', async () => {
    await expect(mirage('chain', ...schedule, '--nodes', '99999999999999999999')).rejects.toThrow(/--nodes <n>' argument '99999999999999999999' is invalid\. a whole number from 1 to 1,000,000/);
    await expect(mirage('chain', ...schedule, '--nodes', '1000001')).rejects.toThrow(/a whole number from 1 to 1,000,000/);
    await expect(mirage('chain', ...schedule, '--samples', '1e400')).rejects.toThrow(/--samples <n>' argument '1e400' is invalid\. a whole number >= 1/);
    await expect(mirage('chain', ...schedule, '--samples', '9007199254740993')).rejects.toThrow(/a whole number >= 1/);
  });

  it('mirage run with dataset.samples 1e9: refused naming the field, nothing written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-limits-'));
    const config = join(dir, 'big.json');
    await writeFile(config, JSON.stringify({ name: 'big', trace: { path: TRACE }, dataset: { samples: 1e9 }, validation: { start: '2020-01-01T00:00:00' } }));
    const out = await mirage('run', '--config', config, '--out', join(dir, 'out'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/^mirage run: this experiment would need about/);
    expect(out.stderr).toContain('dataset.samples 1,000,000,000');
    noStack(out.stderr);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
