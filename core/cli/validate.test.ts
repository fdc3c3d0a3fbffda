import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mirage } from './testing.js';
import { folderHashes } from '../testing/files.js';
import { parseRewardsCsv } from '../validate/rewards-csv.js';
import type { Comparison } from '../compare/compare.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'mirage-cli-validate-'));
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const flags = ['--trace', TRACE, '--start', '2023-03-01T00:00:00', '--samples', '3', '--policy', 'reactive', '--baselines', 'average', '--workers', '0'];

describe('mirage validate --shard / validate merge', () => {
  it('runs 2 shards and merges them into the folder an unsharded run writes', async () => {
    const whole = await mirage('validate', ...flags, '--out', join(root, 'whole'));
    expect(whole.exitCode, whole.stderr).toBe(0);
    const s0 = await mirage('validate', ...flags, '--shard', '0/2', '--out', join(root, 's0'));
    expect(s0.stdout).toContain('shard 0/2: 2 samples');
    await mirage('validate', ...flags, '--shard', '1/2', '--out', join(root, 's1'));
    const merged = await mirage('validate', 'merge', join(root, 's1'), join(root, 's0'), '--out', join(root, 'merged'));
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(merged.stdout).toContain('| average | 3 |');
    const expected = await folderHashes(join(root, 'whole'));
    expect(Object.keys(expected)).toContain('charts/cdf.svg');
    expect(await folderHashes(join(root, 'merged'))).toEqual(expected);
  });

  it('compares the policy under test with each baseline, with intervals, in comparison.json and report.md', async () => {
    const dir = join(root, 'whole');
    const records = parseRewardsCsv(await readFile(join(dir, 'rewards.csv'), 'utf8'));
    const hours = (policy: string): number[] => records.filter((r) => r.policy === policy).sort((a, b) => a.index - b.index).map((r) => Math.abs(r.rewardSeconds) / 3600);
    const [mine, theirs] = [hours('reactive'), hours('average')];
    const comparison = JSON.parse(await readFile(join(dir, 'comparison.json'), 'utf8')) as Comparison;
    expect(comparison.model).toBe('reactive');
    expect(comparison.blockSamples).toBe(42); // (2 + 5 days) x 24 h / 4 h
    expect(comparison.baselines.map((b) => b.baseline)).toEqual(['average']);
    expect(comparison.baselines[0].costDifference.estimate).toBeCloseTo(mine.reduce((s, h, i) => s + h - theirs[i], 0) / 3, 9);
    const report = await readFile(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('## Is the difference real?');
    expect(report).toMatch(/^\| average \| -?[0-9.]+ \[/m);
  });

  it('reports a missing shard, a bad --shard and a missing --out on one line with exit status 1', async () => {
    const missing = await mirage('validate', 'merge', join(root, 's0'), '--out', join(root, 'm1'));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^mirage validate merge: shard 1\/2 missing/m);
    const noOut = await mirage('validate', 'merge', join(root, 's0'));
    expect(noOut.stderr).toMatch(/required option '--out <dir>' not specified/);
    const bad = await mirage('validate', ...flags, '--shard', '2/2', '--out', join(root, 'x'));
    expect(bad.stderr).toMatch(/--shard: K must be in 0..N-1/);
  });

  it('can be planned as a Slurm job array', async () => {
    const plan = await mirage('slurm', 'validate', '--array', '3', '--out', join(root, 'array'), '--dry-run', '--mirage', `${process.execPath} bin/mirage.js`, ...flags);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('#SBATCH --array=0-2');
    expect(plan.stdout).toContain('--shard "${SLURM_ARRAY_TASK_ID}/3"');
    expect(plan.stdout).toMatch(/validate merge .*shard-0.*shard-1.*shard-2/);
  });
});
