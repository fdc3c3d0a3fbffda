import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatClock, parseClock } from '../trace/clock.js';
import type { Dataset } from './reader.js';
import { exampleFeatures, openDataset } from './reader.js';
import { generateTraceDataset } from './trace-dataset.js';

/**
 * Reference-mode datasets generated from the bundled LS6 trace hold exactly
 * what the reference produced (core/testdata/golden): every reward and mean
 * wait of the golden training samples, and the golden 144 x 42 matrices at
 * their sample and probe.
 */

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const golden = <T>(name: string): T => JSON.parse(readFileSync(fileURLToPath(new URL(`../testdata/golden/${name}`, import.meta.url)), 'utf8')) as T;

interface GoldenProbes {
  config: { start: string; samples: number; intervalHours: number; warmupDays: number; workloadDays: number; jobNodes: number; nodes: number; probes: number };
  samples: { index: number; sampleStart: string; avgWaitMinutes: number; rewardSeconds: number[] }[];
}
interface GoldenFeatures {
  sampleIndex: number;
  probe: number;
  rewardSeconds: number;
  features: number[][];
}

const root = await mkdtemp(join(tmpdir(), 'mirage-golden-dataset-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function referenceDataset(name: string): Promise<{ data: Dataset; expected: GoldenProbes }> {
  const expected = golden<GoldenProbes>(name);
  const c = expected.config;
  await generateTraceDataset(
    {
      tracePath: TRACE,
      schedule: { startSec: parseClock(c.start), samples: c.samples, intervalHours: c.intervalHours, warmupDays: c.warmupDays, workloadDays: c.workloadDays, jobNodes: c.jobNodes },
      sim: { nodes: c.nodes },
      policy: { kind: 'probes', probes: c.probes },
      featureMode: 'reference',
    },
    { outDir: join(root, name), workers: 0 },
  );
  return { data: await openDataset(join(root, name)), expected };
}

function expectGoldenSamples(data: Dataset, expected: GoldenProbes): void {
  const probes = expected.config.probes;
  expect(data.count).toBe(expected.samples.length * probes);
  for (const [s, sample] of expected.samples.entries()) {
    for (let k = 0; k < probes; k++) {
      const i = s * probes + k;
      expect(data.columns.sample_index[i]).toBe(sample.index);
      expect(data.columns.probe_index[i]).toBe(k);
      expect(formatClock(data.columns.sample_start_sec[i])).toBe(sample.sampleStart);
      expect(data.columns.avg_wait_minutes[i]).toBe(sample.avgWaitMinutes);
    }
    expect(Array.from(data.rewardSeconds.subarray(s * probes, (s + 1) * probes))).toEqual(sample.rewardSeconds);
  }
}

function expectGoldenMatrix(data: Dataset, file: string): void {
  const g = golden<GoldenFeatures>(file);
  const probes = 7;
  const i = g.sampleIndex * probes + g.probe;
  expect(data.rewardSeconds[i]).toBe(g.rewardSeconds);
  const window = exampleFeatures(data, i);
  expect(g.features.length * g.features[0].length).toBe(window.length);
  let worst = 0;
  g.features.forEach((row, r) =>
    row.forEach((want, c) => {
      const got = window[r * row.length + c];
      worst = Math.max(worst, Math.abs(got - want) / Math.max(Math.abs(want), 1e-30));
    }),
  );
  expect(worst).toBeLessThanOrEqual(1e-6);
}

describe('reference-mode datasets hold the golden data', () => {
  it('2022-11-01: six samples x 7 probes, and the matrix of sample 0 probe 0', async () => {
    const { data, expected } = await referenceDataset('ls6-probes-2022-11-01.json');
    expectGoldenSamples(data, expected);
    expectGoldenMatrix(data, 'ls6-features-2022-11-01-s0-p0.json');
  });

  it('2023-03-02T12: three samples, and sample 0 probes 0 and 6 (the successor waited 6.1 h)', async () => {
    const { data, expected } = await referenceDataset('ls6-probes-2023-03-02T12.json');
    expectGoldenSamples(data, expected);
    expectGoldenMatrix(data, 'ls6-features-2023-03-02T12-s0-p0.json');
    expectGoldenMatrix(data, 'ls6-features-2023-03-02T12-s0-p6.json');
  });
});
