import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Percentiles } from '../trace/index.js';
import { percentiles } from '../trace/index.js';
import { formatClock } from '../trace/index.js';
import type { Manifest } from './manifest.js';
import type { Dataset } from './reader.js';
import { MANIFEST_FILE } from './store.js';

/** What `mirage dataset info` shows: counts, reward distribution, feature ranges. */
export interface DatasetInfo {
  dir: string;
  featureMode: Manifest['config']['featureMode'];
  policy: Manifest['config']['policy'];
  trace: Manifest['config']['trace'];
  firstSampleStart: string;
  shard: Manifest['shard'];
  counts: Manifest['counts'] & { windowLength: number };
  storage: {
    /** Bytes of the folder's files. */
    bytes: number;
    /** Bytes the features alone would take as one plain float32 [N, 144, 42] array. */
    plainFeatureBytes: number;
    /** Bytes the shared-window layout takes for the same features. */
    sharedFeatureBytes: number;
  };
  rewards: {
    seconds: Percentiles;
    hours: Percentiles;
    /** Share of examples whose successor started after the predecessor ended (reward > 0). */
    interruptionShare: number;
    /** Share with reward < 0 (both jobs held nodes at once). */
    overlapShare: number;
  };
  features: { name: string; min: number; max: number; mean: number }[];
}

export async function datasetInfo(data: Dataset): Promise<DatasetInfo> {
  const { manifest } = data;
  let bytes = (await stat(join(data.dir, MANIFEST_FILE))).size;
  for (const array of Object.values(manifest.arrays)) bytes += (await stat(join(data.dir, array.file))).size;
  const featureArrays = ['snapshots', 'chain_state', 'window_start'].map((name) => manifest.arrays[name]);
  const sharedFeatureBytes = featureArrays.reduce((n, a) => n + a.shape.reduce((x, y) => x * y, 1) * (a.dtype.endsWith('8') ? 8 : 4), 0);

  const rewards = Array.from(data.rewardSeconds);
  const count = (pred: (r: number) => boolean): number => (rewards.length === 0 ? 0 : rewards.filter(pred).length / rewards.length);
  return {
    dir: data.dir,
    featureMode: manifest.config.featureMode,
    policy: manifest.config.policy,
    trace: manifest.config.trace,
    firstSampleStart: formatClock(manifest.config.schedule.startSec),
    shard: manifest.shard,
    counts: { ...manifest.counts, windowLength: data.windowLength },
    storage: { bytes, plainFeatureBytes: data.features.byteLength, sharedFeatureBytes },
    rewards: {
      seconds: percentiles(rewards),
      hours: percentiles(rewards.map((r) => r / 3600)),
      interruptionShare: count((r) => r > 0),
      overlapShare: count((r) => r < 0),
    },
    features: featureRanges(data),
  };
}

/** Min, max and mean of every feature over all rows of all windows: the values a model sees. */
function featureRanges(data: Dataset): DatasetInfo['features'] {
  const k = data.featureCount;
  const min = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  const sum = new Float64Array(k);
  const rows = data.features.length / k;
  for (let r = 0; r < rows; r++) {
    const at = r * k;
    for (let c = 0; c < k; c++) {
      const v = data.features[at + c];
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
      sum[c] += v;
    }
  }
  return data.manifest.featureNames.map((name, c) => ({
    name,
    min: rows > 0 ? min[c] : 0,
    max: rows > 0 ? max[c] : 0,
    mean: rows > 0 ? sum[c] / rows : 0,
  }));
}

/** The info as text for a terminal. */
export function formatDatasetInfo(info: DatasetInfo): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  const policy = info.policy.kind === 'probes' ? `${info.policy.probes} probes` : `${info.policy.kind} baseline`;
  const r = info.rewards;
  const row = (unit: string, p: Percentiles): string =>
    `  ${unit.padEnd(8)}` + (['p0', 'p10', 'p25', 'p50', 'p75', 'p90', 'p100'] as const).map((q) => `${q} ${p[q]}`).join('  ') + `  mean ${p.mean}`;
  const lines = [
    `dataset     ${info.dir}${info.shard ? `  (shard ${info.shard.index}/${info.shard.count})` : ''}`,
    `trace       ${info.trace.name}  sha256 ${info.trace.sha256.slice(0, 12)}...`,
    `samples     ${info.counts.samples} from ${info.firstSampleStart} (${info.counts.excludedSamples} excluded), ${policy}, features '${info.featureMode}'`,
    `examples    ${info.counts.examples} windows of ${info.counts.windowLength} x ${info.features.length}; ${info.counts.snapshotRows} distinct snapshot rows`,
    `storage     ${mb(info.storage.bytes)} on disk; features ${mb(info.storage.sharedFeatureBytes)} shared vs ${mb(info.storage.plainFeatureBytes)} plain`,
    `rewards     interruption (> 0) ${pct(r.interruptionShare)}, overlap (< 0) ${pct(r.overlapShare)}`,
    row('seconds', r.seconds),
    row('hours', r.hours),
    `features    ${'name'.padEnd(16)} ${'min'.padStart(14)} ${'max'.padStart(14)} ${'mean'.padStart(14)}`,
    ...info.features.map((f) => `  ${f.name.padEnd(26)} ${fmt(f.min)} ${fmt(f.max)} ${fmt(f.mean)}`),
  ];
  return lines.join('\n') + '\n';
}

function fmt(x: number): string {
  return (Number.isInteger(x) ? String(x) : x.toPrecision(6)).padStart(14);
}
