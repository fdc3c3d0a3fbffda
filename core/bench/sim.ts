import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainPolicy, ChainSchedule, SampleResult } from '../sim/chain.js';
import { prepareWorkload, simulateSample } from '../sim/chain.js';
import { DEFAULT_SIM_CONFIG } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile } from '../trace/index.js';

/**
 * Chain simulation speed on LS6: the paper's 156 validation samples from
 * 2023-03-01 (4 h apart, 2 days warm-up, 5 days of workload, 1-node chain),
 * the reactive baseline and 7 probes per sample, exactly what `mirage chain`
 * does per sample (pre-simulation + runs, no features). Fast path: median of
 * 3 passes over all samples; minute-by-minute path: every 4th sample, once.
 * Both must give identical results (and the reactive rewards the reference's
 * golden ones). The reference (offline_data_gen.py,
 * serial, Python 3.11, one process, measured on our 2-core machine): 4.4 s per
 * reactive sample, 10.5 s per 7-probe sample.
 */

const REFERENCE_MS = { reactive: 4400, probes: 10_500 };
const SCHEDULE: ChainSchedule = {
  startSec: Date.UTC(2023, 2, 1) / 1000,
  samples: 156,
  intervalHours: 4,
  warmupDays: 2,
  workloadDays: 5,
  jobNodes: 1,
};

/** A file of the repository, found from dist/core/bench or core/bench alike. */
function repoFile(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, ...parts);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`bench sim: ${parts.join('/')} not found`);
}

/** The reference's own rewards for these samples (reactive baseline), to check the fast path against. */
function goldenReactive(): number[] {
  const doc = JSON.parse(readFileSync(repoFile('core', 'testdata', 'golden', 'ls6-reactive-2023-03-01.json'), 'utf8')) as {
    samples: { rewardSeconds: number[] }[];
  };
  return doc.samples.map((s) => s.rewardSeconds[0]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeSamples(workload: Workload, policy: ChainPolicy, engine: 'fast' | 'minute', indices: number[]): { msPerSample: number; results: SampleResult[] } {
  const started = performance.now();
  const results = indices.map((i) => simulateSample(workload, SCHEDULE, i, policy, { featureMode: 'none', engine }));
  return { msPerSample: (performance.now() - started) / indices.length, results };
}

export async function runSimBench(): Promise<void> {
  const trace = await loadTraceFile(repoFile('assets', 'traces', 'ls6-a100.log'));
  const workload = prepareWorkload(trace.jobs, DEFAULT_SIM_CONFIG);
  const all = Array.from({ length: SCHEDULE.samples }, (_, i) => i);
  const spread = all.filter((i) => i % 4 === 0);
  console.log(`\nsim: LS6 chain samples (${SCHEDULE.samples} from 2023-03-01, 4 h apart), one thread, ms per sample`);
  console.log('policy       fast path   minute path   reference   fast vs reference   minute vs reference');
  for (const [name, policy] of [
    ['reactive', { kind: 'reactive' }],
    ['7 probes', { kind: 'probes', probes: 7 }],
  ] as const) {
    timeSamples(workload, policy, 'fast', all.slice(0, 20)); // warm the JIT
    const passes = [0, 1, 2].map(() => timeSamples(workload, policy, 'fast', all));
    const fastMs = median(passes.map((p) => p.msPerSample));
    const minute = timeSamples(workload, policy, 'minute', spread);
    const fastOnSpread = spread.map((i) => passes[0].results[i]);
    let same = JSON.stringify(fastOnSpread) === JSON.stringify(minute.results);
    if (policy.kind === 'reactive') same &&= JSON.stringify(passes[0].results.map((r) => r.runs[0].rewardSeconds)) === JSON.stringify(goldenReactive());
    const reference = policy.kind === 'reactive' ? REFERENCE_MS.reactive : REFERENCE_MS.probes;
    console.log(
      `${name.padEnd(12)} ${fastMs.toFixed(2).padStart(9)}   ${minute.msPerSample.toFixed(2).padStart(11)}   ${String(reference).padStart(9)}   ` +
        `${(reference / fastMs).toFixed(0).padStart(16)}x   ${(reference / minute.msPerSample).toFixed(0).padStart(18)}x` +
        (same ? '' : '   RESULTS DIFFER (between the paths, or from the golden rewards)'),
    );
    if (!same) process.exitCode = 1;
  }
}
