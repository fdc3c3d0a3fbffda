import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareWorkload } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile } from '../trace/index.js';
import { calibrateSubmitRule, candidateRules, chooseRule, recordModelOutputs, replayRule } from './calibrate.js';
import { simulateOnlineSamples } from './simulate.js';
import type { BatchEvaluator } from './simulate.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const schedule: ChainSchedule = { startSec: Date.UTC(2023, 0, 20) / 1000, samples: 8, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const indices = [0, 3, 5, 7];
let workload: Workload;

// A stand-in model that knows only how long the predecessor has run: "reward" = run hours - 47, so it
// reaches -0.5 h after 46.5 h of run (1.5 h before the end) and +0.5 h after 47.5 h.
const PRED_RUN = 143 * 42 + 34 + 3;
const byRunTime: BatchEvaluator = (w, count) => {
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) out[k] = w[k * 144 * 42 + PRED_RUN] / 3600 - 47;
  return out;
};

beforeAll(async () => {
  workload = prepareWorkload((await loadTraceFile(TRACE)).jobs, parseSimConfig({}));
});

describe('submit rule calibration', () => {
  it('replaying recorded outputs gives exactly what asking the model gives, for every rule', async () => {
    const outputs = await recordModelOutputs(workload, schedule, indices, byRunTime);
    for (const rule of candidateRules([-0.5, 0.5], [1, 3], 500)) {
      expect(await replayRule(workload, schedule, indices, outputs, rule)).toEqual(await simulateOnlineSamples(workload, schedule, indices, byRunTime, rule));
    }
  });

  it('tries every candidate and keeps the smallest mean |reward|', async () => {
    const candidates = candidateRules([-0.5, 0.5, 2], [1, 2], 500);
    expect(candidates.map((r) => [r.lowHours, r.confirmations])).toEqual([
      [-0.5, 1],
      [0.5, 1],
      [2, 1],
      [-0.5, 2],
      [0.5, 2],
      [2, 2],
    ]);
    const stats = { calls: 0, windows: 0 };
    const calibration = await calibrateSubmitRule(workload, schedule, indices, byRunTime, candidates, stats);
    expect(calibration.samples).toBe(4);
    expect(calibration.trials.map((t) => t.rule)).toEqual(candidates);
    // The model was asked once per decision point of the never-submitting paths, not once per candidate.
    expect(stats.calls).toBeGreaterThan(0);
    const best = Math.min(...calibration.trials.map((t) => t.stats.meanAbsRewardHours));
    expect(chooseRule(calibration.trials).stats.meanAbsRewardHours).toBe(best);
    expect(calibration.rule).toEqual(chooseRule(calibration.trials).rule);
    // Submitting 1.5 h early overlaps more than 0.5 h early, on samples where the successor starts at once.
    const early = calibration.trials[0].stats;
    const later = calibration.trials[1].stats;
    expect(early.meanOverlapHours).toBeGreaterThan(later.meanOverlapHours);
    // "Never" (a low end no prediction reaches before the end) equals waiting for the predecessor's end.
    const never = await calibrateSubmitRule(workload, schedule, indices, byRunTime, candidateRules([99], [1], 500));
    expect(never.trials[0].stats.meanOverlapHours).toBe(0);
  });

  it('with a zero-interruption floor, picks the smallest mean |reward| among the rules reaching it', () => {
    const trial = (lowHours: number, meanAbsRewardHours: number, zeroInterruptionShare: number) => ({
      rule: { kind: 'regressor' as const, lowHours, highHours: 500, confirmations: 1 },
      stats: { n: 10, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours: 0, meanOverlapHours: 0, meanAbsRewardHours, zeroInterruptionShare, within1hShare: 0, maxInterruptionHours: 0, maxOverlapHours: 0 },
    });
    const trials = [trial(-0.5, 0.9, 0.9), trial(0, 0.6, 0.8), trial(0.5, 0.5, 0.7)];
    expect(chooseRule(trials).rule.lowHours).toBe(0.5);
    expect(chooseRule(trials, 0.8).rule.lowHours).toBe(0);
    expect(chooseRule(trials, 0.85).rule.lowHours).toBe(-0.5);
    // No rule reaches the floor: the smallest mean |reward| overall.
    expect(chooseRule(trials, 0.95).rule.lowHours).toBe(0.5);
  });
});
