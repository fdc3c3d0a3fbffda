import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { readManifest } from '../model/io.js';
import { loadPolicyBundle } from '../policy/bundle.js';
import { loadModelPolicy } from '../slurm/provision/model-policy.js';
import type { Calibration } from '../validate/calibrate.js';
import { parseRewardsCsv } from '../validate/rewards-csv.js';
import { parsePipelineConfig } from './config.js';
import type { PipelineConfigInput } from './config.js';
import { calibrationRules, runPipeline, uncalibratedRule } from './run.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

// A neural model of the wait's survival function, in miniature: 8 samples x 3 probes, one epoch of a tiny transformer, 2 validation samples.
const tiny: PipelineConfigInput = {
  name: 'tiny-risk',
  dataset: { samples: 8, probes: 3 },
  training: { model: 'default', target: 'wait-risk', epochs: 1, dModel: 8, heads: 1, layers: 1, ffDim: 8, backend: 'wasm' },
  validation: { samples: 2, baselines: ['reactive'], calibrate: { thresholds: [0.2, 0.5], confirmations: [1], maxLeadHours: [null] } },
  workers: 1,
};

let out: string;
beforeAll(async () => {
  await initBackend('wasm');
  out = await mkdtemp(path.join(tmpdir(), 'mirage-run-risk-net-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('training.target in the experiment config', () => {
  it('is for the neural models only, and makes their rule a risk rule', () => {
    expect(() => parsePipelineConfig({ training: { model: 'wait-risk', target: 'wait-risk' } })).toThrow(/training\.target: only for the neural models/);
    expect(() => parsePipelineConfig({ training: { model: 'policy', target: 'wait-risk' } })).toThrow(/training\.target: a policy's base regresses the reward/);
    expect(() => parsePipelineConfig({ training: { model: 'moe', target: 'median' } })).toThrow(/training\.target/);
    const risk = parsePipelineConfig({ training: { model: 'transformer', target: 'wait-risk' }, cost: { overlapHoursPerInterruptionHour: 3 } });
    expect(uncalibratedRule(risk)).toEqual({ kind: 'risk', threshold: 0.25 });
    expect(calibrationRules(risk).candidates.every((r) => r.kind === 'risk')).toBe(true);
    // Absent: the reward, as before (and the parsed config has no target key, so earlier runs' stage keys stay).
    const reward = parsePipelineConfig({ training: { model: 'transformer' } });
    expect(reward.training).not.toHaveProperty('target');
    expect(uncalibratedRule(reward).kind).toBe('regressor');
  });
});

describe('mirage run with a neural wait-risk model', () => {
  it('trains it, calibrates a risk threshold on the held-out samples and validates it beside the baselines', async () => {
    await runPipeline(parsePipelineConfig(tiny), { outDir: out, tracePath: TRACE });
    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-default-wait-risk', 'reactive']);
    expect(records.filter((r) => r.policy === 'model-default-wait-risk')).toHaveLength(2);
    const stages = await readdir(path.join(out, 'stages'));
    const manifest = await readManifest(path.join(out, 'stages', stages.find((d) => d.startsWith('training-'))!, 'model'));
    expect(manifest.target.predicts).toBe('wait-risk');
    const calibration = JSON.parse(await readFile(path.join(out, 'stages', stages.find((d) => d.startsWith('calibration-'))!, 'calibration.json'), 'utf8')) as Calibration;
    expect(calibration.trials.map((t) => t.rule)).toEqual([
      { kind: 'risk', threshold: 0.2, confirmations: 1 },
      { kind: 'risk', threshold: 0.5, confirmations: 1 },
      // The rule that waits like reactive, in case the samples show the candidates worse.
      { kind: 'risk', threshold: 0.5, confirmations: 1, maxLeadHours: 0 },
    ]);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('P(wait > tau), read at the time left');
    // The bundle keeps the risk rule it was validated under: provision reads the network's risk the same way.
    const bundle = await loadPolicyBundle(path.join(out, 'policy'));
    expect(bundle.rule).toEqual(calibration.rule);
    const live = await loadModelPolicy(bundle.modelDir, bundle.rule, { timeScale: 1 });
    expect(live.historyLength).toBe(144);
    live.model.dispose();
  }, 300_000);
});
