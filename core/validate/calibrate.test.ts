import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChainRun, prepareWorkload } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile } from '../trace/index.js';
import { calibrateSubmitRule, candidateRiskRules, candidateRules, chooseRule, meanCostHours, pairedDifference, significantlyWorse, waitLikeReactive } from './calibrate.js';
import { DecisionRuleSchema, decideFromOutput, describeRule, hoursLeftInWindow, ruleThreshold } from './decide.js';
import { simulateBaselineSample, simulateOnlineSamples, simulateRuleSet } from './simulate.js';
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

/**
 * The reference for the forked pass: one sample, one rule, the chain itself submitted where the rule says
 * (no fork, no batching), pred's end submitted on the minute as validation does.
 */
function inPlace(index: number, rule: Parameters<typeof decideFromOutput>[0]): number[] {
  const run = new ChainRun(workload, schedule, index, { featureMode: 'decision', submitAtPredEnd: true });
  let decisions = 0;
  let streak = 0;
  for (let point = run.advanceToNextDecision(); point.kind === 'decision'; point = run.advanceToNextDecision()) {
    const output = (byRunTime(point.context.features, 1, []) as Float32Array)[0];
    const d = decideFromOutput(rule, output, { sampleIndex: index, decision: decisions, hoursLeft: hoursLeftInWindow(point.context.features) }, streak);
    decisions++;
    streak = d.streak;
    if (d.submit) {
      run.submitSuccessor();
      break;
    }
  }
  const result = run.result()!;
  const r = result.runs[0];
  return [index, r.submitSec, r.succStartSec, r.rewardSeconds, decisions];
}

beforeAll(async () => {
  workload = prepareWorkload((await loadTraceFile(TRACE)).jobs, parseSimConfig({}));
});

