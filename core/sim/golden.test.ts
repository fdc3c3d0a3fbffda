import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatClock, loadTraceFile, parseClock } from '../trace/index.js';
import type { ChainPolicy, ChainSchedule, SampleResult } from './chain.js';
import { prepareWorkload, sampleStartSec, simulateSample } from './chain.js';
import { DEFAULT_SIM_CONFIG } from './config.js';
import type { Workload } from './workload.js';

/**
 * Every number the reference produced on the LS6 trace (core/testdata/golden,
 * see its README), reproduced to the second by the fast path; the minute path
 * on a spread of the same samples.
 */

const golden = (name: string): string => fileURLToPath(new URL(`../testdata/golden/${name}`, import.meta.url));
const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

interface GoldenConfig {
  start: string;
  samples?: number;
  intervalHours: number;
  warmupDays: number;
  workloadDays: number;
  jobNodes: number;
  nodes: number;
  policy: 'reactive' | 'average' | 'probes';
  probes?: number;
}
interface GoldenSamples {
  config: GoldenConfig;
  samples: { index: number; sampleStart: string; avgWaitMinutes: number; rewardSeconds: number[] }[];
}
interface GoldenFeatures {
  config: GoldenConfig;
  sampleIndex: number;
  probe: number;
  rewardSeconds: number;
  features: number[][];
}

const read = <T>(name: string): T => JSON.parse(readFileSync(golden(name), 'utf8')) as T;

function scheduleOf(config: GoldenConfig): ChainSchedule {
  return {
    startSec: parseClock(config.start),
    samples: config.samples ?? 1,
    intervalHours: config.intervalHours,
    warmupDays: config.warmupDays,
    workloadDays: config.workloadDays,
    jobNodes: config.jobNodes,
  };
}

function policyOf(config: GoldenConfig): ChainPolicy {
  return config.policy === 'probes' ? { kind: 'probes', probes: config.probes! } : { kind: config.policy };
}

/** The golden record's view of a result. */
function asGolden(r: SampleResult): { index: number; sampleStart: string; avgWaitMinutes: number; rewardSeconds: number[] } {
  return { index: r.index, sampleStart: formatClock(r.sampleStartSec), avgWaitMinutes: r.avgWaitMinutes, rewardSeconds: r.runs.map((run) => run.rewardSeconds) };
}

let workload: Workload;

beforeAll(async () => {
  const trace = await loadTraceFile(TRACE);
  // The golden runs left the malformed row 19,706 out, as the loader does.
  expect(trace.rejected.map((r) => r.line)).toEqual([19706]);
  workload = prepareWorkload(trace.jobs, DEFAULT_SIM_CONFIG);
});

const SAMPLE_FILES = ['ls6-reactive-2023-03-01.json', 'ls6-average-2023-03-01.json', 'ls6-probes-2022-11-01.json', 'ls6-probes-2023-03-02T12.json'];

describe('golden chains (LS6, reference outputs)', () => {
  for (const file of SAMPLE_FILES) {
    it(`fast path reproduces every sample of ${file}`, () => {
      const g = read<GoldenSamples>(file);
      const schedule = scheduleOf(g.config);
      const results = g.samples.map((s) => asGolden(simulateSample(workload, schedule, s.index, policyOf(g.config), { featureMode: 'none' })));
      expect(results).toEqual(g.samples);
      expect(results.length).toBe(g.config.samples);
    });
  }

  it('minute path reproduces a spread of golden samples, and equals the fast path field by field', () => {
    for (const file of SAMPLE_FILES) {
      const g = read<GoldenSamples>(file);
      const schedule = scheduleOf(g.config);
      const picked = g.samples.filter((_, k) => k % 26 === 0 || k === g.samples.length - 1);
      for (const s of picked) {
        const minute = simulateSample(workload, schedule, s.index, policyOf(g.config), { featureMode: 'none', engine: 'minute' });
        expect(asGolden(minute)).toEqual(s);
        expect(simulateSample(workload, schedule, s.index, policyOf(g.config), { featureMode: 'none' })).toEqual(minute);
      }
    }
  });

  it('summaries match the README (reactive and average baselines, hours)', () => {
    for (const [file, mean, zeroShare] of [
      ['ls6-reactive-2023-03-01.json', 0.455, 81.4],
      ['ls6-average-2023-03-01.json', 0.382, 83.3],
    ] as const) {
      const g = read<GoldenSamples>(file);
      const schedule = scheduleOf(g.config);
      const rewards = g.samples.map((s) => simulateSample(workload, schedule, s.index, policyOf(g.config), { featureMode: 'none' }).runs[0].rewardSeconds / 3600);
      const interruption = rewards.reduce((sum, r) => sum + Math.max(r, 0), 0) / rewards.length;
      expect(interruption.toFixed(3)).toBe(mean.toFixed(3));
      expect(((100 * rewards.filter((r) => r <= 0).length) / rewards.length).toFixed(1)).toBe(zeroShare.toFixed(1));
    }
  });
});

const FEATURE_FILES = ['ls6-features-2022-11-01-s0-p0.json', 'ls6-features-2023-03-02T12-s0-p0.json', 'ls6-features-2023-03-02T12-s0-p6.json'];

function expectFeaturesClose(got: Float32Array, want: number[][]): void {
  expect(got.length).toBe(want.length * 42);
  const bad: string[] = [];
  want.forEach((row, r) =>
    row.forEach((v, f) => {
      const g = got[r * 42 + f];
      if (Math.abs(g - v) > 1e-6 * Math.abs(v) + 1e-9) bad.push(`row ${r} feature ${f}: ${g} != ${v}`);
    }),
  );
  expect(bad.slice(0, 10)).toEqual([]);
}

describe('golden feature matrices (reference mode: snapshots up to the successor start)', () => {
  for (const file of FEATURE_FILES) {
    it(`reproduces ${file} on both paths`, () => {
      const g = read<GoldenFeatures>(file);
      const schedule = scheduleOf(g.config);
      for (const engine of ['fast', 'minute'] as const) {
        const r = simulateSample(workload, schedule, g.sampleIndex, policyOf(g.config), { featureMode: 'reference', engine });
        expect(r.sampleStartSec).toBe(sampleStartSec(schedule, g.sampleIndex));
        expect(r.runs[g.probe].rewardSeconds).toBe(g.rewardSeconds);
        expectFeaturesClose(r.runs[g.probe].features!, g.features);
      }
    });
  }

  it('decision mode is the same snapshots, ending at the submit decision', () => {
    const g = read<GoldenFeatures>('ls6-features-2023-03-02T12-s0-p6.json');
    const schedule = scheduleOf(g.config);
    const r = simulateSample(workload, schedule, g.sampleIndex, policyOf(g.config), { featureMode: 'reference', keepDecisionFeatures: true });
    const run = r.runs[g.probe];
    // Snapshots every 10 minutes from the sample start; the reference window ends at succ start + 1 minute.
    const grid = (sec: number): number => Math.floor((sec - r.sampleStartSec) / 600);
    const shift = grid(run.succStartSec + 60) - grid(run.submitSec);
    expect(shift).toBeGreaterThan(30); // the successor waited 6.1 hours
    const decision = run.decisionFeatures!;
    const shifted = g.features.slice(0, 144 - shift);
    expectFeaturesClose(decision.subarray(shift * 42), shifted);
    const decisionOnly = simulateSample(workload, schedule, g.sampleIndex, policyOf(g.config), { featureMode: 'decision' });
    expect(decisionOnly.runs[g.probe].features).toEqual(decision);
  });
});
