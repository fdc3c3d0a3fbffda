import { basename, resolve } from 'node:path';
import type { WorkOptions } from '../progress.js';
import type { SimConfigInput } from '../sim/config.js';
import { parseSimConfig } from '../sim/config.js';
import type { ChainSourceInit } from './chain-source.js';
import { FEATURE_NAMES } from '../sim/features.js';
import type { GenerateResult } from './generate.js';
import { generateDataset } from './generate.js';
import type { DatasetConfig, DatasetPolicy, FeatureMode, Shard } from './manifest.js';
import type { ChainSchedule } from '../sim/chain.js';
import { sha256OfFile } from '../trace/index.js';

/** A dataset of a trace file: what `mirage dataset generate` asks for. */
export interface TraceDatasetRequest {
  tracePath: string;
  format?: 'auto' | 'mirage' | 'sacct' | 'swf';
  processorsPerNode?: number;
  /** Only these partitions' jobs. */
  partitions?: string[];
  /** Limit of jobs the trace gives none, minutes. */
  defaultLimitMinutes?: number;
  schedule: ChainSchedule;
  sim?: SimConfigInput;
  policy: DatasetPolicy;
  featureMode: FeatureMode;
  seed?: number;
}

export interface TraceDatasetOptions extends WorkOptions {
  outDir: string;
  shard?: Shard | null;
  resume?: boolean;
  workers?: number;
}

/** Generates a dataset from a trace with the real simulator, on worker threads. */
export async function generateTraceDataset(request: TraceDatasetRequest, options: TraceDatasetOptions): Promise<GenerateResult> {
  const tracePath = resolve(request.tracePath);
  const sha256 = await sha256OfFile(tracePath);
  const config: DatasetConfig = {
    trace: {
      name: basename(tracePath),
      sha256,
      format: request.format ?? 'auto',
      processorsPerNode: request.processorsPerNode,
      // Absent unless asked for, so manifests of traces read plainly keep their bytes.
      ...(request.partitions !== undefined ? { partitions: request.partitions } : {}),
      ...(request.defaultLimitMinutes !== undefined ? { defaultLimitMinutes: request.defaultLimitMinutes } : {}),
    },
    schedule: request.schedule,
    sim: parseSimConfig(request.sim ?? {}),
    policy: request.policy,
    featureMode: request.featureMode,
    seed: request.seed ?? 0,
  };
  const init: ChainSourceInit = {
    tracePath,
    format: config.trace.format,
    processorsPerNode: config.trace.processorsPerNode,
    partitions: config.trace.partitions,
    defaultLimitMinutes: config.trace.defaultLimitMinutes,
    sha256,
    sim: config.sim,
    schedule: config.schedule,
    policy: config.policy,
    featureMode: config.featureMode,
  };
  return generateDataset(config, {
    ...options,
    source: { worker: new URL('./chain-worker.js', import.meta.url).href, init },
    featureNames: FEATURE_NAMES,
  });
}
