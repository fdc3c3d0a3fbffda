import { join } from 'node:path';
import { rocAuc, spearman } from '../compare/stats.js';
import { openDataset } from '../dataset/reader.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import { waitHoursOf } from '../model/wait-features.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { keptTrainingSamples } from '../pipeline/config.js';
import type { WorkOptions } from '../progress.js';
import { parseClock } from '../trace/index.js';

/**
 * How well single signals rank the wait of a successor submitted at a probe
 * time, on the training period only: the scheduler's start estimate (what
 * the wait-risk model reads, core/sim/forecast.ts) against the queue
 * statistics a model would otherwise lean on. Spearman's rho over the busy
 * rows (the successor waited or the estimate said it would; on the others
 * every signal ties), and the ROC AUC of "waits longer than h" over every row.
 */

export const ESTIMATE_SIGNALS = ['start estimate', 'pending nodes - free nodes', 'pending jobs'] as const;
export const WAIT_CUTS_HOURS = [1, 4, 12] as const;

export interface EstimateRow {
  jobNodes: number;
  signal: (typeof ESTIMATE_SIGNALS)[number];
  rows: number;
  busyRows: number;
  spearmanBusy: number;
  /** AUC per WAIT_CUTS_HOURS entry. */
  auc: number[];
}

export async function estimateCheck(config: PipelineConfig, options: WorkOptions & { tracePath: string; workDir: string }): Promise<EstimateRow[]> {
  const dataDir = join(options.workDir, `data-${config.chain.jobNodes}`);
  const schedule = { startSec: parseClock(config.dataset.start), samples: keptTrainingSamples(config), ...config.chain };
  await generateTraceDataset(
    { tracePath: options.tracePath, format: config.trace.format, schedule, sim: config.sim, policy: { kind: 'probes', probes: config.dataset.probes }, featureMode: 'decision', seed: config.training.seed },
    { outDir: dataDir, resume: true, signal: options.signal, onProgress: options.onProgress },
  );
  const data = await openDataset(dataDir);
  const names = data.manifest.featureNames;
  const at = (name: string): number => names.indexOf(name);
  const f = names.length;
  const newest = (i: number): number => (i * data.windowLength + data.windowLength - 1) * f;
  const waits: number[] = [];
  const signals: number[][] = ESTIMATE_SIGNALS.map(() => []);
  const times = { submitSec: data.columns.submit_sec, succStartSec: data.columns.succ_start_sec };
  for (let i = 0; i < data.count; i++) {
    waits.push(waitHoursOf(times, i));
    const row = newest(i);
    signals[0].push(data.columns.forecast_wait_sec[i]);
    signals[1].push(data.features[row + at('pending_nodes')] - (config.sim.nodes - data.features[row + at('running_nodes')]));
    signals[2].push(data.features[row + at('pending_count')]);
  }
  const busy = waits.flatMap((w, i) => (w > 0 || signals[0][i] > 0 ? [i] : []));
  return ESTIMATE_SIGNALS.map((signal, s) => ({
    jobNodes: config.chain.jobNodes,
    signal,
    rows: data.count,
    busyRows: busy.length,
    spearmanBusy: spearman(busy.map((i) => signals[s][i]), busy.map((i) => waits[i])),
    auc: WAIT_CUTS_HOURS.map((h) => rocAuc(signals[s], waits.map((w) => w > h))),
  }));
}
