import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Progress } from '../progress.js';
import { DEFAULT_SIM_CONFIG } from '../sim/config.js';
import { generateDataset, PARTIAL_DIR } from './generate.js';
import type { DatasetConfig } from './manifest.js';
import { datasetInfo, formatDatasetInfo } from './info.js';
import { mergeShards } from './merge.js';
import { openDataset, splitDatasetHeldOut, takeRows } from './reader.js';
import type { SampleSourceSpec } from './source.js';
import { fakeSample } from './testing/fake-source.js';
import type { FakeSourceInit } from './testing/fake-source.js';
import { folderHashes } from '../testing/files.js';

const root = await mkdtemp(join(tmpdir(), 'mirage-dataset-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => join(root, `d${folders++}`);

const START = 1_667_260_800; // 2022-11-01T00:00:00
const featureNames = Array.from({ length: 42 }, (_, i) => `f${i}`);
const config: DatasetConfig = {
  trace: { name: 'fake.log', sha256: 'a'.repeat(64), format: 'auto' },
  schedule: { startSec: START, samples: 10, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1, exclude: [{ fromSec: START + 8 * 3600, toSec: START + 12 * 3600 }] },
  sim: DEFAULT_SIM_CONFIG,
  policy: { kind: 'probes', probes: 7 },
  featureMode: 'decision',
  seed: 0,
};
const fakeInit: FakeSourceInit = { probes: 7, featureMode: 'decision', startSec: START, intervalHours: 4 };
const source = (extra: Partial<FakeSourceInit> = {}): SampleSourceSpec => ({
  worker: new URL('./testing/fake-worker.js', import.meta.url).href,
  init: { ...fakeInit, ...extra },
});

/** Every entry of a dataset folder, name -> sha256 of its bytes (a folder hashes as 'dir'). */
// The reference run: whole schedule, in this thread.
const wholeDir = folder();
const whole = await generateDataset(config, { outDir: wholeDir, source: source(), featureNames, workers: 0 });
const wholeBytes = await folderHashes(wholeDir);

describe('dataset generation', () => {
  it('writes every sample x probe except excluded samples, with the partial folder gone', async () => {
    expect(whole.manifest.counts).toEqual({ samples: 9, excludedSamples: 1, examples: 63, snapshotRows: 9 * (144 + 6 * 48) });
    expect(Object.keys(wholeBytes)).not.toContain(PARTIAL_DIR);
    expect(Object.keys(wholeBytes)).toHaveLength(16); // manifest + 15 arrays
    const data = await openDataset(wholeDir);
    expect([...new Set(data.columns.sample_index)]).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9]); // 2 starts at 08:00, excluded
    // Example 7 * 2 + 4 is sample 3, probe 4: features, reward and metadata as the simulator gave them.
    const expected = fakeSample(fakeInit, 3);
    const i = 7 * 2 + 4;
    expect(data.features.subarray(i * 144 * 42, (i + 1) * 144 * 42)).toEqual(expected.runs[4].features);
    expect(data.rewardSeconds[i]).toBe(expected.runs[4].rewardSeconds);
    expect(data.columns.probe_index[i]).toBe(4);
    expect(data.columns.submit_sec[i]).toBe(expected.runs[4].submitSec);
    expect(data.columns.succ_start_sec[i]).toBe(expected.runs[4].succStartSec);
    expect(data.columns.pred_end_sec[i]).toBe(expected.predEndSec);
    expect(data.columns.avg_wait_minutes[i]).toBe(3);
  });

  it('gives the same bytes on worker threads as in one thread (same config and seed -> same bytes)', async () => {
    const dir = folder();
    const progress: Progress[] = [];
    await generateDataset(config, { outDir: dir, source: source(), featureNames, workers: 2, onProgress: (p) => progress.push(p) });
    expect(await folderHashes(dir)).toEqual(wholeBytes);
    expect(progress.at(-1)).toMatchObject({ stage: 'simulate', done: 9, total: 9, unit: 'samples' });
    expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('resumes an interrupted run and ends byte-identical to an uninterrupted one', async () => {
    const dir = folder();
    // Interrupt: the simulator fails on sample 6, after others were saved.
    await expect(generateDataset(config, { outDir: dir, source: source({ failOn: [6] }), featureNames, workers: 0 })).rejects.toThrow(/fails on sample 6/);
    const saved = (await readdir(join(dir, PARTIAL_DIR))).filter((n) => n.endsWith('.bin'));
    expect(saved).toEqual(['sample-000000.bin', 'sample-000001.bin', 'sample-000003.bin', 'sample-000004.bin', 'sample-000005.bin']);
    // Lose one finished sample too, as if the machine died mid-write (no temp file survives a rename).
    await unlink(join(dir, PARTIAL_DIR, saved[0]));
    await expect(generateDataset(config, { outDir: dir, source: source(), featureNames, workers: 0 })).rejects.toThrow(/not empty .*--resume/);
    const progress: Progress[] = [];
    const resumed = await generateDataset(config, { outDir: dir, source: source(), featureNames, workers: 0, resume: true, onProgress: (p) => progress.push(p) });
    expect(resumed).toMatchObject({ simulated: 5, resumed: 4 });
    expect(progress.at(-1)).toMatchObject({ done: 5, total: 5, detail: { resumed: 4 } });
    expect(await folderHashes(dir)).toEqual(wholeBytes);
    // Resuming a finished dataset does nothing.
    expect(await generateDataset(config, { outDir: dir, source: source(), featureNames, workers: 0, resume: true })).toMatchObject({ simulated: 0 });
  });

  it('refuses to resume with a different configuration', async () => {
    const dir = folder();
    await expect(generateDataset(config, { outDir: dir, source: source({ failOn: [0] }), featureNames, workers: 0 })).rejects.toThrow();
    const other = { ...config, schedule: { ...config.schedule, samples: 11 } };
    await expect(generateDataset(other, { outDir: dir, source: source(), featureNames, workers: 0, resume: true })).rejects.toThrow(/different configuration/);
  });

  it('merges shards into the dataset an unsharded run writes, byte for byte', async () => {
    const shardDirs = [folder(), folder(), folder()];
    for (const [index, dir] of shardDirs.entries()) {
      const { manifest } = await generateDataset(config, { outDir: dir, source: source(), featureNames, workers: 0, shard: { index, count: 3 } });
      expect(manifest.shard).toEqual({ index, count: 3 });
    }
    const shard2 = await openDataset(shardDirs[2]);
    expect([...new Set(shard2.columns.sample_index)]).toEqual([5, 8]); // 2 is excluded
    const merged = folder();
    await mergeShards([shardDirs[2], shardDirs[0], shardDirs[1]], merged);
    expect(await folderHashes(merged)).toEqual(wholeBytes);
  });

  it('refuses shards that do not make one whole run', async () => {
    const a = folder();
    const b = folder();
    await generateDataset(config, { outDir: a, source: source(), featureNames, workers: 0, shard: { index: 0, count: 2 } });
    await generateDataset({ ...config, seed: 1 }, { outDir: b, source: source(), featureNames, workers: 0, shard: { index: 1, count: 2 } });
    await expect(mergeShards([a], folder())).rejects.toThrow(/shard 1\/2 missing/);
    await expect(mergeShards([a, a], folder())).rejects.toThrow(/given twice/);
    await expect(mergeShards([a, b], folder())).rejects.toThrow(/belongs to a different run/);
    await expect(mergeShards([a, wholeDir], folder())).rejects.toThrow(/not a shard/);
  });

  it('splits examples by sample time, keeping the probes of a sample together', async () => {
    const data = await openDataset(wholeDir);
    // The last 3 of 9 samples (4 h apart) are held out; the 6 before all replay (7 days) into them, so the gap
    // takes the later half of those (3) and the first 3 samples are fitted.
    const { train, heldOut, heldOutSamples } = splitDatasetHeldOut(data, 1 / 3);
    expect([train.length, heldOut.length]).toEqual([21, 21]);
    expect(heldOutSamples).toEqual([7, 8, 9]);
    expect([...new Set(takeRows(data, train).columns.sample_index)]).toEqual([0, 1, 3]); // sample 2 is excluded by the schedule
    const part = takeRows(data, heldOut);
    expect([...new Set(part.columns.sample_index)]).toEqual([7, 8, 9]);
    expect(part.features.subarray(0, 144 * 42)).toEqual(data.features.subarray(42 * 144 * 42, 43 * 144 * 42));
  });

  it('summarises a dataset: counts, storage, reward percentiles, feature ranges', async () => {
    const data = await openDataset(wholeDir);
    const info = await datasetInfo(data);
    expect(info.counts).toMatchObject({ samples: 9, examples: 63, windowLength: 144 });
    // Decision windows share rows: 432 rows x 34 + 63 x (8 + 2 int64 halves) floats, against 63 x 144 x 42.
    expect(info.storage.sharedFeatureBytes).toBe(9 * 432 * 34 * 4 + 63 * 8 * 4 + 63 * 8);
    expect(info.storage.plainFeatureBytes).toBe(63 * 144 * 42 * 4);
    const rewards = [...data.rewardSeconds].sort((a, b) => a - b);
    expect(info.rewards.seconds.p0).toBe(rewards[0]);
    expect(info.rewards.seconds.p100).toBe(rewards[62]);
    expect(info.rewards.seconds.p50).toBe(rewards[31]);
    expect(info.rewards.hours.p50).toBeCloseTo(rewards[31] / 3600, 3);
    expect(info.rewards.interruptionShare).toBeCloseTo(rewards.filter((r) => r > 0).length / 63, 12);
    const predRun = info.features[37]; // the fake puts the decision minute x 60 there
    expect(predRun.name).toBe('f37');
    expect([predRun.min, predRun.max]).toEqual([150 * 60, (150 + 6 * 48) * 60]);
    expect(predRun.mean).toBeCloseTo((150 + 3 * 48) * 60, 6);
    expect(formatDatasetInfo(info)).toMatch(/examples {4}63 windows of 144 x 42; 3888 distinct snapshot rows/);
  });
});
