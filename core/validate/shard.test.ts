import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { resolveTrainConfig } from '../train/config.js';
import { syntheticTrainingData } from '../train/synthetic.js';
import { trainModel } from '../train/train.js';
import { readValidationRecords } from './output.js';
import type { ValidationPolicy } from './policies.js';
import { runValidation } from './run.js';
import type { ValidationRequest } from './run.js';
import { hashFolder, mergeValidationShards, readValidationShard, runValidationShard, SHARD_FILES } from './shard.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const schedule = { startSec: Date.UTC(2023, 2, 1) / 1000, samples: 6, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const baselines = [{ kind: 'average' }, { kind: 'quantile', q: 0.5, window: 100 }] as const;

let root: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mirage-validate-shard-'));
  // A tiny regressor with the real input shape (144 x 42), one epoch on synthetic data (as run.test.ts).
  await initBackend('wasm');
  const data = syntheticTrainingData({ samples: 8, probes: 2, seqLen: 144, featureCount: 42, seed: 1 });
  const config = resolveTrainConfig('default', null, 1, { seqLen: 144, inFeatures: 42 }, { epochs: 1, dModel: 8, heads: 1, ffDim: 8, layers: 1, patience: null });
  modelDir = path.join(root, 'model');
  await trainModel(data, { kind: 'default', config, outDir: modelDir });
});

/** Every file under `dir`, relative, sorted. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function expectSameFolders(actual: string, expected: string): Promise<void> {
  const files = await filesOf(expected);
  expect(files).toContain('reward.log');
  expect(files.filter((f) => f.startsWith('charts')).length).toBeGreaterThan(0);
  expect(await filesOf(actual)).toEqual(files);
  for (const f of files) expect(await readFile(path.join(actual, f)), f).toEqual(await readFile(path.join(expected, f)));
}

/** Runs shards 0..count-1 of `request` into <name>-shard-K and returns their folders. */
async function runShards(request: Omit<ValidationRequest, 'outDir'>, name: string, count: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let k = 0; k < count; k++) {
    const outDir = path.join(root, `${name}-shard-${k}`);
    await runValidationShard({ ...request, outDir }, { index: k, count }, { workers: 0 });
    dirs.push(outDir);
  }
  return dirs;
}

describe('sharded validation', () => {
  const baselineRequest = { tracePath: TRACE, schedule, policy: { kind: 'reactive' } as ValidationPolicy, baselines };
  let baselineShards: string[];

  it('merges 3 baseline shards into the bytes of an unsharded run', async () => {
    const full = path.join(root, 'baseline-full');
    await runValidation({ ...baselineRequest, outDir: full }, { workers: 0 });
    baselineShards = await runShards(baselineRequest, 'baseline', 3);

    const shard1 = await readValidationShard(baselineShards[1]);
    expect(shard1.manifest.samples).toEqual([1, 4]);
    expect(shard1.manifest.shard).toEqual({ index: 1, count: 3 });
    expect(shard1.manifest.request.policies.map((p) => p.kind)).toEqual(['reactive', 'average', 'quantile']);
    expect(shard1.outcomes.map((list) => list.map((o) => o.index))).toEqual([[1, 4], [1, 4], [1, 4]]);

    const merged = path.join(root, 'baseline-merged');
    // Any order of the folders on the command line.
    await mergeValidationShards([baselineShards[2], baselineShards[0], baselineShards[1]], merged);
    await expectSameFolders(merged, full);
    // Not a trivial run: the policies' rewards differ somewhere.
    const records = await readValidationRecords(full);
    expect(new Set(records.map((r) => r.rewardSeconds)).size).toBeGreaterThan(1);
  });

  it('merges 3 shards of a model policy (batched model calls) into the bytes of an unsharded run', async () => {
    const policy: ValidationPolicy = { kind: 'model', modelDir, rule: { kind: 'regressor', lowHours: -0.5, highHours: 500 }, label: 'tiny', backend: 'wasm' };
    const request = { tracePath: TRACE, schedule, policy, baselines: [] };
    const full = path.join(root, 'model-full');
    await runValidation({ ...request, outDir: full }, { workers: 0, batchSamples: 6 });
    const dirs = await runShards(request, 'model', 3);
    const shard = await readValidationShard(dirs[0]);
    expect(shard.manifest.request.modelSha256).toBe(await hashFolder(modelDir));
    expect(shard.outcomes[0].every((o) => o.decisions > 0 || o.expected === 0)).toBe(true);
    const merged = path.join(root, 'model-merged');
    await mergeValidationShards(dirs, merged);
    await expectSameFolders(merged, full);
  });

  it('refuses an incomplete set, a repeated shard and shards of another request, naming the folder', async () => {
    const [s0, s1, s2] = baselineShards;
    const out = path.join(root, 'refused');
    await expect(mergeValidationShards([s0, s2], out)).rejects.toThrow('shard 1/3 missing');
    await expect(mergeValidationShards([s0, s1, s1, s2], out)).rejects.toThrow(`${s1}: shard 1/3 given twice`);
    await expect(mergeValidationShards([], out)).rejects.toThrow('no shard folders given');

    // Same shard split, another schedule (7 samples): its shard 1 cannot stand in for this run's.
    const other = await runShards({ ...baselineRequest, schedule: { ...schedule, samples: 7 } }, 'other', 3);
    await expect(mergeValidationShards([s0, other[1], s2], out)).rejects.toThrow(`${other[1]}: belongs to a different validation than ${s0} (schedule differ)`);
    // Another split of the same request.
    const halves = await runShards(baselineRequest, 'halves', 2);
    await expect(mergeValidationShards([s0, halves[1], s2], out)).rejects.toThrow(`${halves[1]}: is shard 1/2, but ${s0} is one of 3`);

    // A folder that is not a shard, or a shard whose outcomes lost a sample.
    await expect(mergeValidationShards([s0, root, s2], out)).rejects.toThrow(`${path.join(root, SHARD_FILES.manifest)}: missing`);
    const cut = path.join(root, 'cut-shard');
    await cp(s1, cut, { recursive: true });
    const outcomes = JSON.parse(await readFile(path.join(cut, SHARD_FILES.outcomes), 'utf8')) as { outcomes: unknown[][] };
    outcomes.outcomes[2].pop();
    await writeFile(path.join(cut, SHARD_FILES.outcomes), JSON.stringify(outcomes));
    await expect(mergeValidationShards([s0, cut, s2], out)).rejects.toThrow(`quantile has samples [1], the manifest lists [1, 4]`);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('keeps NaN, infinities and -0 of model outputs across the shard file', async () => {
    const copy = path.join(root, 'special-shard');
    await cp(baselineShards[0], copy, { recursive: true });
    const text = await readFile(path.join(copy, SHARD_FILES.outcomes), 'utf8');
    const data = JSON.parse(text) as { outcomes: Array<Array<Record<string, unknown>>> };
    data.outcomes[0][0].expected = '-0';
    data.outcomes[0][1].expected = 'NaN';
    data.outcomes[1][0].expected = '-Infinity';
    await writeFile(path.join(copy, SHARD_FILES.outcomes), JSON.stringify(data));
    const read = await readValidationShard(copy);
    expect(Object.is(read.outcomes[0][0].expected, -0)).toBe(true);
    expect(read.outcomes[0][1].expected).toBeNaN();
    expect(read.outcomes[1][0].expected).toBe(Number.NEGATIVE_INFINITY);
  });
});
