import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { bundledTrace } from './assets.js';
import type { DatasetPolicy, FeatureMode } from '../dataset/manifest.js';
import { datasetInfo } from '../dataset/info.js';
import { exampleFeatures, openDataset } from '../dataset/reader.js';
import { generateTraceDataset } from '../dataset/trace-dataset.js';
import { percentiles } from '../trace/index.js';
import { parseClock } from '../trace/index.js';
import { median } from '../validate/stats.js';

/**
 * Dataset generation on the bundled LS6 trace, the paper's sets: the training
 * set (684 samples x 7 probes from 2022-11-01) and the validation baselines
 * (156 samples from 2023-03-01, reactive and average), on every core, beside
 * the reference's serial timings measured on this machine (10.5 s per
 * training sample, 4.4 s per baseline sample, per core). Wall time depends
 * on what else runs on the machine; the CPU seconds (all threads) do not.
 * MIRAGE_BENCH_REPEATS=n repeats each case and prints the median.
 */

interface Case {
  name: string;
  start: string;
  samples: number;
  policy: DatasetPolicy;
  featureMode: FeatureMode;
  /** Reference seconds per sample on one core. */
  referenceSecPerSample: number;
}

const CASES: Case[] = [
  { name: 'LS6 training, decision features', start: '2022-11-01T00:00:00', samples: 684, policy: { kind: 'probes', probes: 7 }, featureMode: 'decision', referenceSecPerSample: 10.5 },
  { name: 'LS6 training, reference features', start: '2022-11-01T00:00:00', samples: 684, policy: { kind: 'probes', probes: 7 }, featureMode: 'reference', referenceSecPerSample: 10.5 },
  { name: 'LS6 validation, reactive', start: '2023-03-01T00:00:00', samples: 156, policy: { kind: 'reactive' }, featureMode: 'decision', referenceSecPerSample: 4.4 },
  { name: 'LS6 validation, average', start: '2023-03-01T00:00:00', samples: 156, policy: { kind: 'average' }, featureMode: 'decision', referenceSecPerSample: 4.4 },
];

