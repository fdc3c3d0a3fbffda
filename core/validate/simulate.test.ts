import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareWorkload } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile } from '../trace/index.js';
import { simulateBaselineSample, simulateOnlineSamples } from './simulate.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const golden = (policy: string): { index: number; avgWaitMinutes: number; rewardSeconds: number[] }[] =>
  (JSON.parse(readFileSync(new URL(`../testdata/golden/ls6-${policy}-2023-03-01.json`, import.meta.url), 'utf8')) as { samples: never[] }).samples;

const schedule: ChainSchedule = { startSec: Date.UTC(2023, 2, 1) / 1000, samples: 156, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const SAMPLES = [0, 1, 2, 9, 20, 30];
let workload: Workload;

beforeAll(async () => {
  const trace = await loadTraceFile(TRACE);
  workload = prepareWorkload(trace.jobs, parseSimConfig({}));
});

describe('baseline samples', () => {
  it('reactive and average reproduce the golden rewards; expected_reward is the wait submitted ahead', () => {
    const reactive = golden('reactive');
    const average = golden('average');
    for (const i of SAMPLES) {
      const r = simulateBaselineSample(workload, schedule, i, { kind: 'reactive' });
      expect(r.rewardSeconds).toBe(reactive[i].rewardSeconds[0]);
      expect(r.submitSec).toBe(r.predEndSec);
      expect(r.expected).toBe(0);
      const a = simulateBaselineSample(workload, schedule, i, { kind: 'average' });
      expect(a.rewardSeconds).toBe(average[i].rewardSeconds[0]);
      expect(a.expected).toBe(average[i].avgWaitMinutes / 60);
      expect(a.succStartSec - a.predEndSec).toBe(a.rewardSeconds);
    }
  });

  it('quantile submits the q-quantile of the recent waits ahead of the predecessor\'s end', () => {
    for (const i of SAMPLES) {
      const median = simulateBaselineSample(workload, schedule, i, { kind: 'quantile', q: 0.5, window: 100 });
      const max = simulateBaselineSample(workload, schedule, i, { kind: 'quantile', q: 1, window: 100 });
      const mean = simulateBaselineSample(workload, schedule, i, { kind: 'average' });
      // The largest recent wait is at least their mean and their median; waits are whole minutes.
      expect(max.expected).toBeGreaterThanOrEqual(mean.expected);
      expect(max.expected).toBeGreaterThanOrEqual(median.expected);
      expect(Number.isInteger(median.expected * 60)).toBe(true);
      expect(median.predEndSec - median.submitSec).toBe(Math.round(median.expected * 3600));
    }
  });
});

describe('online samples', () => {
  const rule = { kind: 'regressor', lowHours: -0.5, highHours: 500 } as const;

  it('a model that always predicts inside the interval submits at the first decision point', async () => {
    const stats = { calls: 0, windows: 0 };
    const out = await simulateOnlineSamples(workload, schedule, [0, 1], (_w, count) => new Float32Array(count).fill(0.25), rule, stats);
    for (const o of out) {
      expect(o.decisions).toBe(1);
      expect(o.expected).toBe(0.25);
      // The first decision comes on the 10-minute grid just after the predecessor's submission (2 days in).
      expect(o.submitSec - o.sampleStartSec).toBe(2 * 86400 + 600);
    }
    expect(stats).toEqual({ calls: 1, windows: 2 });
  });

  it('a model that never submits leaves it to the predecessor\'s end, as the reference does', async () => {
    const out = await simulateOnlineSamples(workload, schedule, [0], (_w, count) => new Float32Array(count).fill(1000), rule);
    const [o] = out;
    expect(o.expected).toBe(0);
    expect(o.submitSec).toBeGreaterThanOrEqual(o.predEndSec);
    expect(o.submitSec - o.predEndSec).toBeLessThan(600);
    // One decision every 10 minutes from the first decision point until the predecessor ended.
    expect(o.decisions).toBe((o.submitSec - o.sampleStartSec - 2 * 86400 - 600) / 600);
  });

  it('decides on the decision-time window, and batching does not change any outcome', async () => {
    // A rule on the window's content: submit once the predecessor has run 40 hours (its p_finish feature).
    const predRunIndex = 143 * 42 + 34 + 3;
    const evaluate = (w: Float32Array, count: number): Float32Array => {
      const out = new Float32Array(count);
      for (let k = 0; k < count; k++) out[k] = w[k * 144 * 42 + predRunIndex] >= 40 * 3600 ? 0 : 1000;
      return out;
    };
    const together = await simulateOnlineSamples(workload, schedule, [0, 9, 20], evaluate, rule);
    const alone = [];
    for (const i of [0, 9, 20]) alone.push(...(await simulateOnlineSamples(workload, schedule, [i], evaluate, rule)));
    expect(together).toEqual(alone);
    for (const o of together) {
      // Submitted at the first decision point once the predecessor had run 40 h: 8 h (minus under 10 minutes) before its end.
      expect(o.predEndSec - o.submitSec).toBeLessThanOrEqual(8 * 3600);
      expect(o.predEndSec - o.submitSec).toBeGreaterThan(8 * 3600 - 600);
      expect(o.expected).toBe(0);
    }
  });

  it('a sampling policy gives the same outcome for the same seed', async () => {
    const policy = { kind: 'policy', mode: 'sample', seed: 7 } as const;
    const evaluate = (_w: Float32Array, count: number): Float32Array => new Float32Array(count).fill(0.05);
    const a = await simulateOnlineSamples(workload, schedule, [1, 2], evaluate, policy);
    const b = await simulateOnlineSamples(workload, schedule, [2], evaluate, policy);
    expect(a[1]).toEqual(b[0]);
    // Submitted on a sampled "submit" (logged as the int action 1), after a few draws of "wait".
    expect(a[0]).toMatchObject({ expected: 1, expectedIsInt: true });
    expect(a[0].decisions).toBeGreaterThan(1);
    const other = await simulateOnlineSamples(workload, schedule, [1, 2], evaluate, { ...policy, seed: 8 });
    expect(other.map((o) => o.submitSec)).not.toEqual(a.map((o) => o.submitSec));
  });
});
