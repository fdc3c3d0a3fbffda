import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../sim/features.js';
import { WAIT_FEATURE_NAMES, WAIT_MODEL_FILE, fitWaitModel, isWaitModelDir, loadWaitModel, predictRewardHours, readWaitModel, rewardFromWaitHours, saveWaitModel } from './wait-model.js';
import type { WaitModel } from './wait-model.js';

const SEQ = 8;
const F = FEATURE_NAMES.length;
const col = (name: string): number => FEATURE_NAMES.indexOf(name);

/** One window whose every snapshot has these values (the rest 0). */
function window(values: Record<string, number>): Float32Array {
  const w = new Float32Array(SEQ * F);
  for (let s = 0; s < SEQ; s++) for (const [name, v] of Object.entries(values)) w[s * F + col(name)] = v;
  return w;
}

/** A model whose weights are all 0 but the bias: it predicts the same wait everywhere. */
function constantWaitModel(waitHours: number): WaitModel {
  return {
    kind: 'wait-linear',
    schemaVersion: 1,
    target: { predicts: 'wait', unit: 'hours', toReward: 'reward = max(0, predicted wait) - (pred limit - pred run so far)' },
    input: { featureMode: 'decision', featureNames: [...FEATURE_NAMES], seqLen: SEQ },
    clusterNodes: 88,
    ridgeLambda: 0,
    features: [...WAIT_FEATURE_NAMES],
    weights: WAIT_FEATURE_NAMES.map((_, i) => (i === 0 ? waitHours : 0)),
    dataset: { rows: 0, trainRows: 0, heldOutRows: 0, skippedRows: 0 },
    metrics: {},
  };
}

describe('wait model', () => {
  it('turns a predicted wait back into the reward: wait - (pred limit - pred run so far)', () => {
    // pred: 2880 min limit, run 46.5 h so far -> ends in 1.5 h; a 0.5 h wait -> the successor starts 1 h before pred ends.
    expect(rewardFromWaitHours(0.5, 1.5)).toBe(-1);
    const w = window({ pred_limit_min: 2880, pred_run_s: 46.5 * 3600, running_nodes: 88, pending_count: 3, pending_nodes: 5 });
    expect(predictRewardHours(constantWaitModel(0.5), w, 1)[0]).toBeCloseTo(-1, 6);
    // A negative wait prediction counts as 0: pred ends in 1.5 h -> reward -1.5 h.
    expect(predictRewardHours(constantWaitModel(-2), w, 1)[0]).toBeCloseTo(-1.5, 6);
    // Pred ended 10 minutes ago is not asked (the chain submits at once); at its end the reward is the wait itself.
    const atEnd = window({ pred_limit_min: 2880, pred_run_s: 2880 * 60 });
    expect(predictRewardHours(constantWaitModel(2.25), atEnd, 1)[0]).toBeCloseTo(2.25, 6);
  });

  it('learns the wait from the queue: full cluster with a queue -> long wait, idle cluster -> none', () => {
    const busy = { running_nodes: 88, pending_count: 20, pending_nodes: 40, pred_limit_min: 2880 };
    const idle = { running_nodes: 40, pending_count: 0, pending_nodes: 0, pred_limit_min: 2880 };
    const n = 40;
    const features = new Float32Array(n * SEQ * F);
    const submitSec = new Float64Array(n);
    const succStartSec = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const isBusy = i % 2 === 0;
      features.set(window({ ...(isBusy ? busy : idle), pred_run_s: (i % 7) * 3600 }), i * SEQ * F);
      submitSec[i] = 1000 * i;
      succStartSec[i] = submitSec[i] + (isBusy ? 3 * 3600 : 0);
    }
    const model = fitWaitModel(
      { features, count: n, seqLen: SEQ, featureNames: FEATURE_NAMES, featureMode: 'decision', submitSec, succStartSec, train: [...Array(30).keys()], heldOut: [30, 31, 32, 33] },
      { clusterNodes: 88, lambda: 1e-6 },
    );
    const probe = new Float32Array(2 * SEQ * F);
    probe.set(window({ ...busy, pred_run_s: 2880 * 60 - 3600 }), 0);
    probe.set(window({ ...idle, pred_run_s: 2880 * 60 - 3600 }), SEQ * F);
    const [busyReward, idleReward] = predictRewardHours(model, probe, 2);
    // One hour left: busy -> 3 h wait -> +2 h; idle -> no wait -> -1 h.
    expect(busyReward).toBeCloseTo(2, 2);
    expect(idleReward).toBeCloseTo(-1, 2);
    expect(model.metrics.heldOutWaitMaeHours).toBeLessThan(0.01);
  });

  it('saves and loads (the folder is recognised as a wait model)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wait-model-'));
    try {
      expect(await isWaitModelDir(dir)).toBe(false);
      await saveWaitModel(dir, constantWaitModel(1.25));
      expect(await isWaitModelDir(dir)).toBe(true);
      const predictor = await loadWaitModel(dir);
      const w = window({ pred_limit_min: 2880, pred_run_s: 2880 * 60 - 1800 });
      expect(predictor.predictHours!(w, 1)[0]).toBeCloseTo(0.75, 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a file from before the held-out tail had its name (validationRows, validationMae) under today\'s names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wait-model-'));
    try {
      const { dataset, metrics, ...rest } = constantWaitModel(1.25);
      const old = { ...rest, dataset: { rows: dataset.rows, trainRows: dataset.trainRows, validationRows: 7, skippedRows: 0 }, metrics: { ...metrics, validationMae: 0.5 } };
      await writeFile(join(dir, WAIT_MODEL_FILE), JSON.stringify(old));
      const model = await readWaitModel(dir);
      expect(model.dataset).toMatchObject({ heldOutRows: 7 });
      expect(model.metrics).toMatchObject({ heldOutMae: 0.5 });
      expect(model.metrics).not.toHaveProperty('validationMae');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses data without the features it reads', () => {
    const names = FEATURE_NAMES.filter((n) => n !== 'pending_nodes');
    expect(() =>
      fitWaitModel(
        { features: new Float32Array(SEQ * names.length), count: 1, seqLen: SEQ, featureNames: names, featureMode: 'decision', submitSec: [0], succStartSec: [0], train: [0], heldOut: [] },
        { clusterNodes: 88 },
      ),
    ).toThrow(/pending_nodes/);
  });
});
