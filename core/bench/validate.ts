import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledTrace } from './assets.js';
import { loadModel } from '../model/predictor.js';
import { prepareWorkload } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import { loadTraceFile, parseClock } from '../trace/index.js';
import { median } from '../validate/stats.js';
import { runValidation } from '../validate/run.js';
import { simulateOnlineSamples } from '../validate/simulate.js';

/**
 * Online validation on the bundled LS6 trace, the paper's validation set (156
 * samples from 2023-03-01), beside the reference (about 4.4 s per baseline
 * sample on one core, measured on this machine; its online validation runs
 * one model call per decision).
 * - the three baselines through `runValidation` on every core;
 * - the online loop's simulation cost alone (a policy that never submits, so
 *   every sample is asked every 10 minutes until its predecessor ends);
 * - with MIRAGE_BENCH_MODEL=DIR (a `mirage train` folder): model calls per
 *   window at batch 1 and 64, and the whole online validation with it.
 * MIRAGE_BENCH_REPEATS=n repeats each case and prints the median.
 */

const SCHEDULE: ChainSchedule = { startSec: parseClock('2023-03-01T00:00:00'), samples: 156, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const REFERENCE_SEC_PER_BASELINE_SAMPLE = 4.4;

async function timed(repeats: number, work: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await work();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

export async function runValidateBench(): Promise<void> {
  const trace = bundledTrace();
  const cores = availableParallelism();
  const repeats = Math.max(1, Number(process.env.MIRAGE_BENCH_REPEATS ?? 1));
  const root = await mkdtemp(join(tmpdir(), 'mirage-bench-validate-'));
  console.log(`\n## online validation (LS6, 156 samples from 2023-03-01, ${cores} cores, ${repeats === 1 ? 'one run' : `median of ${repeats}`})`);
  try {
    const baselines = await timed(repeats, async () => {
      await runValidation({
        tracePath: trace,
        schedule: SCHEDULE,
        policy: { kind: 'reactive' },
        baselines: [{ kind: 'average' }, { kind: 'quantile', q: 0.5, window: 100 }],
        outDir: join(root, 'baselines'),
      });
    });
    const perSample = baselines / (3 * 156);
    console.log(
      `baselines (reactive, average, quantile): ${baselines.toFixed(2)} s wall for 468 samples, ${(perSample * 1000).toFixed(1)} ms/sample ` +
        `(reference ${REFERENCE_SEC_PER_BASELINE_SAMPLE} s/sample/core: ${((REFERENCE_SEC_PER_BASELINE_SAMPLE / cores) / perSample).toFixed(0)}x faster on ${cores} cores)`,
    );

    const { jobs } = await loadTraceFile(trace);
    const workload = prepareWorkload(jobs, parseSimConfig({}));
    const indices = Array.from({ length: 156 }, (_, i) => i);
    const stats = { calls: 0, windows: 0 };
    const never = (_w: Float32Array, count: number): Float32Array => new Float32Array(count).fill(1e9);
    const online = await timed(repeats, async () => {
      stats.calls = 0;
      stats.windows = 0;
      await simulateOnlineSamples(workload, SCHEDULE, indices, never, { kind: 'regressor', lowHours: -0.5, highHours: 500 }, stats);
    });
    console.log(
      `online loop, simulation only (never submits, one thread): ${online.toFixed(2)} s for ${stats.windows} decisions in ${stats.calls} batched calls, ` +
        `${((online / stats.windows) * 1e6).toFixed(0)} us/decision (features included)`,
    );

    const modelDir = process.env.MIRAGE_BENCH_MODEL;
    if (!modelDir) {
      console.log('model: set MIRAGE_BENCH_MODEL=DIR (a mirage train folder) to time model calls and a full online validation');
      return;
    }
    const model = await loadModel(modelDir);
    const window = model.seqLen * model.featureNames.length;
    for (const batch of [1, 64]) {
      const windows = new Float32Array(batch * window).map((_, i) => (i % 97) * 10);
      const calls = Math.max(2, Math.round(256 / batch));
      const sec = await timed(repeats, async () => {
        for (let c = 0; c < calls; c++) (model.predictHours ?? model.predictRisk)?.(windows, batch);
      });
      console.log(`model ${model.kind}: batch ${batch}: ${((sec / (calls * batch)) * 1e3).toFixed(2)} ms/window`);
    }
    model.dispose();
    let result: Awaited<ReturnType<typeof runValidation>> | undefined;
    const full = await timed(repeats, async () => {
      result = await runValidation({
        tracePath: trace,
        schedule: SCHEDULE,
        policy: { kind: 'model', modelDir, rule: { kind: 'regressor', lowHours: -0.5, highHours: 500 } },
        baselines: [],
        outDir: join(root, 'model'),
      });
    });
    console.log(
      `online validation with the model: ${full.toFixed(1)} s wall, ${result!.modelWindows} decisions in ${result!.modelCalls} model calls ` +
        `(${result!.seconds.model.toFixed(1)} s of model time over all workers)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
