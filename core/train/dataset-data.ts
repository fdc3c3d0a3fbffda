/**
 * Adapts a dataset folder (core/dataset) to the TrainingData the training
 * code takes. The content hash recorded in trained models is the sha256 of
 * the folder's manifest and array files, so equal data give equal hashes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from '../dataset/reader.js';
import { openDataset } from '../dataset/reader.js';
import { MANIFEST_FILE } from '../dataset/store.js';
import type { TrainingData } from './data.js';

export async function datasetContentHash(dataset: Pick<Dataset, 'dir' | 'manifest'>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(dataset.dir, MANIFEST_FILE)));
  for (const name of Object.keys(dataset.manifest.arrays).sort()) {
    hash.update(name);
    hash.update(await readFile(path.join(dataset.dir, dataset.manifest.arrays[name].file)));
  }
  return hash.digest('hex');
}

/** Seconds of trace one sample replays (warm-up + workload): the gap the held-out split leaves. */
export function replaySecOf(schedule: { warmupDays: number; workloadDays: number }): number {
  return Math.round((schedule.warmupDays + schedule.workloadDays) * 86400);
}

export function trainingDataFromDataset(dataset: Dataset, datasetHash: string): TrainingData {
  const { submit_sec: submit, succ_start_sec: start } = dataset.columns;
  return {
    features: dataset.features,
    rewardsSeconds: dataset.rewardSeconds,
    waitSeconds: Float64Array.from({ length: dataset.count }, (_, i) => start[i] - submit[i]),
    sampleIndex: dataset.columns.sample_index,
    sampleStartSec: dataset.columns.sample_start_sec,
    probe: dataset.columns.probe_index,
    seqLen: dataset.windowLength,
    featureCount: dataset.featureCount,
    featureMode: dataset.manifest.config.featureMode,
    featureNames: [...dataset.manifest.featureNames],
    datasetHash,
    replaySec: replaySecOf(dataset.manifest.config.schedule),
  };
}

/** Opens a dataset folder as training data. */
export async function loadTrainingData(dir: string): Promise<TrainingData> {
  const dataset = await openDataset(dir);
  if (dataset.count === 0) throw new Error(`${dir}: the dataset holds no examples`);
  return trainingDataFromDataset(dataset, await datasetContentHash(dataset));
}
