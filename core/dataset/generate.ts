import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import { createWorkerPool, defaultThreadCount, runTasks } from '../parallel/pool.js';
import { removeStaleTemps, writeFileAtomic } from '../files/atomic.js';
import type { DatasetConfig, Manifest, Shard } from './manifest.js';
import { DatasetConfigSchema, stableJson } from './manifest.js';
import { decodeSampleRecord, encodeSampleRecord, toSampleRecord } from './record.js';
import type { SampleRecord } from './record.js';
import { plannedSamples } from './schedule.js';
import type { SampleSourceSpec, SampleTask } from './source.js';
import { loadSampleFunction } from './source.js';
import { MANIFEST_FILE, readManifest, writeDatasetFolder } from './store.js';
import { FEATURE_COUNT } from './windows.js';

/**
 * Generates a dataset folder, resumably. Each finished sample is written at
 * once, atomically, to DIR/.partial/sample-NNNNNN.bin; when all are there they
 * are assembled in sample order into the arrays and the manifest, and the
 * partial folder is removed. The assembled bytes depend only on the per-sample
 * results, never on which worker finished first or whether the run was
 * interrupted, so a resumed run equals an uninterrupted one byte for byte.
 */

export const PARTIAL_DIR = '.partial';
const PARTIAL_CONFIG = 'run.json';

export interface GenerateOptions extends WorkOptions {
  outDir: string;
  source: SampleSourceSpec;
  featureNames: readonly string[];
  shard?: Shard | null;
  /** Continue an interrupted run in outDir (same configuration), skipping finished samples. */
  resume?: boolean;
  /** Worker threads; 0 simulates in this thread (tests, debugging). Default: every core. */
  workers?: number;
}

export interface GenerateResult {
  manifest: Manifest;
  /** Samples simulated by this call (not counting those a resumed run found done). */
  simulated: number;
  resumed: number;
}

export async function generateDataset(config: DatasetConfig, options: GenerateOptions): Promise<GenerateResult> {
  const shard = options.shard ?? null;
  if (options.featureNames.length !== FEATURE_COUNT) throw new Error(`${options.featureNames.length} feature names given, the windows have ${FEATURE_COUNT} features`);
  const run = { config: DatasetConfigSchema.parse(config), shard, featureNames: [...options.featureNames] };
  const partialDir = join(options.outDir, PARTIAL_DIR);
  const existing = await prepareFolder(options.outDir, stableJson(run), options.resume ?? false);
  if (existing) return { manifest: existing, simulated: 0, resumed: existing.counts.samples };

  const { indices, excluded } = plannedSamples(run.config.schedule, shard);
  const finished = await finishedSamples(partialDir);
  const todo = indices.filter((i) => !finished.has(i));
  const resumed = indices.length - todo.length;
  const expectedRuns = run.config.policy.kind === 'probes' ? run.config.policy.probes : 1;
  const windowLength = run.config.sim.snapshotWindow;

  let done = 0;
  const report = (): void =>
    options.onProgress?.({ stage: 'simulate', done, total: todo.length, unit: 'samples', detail: resumed > 0 ? { resumed } : undefined });
  const save = async (bytes: Uint8Array, index: number): Promise<void> => {
    const record = decodeSampleRecord(bytes, `sample ${index}`);
    if (record.sampleIndex !== index) throw new Error(`asked for sample ${index}, the simulator returned sample ${record.sampleIndex}`);
    if (record.probes.length !== expectedRuns) {
      throw new Error(`sample ${index}: the simulator returned ${record.probes.length} runs, the policy asks for ${expectedRuns}`);
    }
    await writeFileAtomic(join(partialDir, partialName(index)), bytes);
    done++;
    report();
  };

  report();
  if (options.workers === 0) {
    const simulate = await loadSampleFunction(options.source);
    for (const index of todo) {
      throwIfAborted(options.signal);
      await save(encodeSampleRecord(toSampleRecord(await simulate(index), windowLength)), index);
    }
  } else if (todo.length > 0) {
    const pool = createWorkerPool<SampleTask, Uint8Array>({
      workerUrl: new URL(options.source.worker),
      workerData: options.source,
      threads: Math.min(options.workers ?? defaultThreadCount(), todo.length),
    });
    try {
      await runTasks(
        pool,
        todo.map((index) => ({ index, windowLength })),
        { signal: options.signal, onResult: (bytes, task) => save(bytes, task.index) },
      );
    } finally {
      await pool.destroy();
    }
  }
  throwIfAborted(options.signal);

  const records: SampleRecord[] = [];
  for (const index of indices) {
    const path = join(partialDir, partialName(index));
    records.push(decodeSampleRecord(await readFile(path), path));
  }
  const manifest = await writeDatasetFolder(options.outDir, { config: run.config, shard, featureNames: run.featureNames, excludedSamples: excluded }, records);
  await rm(partialDir, { recursive: true, force: true });
  // Temps of array writes a killed earlier attempt never finished: a finished dataset holds only its files.
  await removeStaleTemps(options.outDir);
  return { manifest, simulated: todo.length, resumed };
}

function partialName(index: number): string {
  return `sample-${String(index).padStart(6, '0')}.bin`;
}

async function finishedSamples(partialDir: string): Promise<Set<number>> {
  const names = await readdir(partialDir).catch(() => [] as string[]);
  const done = new Set<number>();
  for (const name of names) {
    const match = /^sample-(\d+)\.bin$/.exec(name);
    if (match) done.add(Number(match[1]));
  }
  return done;
}

/**
 * Makes outDir ready for this run. Returns the manifest when a resumed run
 * finds the dataset already complete. A fresh run wants an empty or missing
 * folder; a resumed one wants the same run description as the interrupted run.
 */
async function prepareFolder(outDir: string, runJson: string, resume: boolean): Promise<Manifest | null> {
  const partialDir = join(outDir, PARTIAL_DIR);
  const runPath = join(partialDir, PARTIAL_CONFIG);
  const entries = await readdir(outDir).catch(() => null);
  const hasManifest = entries?.includes(MANIFEST_FILE) ?? false;
  if (entries && entries.length > 0) {
    if (!resume) throw new Error(`${outDir}: folder is not empty (pass --resume to continue an interrupted run, or choose a new folder)`);
    if (hasManifest) {
      const manifest = await readManifest(outDir);
      const runOfManifest = stableJson({ config: manifest.config, shard: manifest.shard, featureNames: manifest.featureNames });
      if (runOfManifest !== runJson) throw new Error(`${outDir}: holds a finished dataset with a different configuration`);
      // A run stopped between writing the manifest and cleaning up leaves this behind.
      await rm(partialDir, { recursive: true, force: true });
      return manifest;
    }
    const previous = await readFile(runPath, 'utf8').catch(() => null);
    if (previous === null) throw new Error(`${outDir}: not empty and not an interrupted dataset run (no ${PARTIAL_DIR}/${PARTIAL_CONFIG})`);
    if (previous !== runJson) throw new Error(`${outDir}: the interrupted run used a different configuration; --resume needs the same flags`);
    return null;
  }
  await mkdir(partialDir, { recursive: true });
  await writeFileAtomic(runPath, runJson);
  return null;
}
