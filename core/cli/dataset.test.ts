import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { DatasetInfo } from '../dataset/info.js';
import { mirage } from './testing.js';
import { folderHashes } from '../testing/files.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'mirage-cli-dataset-'));
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const schedule = ['--trace', TRACE, '--start', '2022-11-01T00:00:00', '--samples', '3', '--features', 'reference', '--json'];

describe('mirage dataset', () => {
  it('generates, shards, merges and describes a small LS6 dataset', async () => {
    const whole = join(root, 'whole');
    const made = await mirage('dataset', 'generate', ...schedule, '--out', whole, '--workers', '0');
    expect(made.exitCode).toBe(0);
    expect(JSON.parse(made.stdout).counts).toMatchObject({ samples: 3, examples: 21 });
    expect(made.stderr).toContain('"stage":"simulate"');

    // Shard 0 on a worker thread (the real chain worker), shard 1 in this thread.
    await mirage('dataset', 'generate', ...schedule, '--out', join(root, 's0'), '--shard', '0/2', '--workers', '1');
    await mirage('dataset', 'generate', ...schedule, '--out', join(root, 's1'), '--shard', '1/2', '--workers', '0');
    const merged = await mirage('dataset', 'merge', join(root, 's1'), join(root, 's0'), '--out', join(root, 'merged'));
    expect(merged.stdout).toMatch(/3 samples, 21 examples from 2 shards/);
    expect(await folderHashes(join(root, 'merged'))).toEqual(await folderHashes(whole));

    const info = await mirage('dataset', 'info', whole, '--json');
    const parsed = JSON.parse(info.stdout) as DatasetInfo;
    expect(parsed.featureMode).toBe('reference');
    expect(parsed.firstSampleStart).toBe('2022-11-01T00:00:00');
    // The golden rewards of these samples run from -172740 s (probe 0) to 0 s (probe 6).
    expect([parsed.rewards.seconds.p0, parsed.rewards.seconds.p100]).toEqual([-172740, 0]);
    expect(parsed.features.map((f) => f.name).slice(34, 38)).toEqual(['pred_limit_min', 'pred_nodes', 'pred_wait_s', 'pred_run_s']);
    expect(parsed.features[34]).toEqual({ name: 'pred_limit_min', min: 2880, max: 2880, mean: 2880 });
    const text = await mirage('dataset', 'info', whole);
    expect(text.stdout).toMatch(/examples +21 windows of 144 x 42/);
  });

  it('reports bad input on one line with exit status 1', async () => {
    const dir = join(root, 'busy');
    await mirage('dataset', 'generate', ...schedule, '--samples', '1', '--out', dir, '--workers', '0');
    const again = await mirage('dataset', 'generate', ...schedule, '--samples', '1', '--out', dir, '--workers', '0');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^mirage dataset generate: .*busy: folder is not empty \(pass --resume/m);
    const shard = await mirage('dataset', 'generate', ...schedule, '--out', join(root, 'x'), '--shard', '2/2');
    expect(shard.stderr).toMatch(/--shard: K must be in 0..N-1/);
    const info = await mirage('dataset', 'info', join(root, 'nothing-here'));
    expect(info.stderr).toMatch(/nothing-here: not a dataset folder/);
  });
});
