import { readdir } from 'node:fs/promises';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import type { Manifest } from './manifest.js';
import { stableJson } from './manifest.js';
import type { SampleRecord } from './record.js';
import { plannedSamples } from './schedule.js';
import { readRawDataset, toSampleRecords, writeDatasetFolder } from './store.js';

/**
 * Joins the shards of one generation (`--shard K/N`, K = 0..N-1) into the
 * dataset an unsharded run would have written, byte for byte. Refuses shards
 * of different runs, a missing or repeated shard, and shards whose samples are
 * not exactly the ones the schedule assigns them.
 */
export async function mergeShards(shardDirs: readonly string[], outDir: string, options: WorkOptions = {}): Promise<Manifest> {
  if (shardDirs.length === 0) throw new Error('merge: no shard folders given');
  const entries = await readdir(outDir).catch(() => []);
  if (entries.length > 0) throw new Error(`${outDir}: folder is not empty; merge writes a new dataset`);

  const shards = [];
  for (const [i, dir] of shardDirs.entries()) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'read shards', done: i, total: shardDirs.length, unit: 'shards' });
    shards.push({ dir, raw: await readRawDataset(dir) });
  }
  options.onProgress?.({ stage: 'read shards', done: shardDirs.length, total: shardDirs.length, unit: 'shards' });

  const first = shards[0].raw.manifest;
  const identity = (m: Manifest): string => stableJson({ config: m.config, featureNames: m.featureNames, layout: m.layout, tool: m.tool });
  const count = first.shard?.count;
  const seen = new Map<number, string>();
  for (const { dir, raw } of shards) {
    const { shard } = raw.manifest;
    if (!shard) throw new Error(`${dir}: not a shard (its manifest has no shard); only shards of one run can be merged`);
    if (identity(raw.manifest) !== identity(first)) {
      throw new Error(`${dir}: belongs to a different run than ${shards[0].dir} (configuration, features or tool version differ)`);
    }
    if (shard.count !== count) throw new Error(`${dir}: shard ${shard.index}/${shard.count}, but ${shards[0].dir} is one of ${count}`);
    const twin = seen.get(shard.index);
    if (twin !== undefined) throw new Error(`${dir}: shard ${shard.index}/${shard.count} given twice (also ${twin})`);
    seen.set(shard.index, dir);
  }
  const missing = Array.from({ length: count ?? 0 }, (_, k) => k).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new Error(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing`);

  const records: SampleRecord[] = [];
  let excluded = 0;
  for (const { dir, raw } of shards) {
    const expected = plannedSamples(raw.manifest.config.schedule, raw.manifest.shard).indices;
    const got = toSampleRecords(raw);
    const gotIndices = got.map((r) => r.sampleIndex);
    if (gotIndices.join(',') !== expected.join(',')) {
      throw new Error(`${dir}: holds samples [${brief(gotIndices)}], its shard should hold [${brief(expected)}] (an incomplete or altered shard?)`);
    }
    for (const r of got) records.push(r);
    excluded += raw.manifest.counts.excludedSamples;
  }
  records.sort((a, b) => a.sampleIndex - b.sampleIndex);
  throwIfAborted(options.signal);
  return writeDatasetFolder(outDir, { config: first.config, shard: null, featureNames: first.featureNames, excludedSamples: excluded }, records);
}

function brief(indices: number[]): string {
  return indices.length <= 8 ? indices.join(', ') : `${indices.slice(0, 4).join(', ')}, ... ${indices.at(-1)} (${indices.length})`;
}