describe('submit rule calibration', () => {
  it('scoring many rules in one forked pass gives exactly what submitting in place under each rule gives', async () => {
    const rules = candidateRules([-0.5, 0.5, 99], [1, 3], 500);
    const byRule = await simulateRuleSet(workload, schedule, indices, byRunTime, rules);
    for (const [r, rule] of rules.entries()) {
      const expected = indices.map((i) => inPlace(i, rule));
      expect(byRule[r].map((o) => [o.index, o.submitSec, o.succStartSec, o.rewardSeconds, o.decisions])).toEqual(expected);
    }
  });

  it('tries every candidate and keeps the smallest mean |reward|', async () => {
    const candidates = candidateRules([-0.5, 0.5, 2], [1, 2], 500);
    expect(candidates.map((r) => [ruleThreshold(r), r.confirmations])).toEqual([
      [-0.5, 1],
      [0.5, 1],
      [2, 1],
      [-0.5, 2],
      [0.5, 2],
      [2, 2],
    ]);
    const stats = { calls: 0, windows: 0 };
    const calibration = await calibrateSubmitRule(workload, schedule, indices, byRunTime, candidates, 1, stats);
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

  it('a model that never submits gets exactly the reactive baseline\'s rewards (submitted on pred\'s end minute)', async () => {
    const never = await simulateOnlineSamples(workload, schedule, indices, byRunTime, { kind: 'risk', threshold: 2 });
    const reactive = indices.map((i) => simulateBaselineSample(workload, schedule, i, { kind: 'reactive' }));
    expect(never.map((o) => [o.submitSec, o.succStartSec, o.rewardSeconds])).toEqual(reactive.map((o) => [o.submitSec, o.succStartSec, o.rewardSeconds]));
  });

  it('waiting like reactive (a lead cap of 0) decides exactly as the reactive baseline, even where the risk is certain', async () => {
    const rule = waitLikeReactive(candidateRiskRules([0.2, 0.5], [1, 3], [2, undefined]));
    expect(rule).toEqual({ kind: 'risk', threshold: 0.5, confirmations: 1, maxLeadHours: 0 });
    const certain: BatchEvaluator = (_w, count) => new Float32Array(count).fill(1);
    const waited = await simulateOnlineSamples(workload, schedule, indices, certain, rule);
    const reactive = indices.map((i) => simulateBaselineSample(workload, schedule, i, { kind: 'reactive' }));
    expect(waited.map((o) => [o.submitSec, o.succStartSec, o.rewardSeconds])).toEqual(reactive.map((o) => [o.submitSec, o.succStartSec, o.rewardSeconds]));
    // A policy bundle may carry it, and says what it does.
    expect(DecisionRuleSchema.safeParse(rule).success).toBe(true);
    expect(DecisionRuleSchema.safeParse({ ...rule, maxLeadHours: -1 }).success).toBe(false);
    expect(describeRule(rule)).toMatch(/^submit when the predecessor ends, as reactive/);
  });

  it('waits like reactive where the samples show the chosen candidate worse than reactive beyond chance', () => {
    const stats = (meanInterruptionHours: number, meanOverlapHours: number) => ({
      n: 10, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours, meanOverlapHours, meanAbsRewardHours: meanInterruptionHours + meanOverlapHours,
      zeroInterruptionShare: 0, within1hShare: 0, maxInterruptionHours: 0, maxOverlapHours: 0,
    });
    // Reactive costs 2 h a sample, 0.1 h on the low-load ones; a candidate's differences to it are given with their standard errors.
    const d = (meanHours: number, standardErrorHours: number) => ({ n: 10, meanHours, standardErrorHours });
    const risk = (threshold: number, all: number, low: number, lowSe = 0.01, allSe = 0.5) => ({
      rule: { kind: 'risk' as const, threshold, confirmations: 1 },
      stats: stats(all, 0),
      lowLoad: stats(0, low),
      vsReactive: { all: d(all - 2, allSe), lowLoad: d(low - 0.1, lowSe) },
    });
    const reactive = { rule: { kind: 'risk' as const, threshold: 0.8, confirmations: 1, maxLeadHours: 0 }, stats: stats(2, 0), lowLoad: stats(0.1, 0) };
    // No candidate does no harm, and the least harmful (0.8: +0.02 h, standard error 0.01) is worse beyond chance: reactive.
    const harmful = [risk(0.2, 1.2, 0.15), risk(0.8, 1.5, 0.12)];
    expect(chooseRule(harmful, 1, 0.1, reactive)).toBe(reactive);
    // The same excess within chance (standard error 0.02: 0.02 - 1.645 x 0.02 < 0): the least harmful candidate.
    expect(ruleThreshold(chooseRule([risk(0.2, 1.2, 0.15), risk(0.8, 1.5, 0.12, 0.02)], 1, 0.1, reactive).rule)).toBe(0.8);
    // Without the rule that waits like reactive, the least harmful candidate as well.
    expect(ruleThreshold(chooseRule(harmful, 1, 0.1).rule)).toBe(0.8);
    // One candidate does no harm and beats reactive: it wins, though another is cheaper overall.
    expect(ruleThreshold(chooseRule([...harmful, risk(0.5, 1.8, 0.1)], 1, 0.1, reactive).rule)).toBe(0.5);
    // Harmless but dearer than reactive over all samples: reactive when beyond chance (+0.1 h, standard error 0.05), not within it.
    expect(chooseRule([risk(0.5, 2.1, 0.05, 0.01, 0.05)], 1, 0.1, reactive)).toBe(reactive);
    expect(ruleThreshold(chooseRule([risk(0.5, 2.1, 0.05, 0.01, 0.5)], 1, 0.1, reactive).rule)).toBe(0.5);
  });

  it('falls back to a capped rule only where no uncapped one does no harm, and only to one that does none', () => {
    const stats = (meanInterruptionHours: number) => ({
      n: 10, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours, meanOverlapHours: 0, meanAbsRewardHours: meanInterruptionHours,
      zeroInterruptionShare: 0, within1hShare: 0, maxInterruptionHours: 0, maxOverlapHours: 0,
    });
    const rule = (threshold: number, all: number, low: number, maxLeadHours?: number) => ({
      rule: { kind: 'risk' as const, threshold, confirmations: 1, ...(maxLeadHours === undefined ? {} : { maxLeadHours }) },
      stats: stats(all),
      lowLoad: stats(low),
    });
    // Reactive's low-load cost is 0.1 h. Capped: 2 h at 1.5 h (harmless), 1 h at 1.8 h (harmless), 4 h at 1.2 h (harmful).
    const capped = [rule(0.5, 1.2, 0.12, 4), rule(0.5, 1.5, 0.09, 2), rule(0.5, 1.8, 0.08, 1)];
    // An uncapped rule does no harm: it is chosen, though capped ones are cheaper or as harmless.
    expect(chooseRule([rule(0.5, 1.9, 0.1), rule(0.2, 1.0, 0.2)], 1, 0.1, undefined, capped).rule).toEqual({ kind: 'risk', threshold: 0.5, confirmations: 1 });
    // None does: the cheapest harmless capped rule (the 2-hour cap), not the cheaper harmful 4-hour one.
    expect(chooseRule([rule(0.5, 1.0, 0.2), rule(0.2, 0.9, 0.3)], 1, 0.1, undefined, capped).rule.maxLeadHours).toBe(2);
    // No capped rule does no harm either: the uncapped rules of least low-load cost, as without caps.
    expect(chooseRule([rule(0.5, 1.0, 0.2), rule(0.2, 0.9, 0.3)], 1, 0.1, undefined, [capped[0]]).rule).toEqual({ kind: 'risk', threshold: 0.5, confirmations: 1 });
  });

  it('tests a paired difference by its mean and standard error, computed by hand', () => {
    // Differences 0, 0, 0, 0.4: mean 0.1, squared deviations 3 x 0.01 + 0.09 = 0.12, sample variance 0.04, sd 0.2, se 0.2 / 2 = 0.1.
    const d = pairedDifference([0, 0, 0, 0.4]);
    expect(d.meanHours).toBeCloseTo(0.1, 12);
    expect(d.standardErrorHours).toBeCloseTo(0.1, 12);
    expect(significantlyWorse(d)).toBe(false);
    // Every sample 0.05 h worse: no spread, worse beyond chance. One sample says nothing.
    expect(significantlyWorse(pairedDifference([0.05, 0.05, 0.05]))).toBe(true);
    expect(significantlyWorse(pairedDifference([3]))).toBe(false);
    expect(significantlyWorse(pairedDifference([-0.05, -0.05]))).toBe(false);
  });

  it('picks the smallest mean cost, interruption + overlap / R, the most cautious rule on a tie', () => {
    const trial = (lowHours: number, meanInterruptionHours: number, meanOverlapHours: number) => ({
      rule: { kind: 'regressor' as const, lowHours, highHours: 500, confirmations: 1 },
      stats: { n: 10, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours, meanOverlapHours, meanAbsRewardHours: meanInterruptionHours + meanOverlapHours, zeroInterruptionShare: 0, within1hShare: 0, maxInterruptionHours: 0, maxOverlapHours: 0 },
    });
    // Costs at R = 1: 1.0, 0.9, 0.9 (tie: the higher low end, which submits later); at R = 4: 0.85, 0.45, 0.225.
    const trials = [trial(-0.5, 0.8, 0.2), trial(0, 0.3, 0.6), trial(0.5, 0.0, 0.9)];
    expect(meanCostHours(trials[1].stats, 4)).toBeCloseTo(0.45, 12);
    expect(ruleThreshold(chooseRule(trials).rule)).toBe(0.5);
    expect(ruleThreshold(chooseRule([...trials].reverse()).rule)).toBe(0.5);
    expect(ruleThreshold(chooseRule(trials, 4).rule)).toBe(0.5);
    // Overlap dear (R = 0.25: an hour of overlap costs four of interruption): 1.6, 2.7, 3.6.
    expect(ruleThreshold(chooseRule(trials, 0.25).rule)).toBe(-0.5);
  });

  it('breaks a tie by the cap on the lead first, then the threshold, then confirmations', () => {
    const stats = { n: 10, meanRewardHours: 0, medianRewardHours: 0, meanInterruptionHours: 0, meanOverlapHours: 0, meanAbsRewardHours: 0, zeroInterruptionShare: 1, within1hShare: 1, maxInterruptionHours: 0, maxOverlapHours: 0 };
    const risk = (threshold: number, confirmations: number, maxLeadHours?: number) => ({
      rule: { kind: 'risk' as const, threshold, confirmations, ...(maxLeadHours === undefined ? {} : { maxLeadHours }) },
      stats,
    });
    // Every rule costs 0 (an idle held-out tail): the candidates in the order calibration lists them.
    const all = candidateRiskRules([0.05, 0.5, 0.8], [1, 3], [1, 4, undefined]).map((rule) => ({ rule, stats }));
    expect(chooseRule(all).rule).toEqual({ kind: 'risk', threshold: 0.8, confirmations: 3, maxLeadHours: 1 });
    // A cap outranks the threshold: 2 h at risk 0.2 holds back more than 4 h at 0.8; no cap holds back least.
    expect(chooseRule([risk(0.8, 1, 4), risk(0.2, 1, 2), risk(0.9, 12)]).rule).toEqual({ kind: 'risk', threshold: 0.2, confirmations: 1, maxLeadHours: 2 });
    expect(chooseRule([risk(0.5, 3, 2), risk(0.5, 1, 2)]).rule.confirmations).toBe(3);
    // A cost lower by more than the tolerance still wins over caution.
    expect(chooseRule([{ ...risk(0.8, 12, 1), stats: { ...stats, meanInterruptionHours: 1e-6 } }, risk(0.05, 1)]).rule).toEqual({ kind: 'risk', threshold: 0.05, confirmations: 1 });
  });

  it('lists a risk model\'s candidates thresholds first, and scores them as running each does', async () => {
    const candidates = candidateRiskRules([0.2, 0.5], [1, 3]);
    expect(candidates).toEqual([
      { kind: 'risk', threshold: 0.2, confirmations: 1 },
      { kind: 'risk', threshold: 0.5, confirmations: 1 },
      { kind: 'risk', threshold: 0.2, confirmations: 3 },
      { kind: 'risk', threshold: 0.5, confirmations: 3 },
    ]);
    // A stand-in risk: 0 until 1 h before pred's end, then rising to 1 at the end.
    const risk: BatchEvaluator = (w, count) => {
      const out = new Float32Array(count);
      for (let k = 0; k < count; k++) out[k] = Math.min(1, Math.max(0, w[k * 144 * 42 + PRED_RUN] / 3600 - 47));
      return out;
    };
    const byRule = await simulateRuleSet(workload, schedule, indices, risk, candidates);
    for (const [r, rule] of candidates.entries()) expect(byRule[r]).toEqual(await simulateOnlineSamples(workload, schedule, indices, risk, rule));
  });
});
