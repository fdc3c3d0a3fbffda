import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimConfig } from '../sim/config.js';
import { FEATURE_NAMES } from '../sim/features.js';
import { RISK_FEATURE_NAMES } from './wait-features.js';
import { loadWaitModel, saveWaitModel } from './wait-model.js';
import { testWaitRiskModel } from '../policy/testing.js';
import { RISK_THRESHOLDS_HOURS, WaitRiskModelSchema, fitLogistic, fitWaitRiskModel, heldBack, predictRisk, riskAt, waitShareOfEstimate } from './wait-risk.js';
import type { WaitRiskModel } from './wait-risk.js';

const SEQ = 144;
const F = FEATURE_NAMES.length;

/** `count` windows whose every snapshot has the given named values (others 0). */
function windows(rows: Record<string, number>[]): Float32Array {
  const w = new Float32Array(rows.length * SEQ * F);
  rows.forEach((values, k) => {
    for (let t = 0; t < SEQ; t++) for (const [name, v] of Object.entries(values)) w[(k * SEQ + t) * F + FEATURE_NAMES.indexOf(name)] = v;
  });
  return w;
}

describe('the wait-risk model', () => {
  it('fits the logistic maximum-likelihood bias by hand: 1 of 4 positive gives logit(1/4)', () => {
    const w = fitLogistic([[1], [1], [1], [1]], [1, 0, 0, 0], 0);
    expect(w[0]).toBeCloseTo(Math.log(1 / 3), 6);
  });

  it('reads the risk between thresholds linearly in log(1 + hours), and holds the ends beyond the grid', () => {
    // Midway between log(2) and log(4) is log(2 * sqrt 2): hours = 2 sqrt 2 - 1.
    expect(riskAt([1, 3], [0.5, 0.1], 2 * Math.SQRT2 - 1)).toBeCloseTo(0.3, 12);
    expect(riskAt([1, 3], [0.5, 0.1], 0.2)).toBe(0.5);
    expect(riskAt([1, 3], [0.5, 0.1], 40)).toBe(0.1);
  });

  it('learns that a full cluster with a long queue means long waits, and saves and loads', async () => {
    // Busy rows: no free node, 40 pending jobs, the successor waits 6 h. Idle rows: 30 free nodes, it starts at once.
    const busy = { running_nodes: 88, pending_count: 40, pending_nodes: 60, pred_limit_min: 2880, pred_run_s: 0, succ_nodes: 1 };
    const idle = { running_nodes: 58, pending_count: 0, pending_nodes: 0, pred_limit_min: 2880, pred_run_s: 0, succ_nodes: 1 };
    const rows = [...Array.from({ length: 20 }, () => busy), ...Array.from({ length: 20 }, () => idle)];
    const waits = rows.map((r) => (r === busy ? 6 * 3600 : 0));
    const model = fitWaitRiskModel(
      {
        features: windows(rows),
        count: rows.length,
        seqLen: SEQ,
        featureNames: FEATURE_NAMES,
        featureMode: 'decision',
        submitSec: waits.map(() => 0),
        succStartSec: waits,
        // The scheduler's estimate: twice the wait (it assumes every job runs to its limit).
        forecastWaitSec: waits.map((w) => 2 * w),
        train: rows.map((_, i) => i),
        heldOut: [],
      },
      { clusterNodes: 88, scheduler: parseSimConfig({ nodes: 88 }) },
    );
    expect(model.features).toEqual([...RISK_FEATURE_NAMES]);
    expect(model.weights).toHaveLength(RISK_THRESHOLDS_HOURS.length);
    // One hour before pred's end (run so far = limit - 1 h): P(W > 1 h) is high when busy, low when idle.
    const atOneHour = { pred_run_s: 2880 * 60 - 3600 };
    const [pBusy, pIdle] = predictRisk(model, windows([{ ...busy, ...atOneHour }, { ...idle, ...atOneHour }]), 2, [12 * 3600, 0]);
    expect(pBusy).toBeGreaterThan(0.9);
    expect(pIdle).toBeLessThan(0.1);
    // Twelve hours before its end, even the busy queue (6 h waits) is unlikely to leave a gap.
    const [pBusyFar] = predictRisk(model, windows([{ ...busy, pred_run_s: 2880 * 60 - 12 * 3600 }]), 1, [12 * 3600]);
    expect(pBusyFar).toBeLessThan(0.1);

    const dir = await mkdtemp(join(tmpdir(), 'wait-risk-'));
    try {
      await saveWaitModel(dir, model);
      const loaded = await loadWaitModel(dir);
      expect(loaded.kind).toBe('wait-risk');
      expect(loaded.predictHours).toBeUndefined();
      // Loaded, it makes its own start estimate from the queue: an idle 88-node cluster starts the job at once.
      const idleQueue = () => ({ minute: 0, running: [], pending: [] });
      expect([...loaded.predictRisk!(windows([{ ...idle, ...atOneHour, succ_limit_min: 2880 }]), 1, [idleQueue])]).toEqual([pIdle]);
      expect(() => loaded.predictRisk!(windows([idle]), 1, [undefined])).toThrow(/start estimate/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the scheduler\'s start estimate: rows alike but for it are told apart', () => {
    // Same queue summary; the estimate says 10 h on half the rows (their waits are 5 h) and 0 on the others.
    const row = { running_nodes: 88, pending_count: 10, pending_nodes: 10, pred_limit_min: 2880, pred_run_s: 2880 * 60 - 3600, succ_nodes: 1 };
    const forecasts = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 10 * 3600 : 0));
    const waits = forecasts.map((f) => f / 2);
    const model = fitWaitRiskModel(
      {
        features: windows(forecasts.map(() => row)),
        count: 40,
        seqLen: SEQ,
        featureNames: FEATURE_NAMES,
        featureMode: 'decision',
        submitSec: waits.map(() => 0),
        succStartSec: waits,
        forecastWaitSec: forecasts,
        train: forecasts.map((_, i) => i),
        heldOut: [],
      },
      { clusterNodes: 88, scheduler: parseSimConfig({ nodes: 88 }) },
    );
    const [pLong, pNow] = predictRisk(model, windows([row, row]), 2, [10 * 3600, 0]);
    expect(pLong).toBeGreaterThan(0.9);
    expect(pNow).toBeLessThan(0.1);
  });

  it('holds back by the lower quartile of wait / start estimate, computed by hand', () => {
    // 21 rows with an estimate of at least half an hour, wait / estimate = 0, 0.05, ..., 1: the lower quartile is
    // order statistic 0.25 * 20 = 5, i.e. 0.25. Rows under half an hour, whatever their waits, do not count.
    const waits = Array.from({ length: 21 }, (_, i) => i * 0.05 * 4);
    const estimates = waits.map(() => 4);
    expect(waitShareOfEstimate([...waits, 9, 9], [...estimates, 0.4, 0])).toBeCloseTo(0.25, 12);
    // Between order statistics: 22 rows put the quartile at 5.25, a quarter of the way from 0.25 to 0.3.
    expect(waitShareOfEstimate([...waits, 4], [...estimates, 4])).toBeCloseTo(0.2625, 12);
    // A wait longer than its estimate counts as the whole estimate (a ratio of 1), not more.
    expect(waitShareOfEstimate(estimates.map(() => 30), estimates)).toBe(1);
    // An idle training period (fewer than 20 such rows) says too little: the share is the whole estimate.
    expect(waitShareOfEstimate(waits.slice(0, 19), estimates.slice(0, 19))).toBe(1);
    // Waits of 0 on every busy row keep the share positive: the model can still submit once pred's end is near.
    expect(waitShareOfEstimate(estimates.map(() => 0), estimates)).toBeGreaterThan(0);
  });

  it('reads 0 while the predecessor ends further away than its share of the start estimate', () => {
    // Risk near 1 at every lead (a large bias); share 0.25 of an 8 h estimate: no earlier than 2 h before pred's end.
    const model = { ...testWaitRiskModel({ bias: 20 }), schemaVersion: 3 as const, waitShareOfEstimate: 0.25 };
    const at = (hoursLeft: number) => windows([{ pred_limit_min: 2880, pred_run_s: 2880 * 60 - hoursLeft * 3600, succ_nodes: 1 }]);
    expect(heldBack(model, 2, 8 * 3600)).toBe(false);
    expect(heldBack(model, 2.5, 8 * 3600)).toBe(true);
    expect(predictRisk(model, at(2), 1, [8 * 3600])[0]).toBeGreaterThan(0.99);
    expect(predictRisk(model, at(2.5), 1, [8 * 3600])[0]).toBe(0);
    // A version 2 model has no share and never holds back.
    expect(predictRisk(testWaitRiskModel({ bias: 20 }), at(2.5), 1, [8 * 3600])[0]).toBeGreaterThan(0.99);
    // The file says which it is: version 3 needs the share, version 2 may not have one.
    expect(WaitRiskModelSchema.safeParse(model).success).toBe(true);
    expect(WaitRiskModelSchema.safeParse({ ...model, waitShareOfEstimate: undefined }).error?.issues[0].path).toEqual(['waitShareOfEstimate']);
    expect(WaitRiskModelSchema.safeParse({ ...model, schemaVersion: 2 }).success).toBe(false);
  });

  it('reads the predecessor\'s end leadMarginHours nearer than it is (version 4)', () => {
    // Risk falls with the time left (the test model's bias drops by 0.5 per threshold); share 0.25 of an 8 h estimate.
    const v3 = { ...testWaitRiskModel({ bias: 2 }), schemaVersion: 3 as const, waitShareOfEstimate: 0.25 };
    const v4 = { ...v3, schemaVersion: 4 as const, leadMarginHours: 1 / 3 };
    const at = (hoursLeft: number) => windows([{ pred_limit_min: 2880, pred_run_s: 2880 * 60 - hoursLeft * 3600, succ_nodes: 1 }]);
    const risk = (model: WaitRiskModel, hoursLeft: number): number => predictRisk(model, at(hoursLeft), 1, [8 * 3600])[0];
    // 2 h 20 min before the end, version 4 decides as version 3 does 2 h before it: no longer held back.
    expect(risk(v4, 2 + 1 / 3)).toBe(risk(v3, 2));
    expect(risk(v3, 2 + 1 / 3)).toBe(0);
    expect(risk(v4, 2.5 + 1 / 3)).toBe(0);
    expect(risk(v4, 1)).toBe(risk(v3, 2 / 3));
    expect(risk(v4, 1)).toBeGreaterThan(risk(v3, 1));
    // Within the margin of the end it reads the end itself.
    expect(risk(v4, 0.25)).toBe(risk(v3, 0));
    expect(WaitRiskModelSchema.safeParse(v4).success).toBe(true);
    expect(WaitRiskModelSchema.safeParse({ ...v4, leadMarginHours: undefined }).error?.issues[0].path).toEqual(['leadMarginHours']);
    expect(WaitRiskModelSchema.safeParse({ ...v3, leadMarginHours: 0.5 }).error?.issues[0].path).toEqual(['leadMarginHours']);
  });
});