export async function runDatasetBench(): Promise<void> {
  const trace = bundledTrace();
  const cores = availableParallelism();
  const repeats = Math.max(1, Number(process.env.MIRAGE_BENCH_REPEATS ?? 1));
  console.log(`\n## dataset generation (${cores} cores, trace ${basename(trace)}, ${repeats === 1 ? 'one run' : `median of ${repeats}`} per case)`);
  console.log('case                                  samples  wall s   cpu s   ms/sample/core   reference: 1 core / all cores   speed-up');
  const root = await mkdtemp(join(tmpdir(), 'mirage-bench-dataset-'));
  const kept = new Map<FeatureMode, string>();
  try {
    for (const c of CASES) {
      const times: number[] = [];
      const cpus: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const outDir = join(root, `${c.name.replace(/\W+/g, '-')}-${r}`);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        await generateTraceDataset(
          {
            tracePath: trace,
            schedule: { startSec: parseClock(c.start), samples: c.samples, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 },
            policy: c.policy,
            featureMode: c.featureMode,
          },
          { outDir },
        );
        times.push((performance.now() - t0) / 1000);
        // CPU time of the process, worker threads included: what the run costs whatever else the machine does.
        const cpu = process.cpuUsage(cpu0);
        cpus.push((cpu.user + cpu.system) / 1e6);
        if (r === 0 && c.policy.kind === 'probes') kept.set(c.featureMode, outDir);
        else await rm(outDir, { recursive: true, force: true });
      }
      const wall = median(times);
      const refOne = c.samples * c.referenceSecPerSample;
      const refAll = refOne / cores;
      console.log(
        `${c.name.padEnd(38)}${String(c.samples).padStart(7)}${wall.toFixed(1).padStart(8)}${median(cpus).toFixed(1).padStart(8)}` +
          `${((wall * 1000 * cores) / c.samples).toFixed(0).padStart(17)}` +
          `${`${fmtDuration(refOne)} / ${fmtDuration(refAll)}`.padStart(33)}${`${(refAll / wall).toFixed(0)}x`.padStart(11)}`,
      );
    }
    const decisionDir = kept.get('decision');
    const referenceDir = kept.get('reference');
    if (decisionDir && referenceDir) await printModeComparison(decisionDir, referenceDir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * How far the reference's pairing (windows up to the successor's start) is
 * from what a policy sees (windows up to its decision) on the same examples,
 * and how much the shared-window layout saves on each.
 */
async function printModeComparison(decisionDir: string, referenceDir: string): Promise<void> {
  const decision = await openDataset(decisionDir);
  const reference = await openDataset(referenceDir);
  const rowSize = decision.featureCount;
  const windowLength = decision.windowLength;
  const differing: number[] = [];
  const shifted: number[] = [];
  for (let i = 0; i < decision.count; i++) {
    const a = exampleFeatures(decision, i);
    const b = exampleFeatures(reference, i);
    let rows = 0;
    for (let r = 0; r < windowLength; r++) {
      for (let c = 0; c < rowSize; c++) {
        if (a[r * rowSize + c] !== b[r * rowSize + c]) {
          rows++;
          break;
        }
      }
    }
    differing.push(rows);
    // Snapshots the reference window reaches past the decision: one per 10 minutes the successor waited.
    shifted.push(Math.min(windowLength, Math.floor((reference.columns.succ_start_sec[i] - reference.columns.submit_sec[i]) / 600)));
  }
  const sameRewards = decision.rewardSeconds.every((r, i) => r === reference.rewardSeconds[i]);
  const n = decision.count;
  const share = (pred: (x: number) => boolean): string => `${((100 * differing.filter(pred).length) / n).toFixed(1)} %`;
  const d = percentiles(differing);
  const rewards = percentiles(Array.from(decision.rewardSeconds, (r) => r / 3600));
  console.log(`\n### decision vs reference features, LS6 training set (${n} examples)`);
  console.log(`rewards identical in both modes: ${sameRewards ? 'yes' : 'NO'}`);
  console.log(`examples whose window differs: ${share((x) => x > 0)}; all ${windowLength} rows differ: ${share((x) => x === windowLength)}`);
  console.log(`rows differing per example: mean ${d.mean}, p50 ${d.p50}, p90 ${d.p90}, p99 ${d.p99}, max ${d.p100}`);
  const past = percentiles(shifted.filter((x) => x > 0));
  console.log(
    `successor waited >= 10 min: ${((100 * past.count) / n).toFixed(1)} % of examples; their reference window reaches past the decision by ` +
      `p50 ${past.p50}, p90 ${past.p90}, max ${past.p100} snapshots (10 min each)`,
  );
  console.log(`reward hours: p0 ${rewards.p0}, p10 ${rewards.p10}, p50 ${rewards.p50}, p90 ${rewards.p90}, p99 ${rewards.p99}, p100 ${rewards.p100}, mean ${rewards.mean}`);
  console.log(`interruption share (reward > 0): ${((100 * Array.from(decision.rewardSeconds).filter((r) => r > 0).length) / n).toFixed(1)} %`);
  for (const data of [decision, reference]) {
    const info = await datasetInfo(data);
    const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
    console.log(
      `storage, ${data.manifest.config.featureMode} mode: features ${mb(info.storage.sharedFeatureBytes)} shared-window layout vs ${mb(info.storage.plainFeatureBytes)} plain [N,144,42] ` +
        `(${(info.storage.plainFeatureBytes / info.storage.sharedFeatureBytes).toFixed(2)}x); folder ${mb(info.storage.bytes)}`,
    );
  }
}

function fmtDuration(sec: number): string {
  return sec >= 3600 ? `${(sec / 3600).toFixed(1)} h` : sec >= 60 ? `${(sec / 60).toFixed(0)} min` : `${sec.toFixed(0)} s`;
}
