import type { ChainSchedule } from '../sim/chain.js';
import { prepareWorkload, simulateSample } from '../sim/chain.js';
import type { SimConfig } from '../sim/config.js';
import { loadTraceFile } from '../trace/index.js';
import type { DatasetPolicy, FeatureMode } from './manifest.js';
import type { SampleFunction } from './source.js';

/** What every worker needs to simulate samples of a trace: plain data, copied to each thread. */
export interface ChainSourceInit {
  /** Absolute path of the trace file. */
  tracePath: string;
  format: 'auto' | 'mirage' | 'sacct' | 'swf';
  processorsPerNode?: number;
  partitions?: string[];
  defaultLimitMinutes?: number;
  /** The sha256 the run was planned with: a trace changed since then is refused. */
  sha256: string;
  sim: SimConfig;
  schedule: ChainSchedule;
  policy: DatasetPolicy;
  featureMode: FeatureMode;
}

/** Loads the trace and prepares the workload once; then each call simulates one sample. */
export async function createSampleFunction(init: unknown): Promise<SampleFunction> {
  const source = init as ChainSourceInit;
  const trace = await loadTraceFile(source.tracePath, {
    format: source.format,
    processorsPerNode: source.processorsPerNode,
    partitions: source.partitions,
    defaultLimitMinutes: source.defaultLimitMinutes,
  });
  if (trace.sha256 !== source.sha256) throw new Error(`${source.tracePath}: the file changed while the dataset was being generated`);
  const workload = prepareWorkload(trace.jobs, source.sim);
  return (index) => simulateSample(workload, source.schedule, index, source.policy, { featureMode: source.featureMode });
}
