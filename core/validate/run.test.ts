import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { resolveTrainConfig } from '../train/config.js';
import { syntheticTrainingData } from '../train/synthetic.js';
import { trainModel } from '../train/train.js';
import { loadModel } from '../model/predictor.js';
import { prepareWorkload } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import { loadTraceFile } from '../trace/index.js';
import { calibrateSubmitRule, candidateRules } from './calibrate.js';
import { runCalibration } from './calibration-run.js';
import { readValidationRecords, readValidationSummary } from './output.js';
import { parseRewardLog } from './reward-log.js';
import { policiesOfRun, runValidation } from './run.js';
import type { ValidationRequest } from './run.js';
import { summarizeRecords } from './summary.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const schedule = { startSec: Date.UTC(2023, 2, 1) / 1000, samples: 5, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const baselines = [{ kind: 'average' }, { kind: 'quantile', q: 0.5, window: 100 }] as const;

let root: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mirage-validate-'));
  // A tiny regressor with the real input shape (144 x 42), trained for one epoch on synthetic data.
  await initBackend('wasm');
  const data = syntheticTrainingData({ samples: 8, probes: 2, seqLen: 144, featureCount: 42, seed: 1 });
  const config = resolveTrainConfig('default', null, 1, { seqLen: 144, inFeatures: 42 }, { epochs: 1, dModel: 8, heads: 1, ffDim: 8, layers: 1, patience: null });
  modelDir = path.join(root, 'model');
  await trainModel(data, { kind: 'default', config, outDir: modelDir });
});

describe('validation runs', () => {
  it('orders the policies: the one under test, then reactive, average, quantile', () => {
    expect(policiesOfRun({ kind: 'average' }, [{ kind: 'quantile', q: 0.5, window: 100 }, { kind: 'average' }]).map((p) => p.kind)).toEqual([
      'average',
      'reactive',
      'quantile',
    ]);
  });

  it('writes the run folder; reward.log, rewards.csv and summary.json agree', async () => {
    const outDir = path.join(root, 'baseline-run');
    const request: ValidationRequest = { tracePath: TRACE, schedule, policy: { kind: 'reactive' }, baselines, outDir };
    const result = await runValidation(request, { workers: 0 });
    expect((await readdir(outDir)).sort()).toEqual(['charts', 'report.md', 'reward.log', 'rewards.csv', 'summary.json']);
    expect((await readdir(path.join(outDir, 'charts'))).length).toBe(6);

    const records = await readValidationRecords(outDir);
    expect(records).toHaveLength(15);
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['reactive', 'average', 'quantile']);
    const summary = await readValidationSummary(outDir);
    expect(summarizeRecords(records, { version: summary.version, run: summary.run })).toEqual(summary);
    expect(summary).toEqual(result.summary);

    const log = parseRewardLog(await readFile(path.join(outDir, 'reward.log'), 'utf8'));
    const reactive = records.filter((r) => r.policy === 'reactive');
    expect(log.rows.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    log.rows.forEach((row, k) => {
      expect(row.actualRewardHours).toBe(reactive[k].rewardSeconds / 3600);
      expect(row.submitSec).toBe(reactive[k].submitSec);
      expect(row.succStartSec).toBe(reactive[k].succStartSec);
      expect(row.expectedReward).toBe(0);
    });
    const report = await readFile(path.join(outDir, 'report.md'), 'utf8');
    expect(report).toContain('| reactive | 5 |');
    expect(report).toContain('![CDF of rewards](charts/cdf.svg)');
  });

  it('validates a model on worker threads, batched, with the same bytes as in one thread', async () => {
    const policy = { kind: 'model', modelDir, rule: { kind: 'regressor', lowHours: -0.5, highHours: 500 }, label: 'tiny', backend: 'wasm' } as const;
    const threaded = await runValidation({ tracePath: TRACE, schedule, policy, baselines: [], outDir: path.join(root, 'm2') }, { workers: 2, batchSamples: 3 });
    const inline = await runValidation({ tracePath: TRACE, schedule, policy, baselines: [], outDir: path.join(root, 'm0') }, { workers: 0, batchSamples: 5 });
    expect(threaded.modelCalls).toBeGreaterThan(0);
    // Two batches (3 + 2 samples) on threads, one batch of 5 inline: fewer, larger calls, same windows.
    expect(threaded.modelWindows).toBe(inline.modelWindows);
    expect(inline.modelCalls).toBeLessThan(threaded.modelCalls);
    for (const file of ['reward.log', 'rewards.csv', 'summary.json', 'report.md', 'charts/cdf.svg']) {
      expect(await readFile(path.join(root, 'm2', file), 'utf8'), file).toBe(await readFile(path.join(root, 'm0', file), 'utf8'));
    }
    const records = await readValidationRecords(path.join(root, 'm0'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['tiny', 'reactive']);
  });

  it('calibrates on worker threads exactly as in one thread', async () => {
    const candidates = candidateRules([-0.5, 0.5], [1, 2], 500);
    const threaded = await runCalibration({ tracePath: TRACE, schedule, modelDir, backend: 'wasm', candidates }, { workers: 2 });
    const model = await loadModel(modelDir);
    const workload = prepareWorkload((await loadTraceFile(TRACE)).jobs, parseSimConfig({}));
    const inline = await calibrateSubmitRule(workload, schedule, [0, 1, 2, 3, 4], (w, n) => model.predictHours!(w, n), candidates);
    model.dispose();
    // The threaded run also scores the baselines, the low-load samples and the rule that waits like reactive (the last
    // trial, scored as reactive); the candidates' own numbers must match exactly.
    expect(threaded.trials.slice(0, -1).map((t) => ({ rule: t.rule, stats: t.stats }))).toEqual(inline.trials);
    expect(threaded.trials.at(-1)).toMatchObject({ rule: { maxLeadHours: 0 }, stats: threaded.baselines!.reactive });
    expect([threaded.samples, threaded.overlapHoursPerInterruptionHour]).toEqual([inline.samples, inline.overlapHoursPerInterruptionHour]);
    expect(threaded.baselines?.reactive?.n).toBe(5);
  });
});
