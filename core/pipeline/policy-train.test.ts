import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { readManifest } from '../model/io.js';
import { loadPolicyBundle } from '../policy/bundle.js';
import { parseClock } from '../trace/clock.js';
import type { TrainEvent } from '../train/events.js';
import { REFERENCE_POLICY_CONFIG } from '../train/policy.js';
import { parseRewardsCsv } from '../validate/rewards-csv.js';
import { parsePipelineConfig, POLICY_DEFAULTS, policyEpisodeRange } from './config.js';
import type { PipelineConfigInput } from './config.js';
import { pipelinePolicyConfig, policyDecisionMinutes } from './policy-train.js';
import { runPipeline } from './run.js';
import type { StageEvent } from './run.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

describe('the policy model in the run config', () => {
  it("trains with the reference's REINFORCE settings, the config's sizes, seed and cost", () => {
    expect(POLICY_DEFAULTS).toEqual({ updates: REFERENCE_POLICY_CONFIG.updates, episodesPerUpdate: REFERENCE_POLICY_CONFIG.episodesPerUpdate });
    const byDefault = pipelinePolicyConfig(parsePipelineConfig({ training: { model: 'policy', seed: 3 } }));
    expect(byDefault).toEqual({ ...REFERENCE_POLICY_CONFIG, baseline: 'batch', seed: 3, overlapHoursPerInterruptionHour: 1, initialHead: 'regressor-rule' });
    const sized = pipelinePolicyConfig(
      parsePipelineConfig({ training: { model: 'policy', policyBase: 'moe', preset: 'paper', policyUpdates: 7, policyEpisodesPerUpdate: 5 }, cost: { overlapHoursPerInterruptionHour: 4 } }),
    );
    expect(sized).toMatchObject({ updates: 7, episodesPerUpdate: 5, overlapHoursPerInterruptionHour: 4, baseline: 'reference' });
    // Decided as often as validation asks.
    expect(policyDecisionMinutes(parsePipelineConfig({}))).toBe(10);
  });

  it('starts episodes from the first training sample to the last one kept, never replaying into the validation period', () => {
    // 10 samples 4 h apart from Nov 1: the last starts at Nov 2 12:00; the draw is over [from, to) in whole minutes.
    const c = parsePipelineConfig({ dataset: { start: '2022-11-01T00:00:00', samples: 10 }, validation: { start: '2023-03-01T00:00:00' } });
    expect(policyEpisodeRange(c)).toEqual({ fromSec: parseClock('2022-11-01T00:00:00'), toSec: parseClock('2022-11-02T12:01:00') });
    // Samples whose replay would reach the validation start are not trained on, by the agent either: 7 days of replay before Nov 10 leaves Nov 1 .. Nov 3.
    const near = parsePipelineConfig({ dataset: { start: '2022-11-01T00:00:00', samples: 100 }, validation: { start: '2022-11-10T00:00:00', samples: 2 } });
    const range = policyEpisodeRange(near);
    expect(range.toSec - 60 + 7 * 86400).toBeLessThanOrEqual(parseClock('2022-11-10T00:00:00'));
    expect(range.toSec - 60).toBe(parseClock('2022-11-03T00:00:00'));
  });
});

describe('mirage run with training.model policy', () => {
  // A miniature: 4 training samples x 3 probes, a one-epoch tiny base, 2 updates of 2 episodes, 3 validation samples.
  const tiny: PipelineConfigInput = {
    name: 'tiny-policy',
    dataset: { samples: 4, probes: 3 },
    training: { model: 'policy', epochs: 1, dModel: 8, heads: 1, layers: 1, ffDim: 8, backend: 'wasm', policyUpdates: 2, policyEpisodesPerUpdate: 2 },
    validation: { samples: 3, baselines: ['reactive', 'average'] },
    cost: { overlapHoursPerInterruptionHour: 4 },
    workers: 1,
  };
  let out: string;
  beforeAll(async () => {
    await initBackend('wasm');
    out = await mkdtemp(path.join(tmpdir(), 'mirage-run-policy-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });
  const run = async (config: PipelineConfigInput): Promise<string[]> => {
    const events: StageEvent[] = [];
    await runPipeline(parsePipelineConfig(config), { outDir: out, tracePath: TRACE, onStage: (e) => events.push(e) });
    return events.filter((e) => e.status !== 'start').map((e) => `${e.stage}:${e.status}`);
  };

  it('trains the base, then the agent on the cost, validates it beside the baselines without calibrating, and reruns only what changed', async () => {
    // No calibration stage: a policy has no threshold.
    expect(await run(tiny)).toEqual(['trace:done', 'dataset:done', 'training:done', 'validation:done', 'report:done']);
    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-policy', 'reactive', 'average']);
    expect(records.filter((r) => r.policy === 'model-policy')).toHaveLength(3);

    const training = path.join(out, 'stages', (await readdir(path.join(out, 'stages'))).find((d) => d.startsWith('training-'))!);
    const base = await readManifest(path.join(training, 'base'));
    const model = await readManifest(path.join(training, 'model'));
    expect(base.kind).toBe('default');
    expect(model.kind).toBe('policy');
    expect(model.metrics.updates).toBe(2);
    expect(model.hyperParameters).toMatchObject({ baseKind: 'default', overlapHoursPerInterruptionHour: 4, updates: 2, episodesPerUpdate: 2, baseline: 'batch' });
    const history = JSON.parse(await readFile(path.join(training, 'history.json'), 'utf8')) as { events: { type: string; phase: string }[] };
    expect(history.events.filter((e) => e.type === 'update').map((e) => e.phase)).toEqual(['policy', 'policy']);

    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { run: { policy: { rule: unknown } } };
    expect(summary.run.policy.rule).toEqual({ kind: 'policy', mode: 'greedy', seed: 0 });
    const bundle = await loadPolicyBundle(path.join(out, 'policy'));
    expect(bundle.manifest.model.kind).toBe('policy');
    expect(bundle.rule).toEqual({ kind: 'policy', mode: 'greedy', seed: 0 });
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain("submit on the model's likelier action (a policy model has no threshold: no calibration ran)");
    expect(report).toContain('2 updates x 2 episodes starting between 2022-11-01T00:00:00 and 2022-11-01T12:00:00');
    expect(report).toContain('-(interruption h + overlap h / 4)');
    expect(report).not.toContain('## Submit rule calibration');
    // The cost is an input of the agent's training: a new R retrains and revalidates; the base, trained again in the new stage, comes out the same bytes.
    expect(await run({ ...tiny, cost: { overlapHoursPerInterruptionHour: 1 } })).toEqual(['trace:reused', 'dataset:reused', 'training:done', 'validation:done', 'report:done']);
    const trainings = (await readdir(path.join(out, 'stages'))).filter((d) => d.startsWith('training-') && !d.endsWith('.lock'));
    expect(trainings).toHaveLength(2);
    const [a, b] = await Promise.all(trainings.map((d) => readFile(path.join(out, 'stages', d, 'base', 'weights.bin'))));
    expect(a.equals(b)).toBe(true);
    // Back to R = 4: everything is found finished.
    expect(await run(tiny)).toEqual(['trace:reused', 'dataset:reused', 'training:reused', 'validation:reused', 'report:reused']);
  });

  it('resumes an agent stopped after its first update to the bytes of an uninterrupted run', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'mirage-run-policy-resume-'));
    try {
      const controller = new AbortController();
      const stopAfterFirstUpdate = (e: TrainEvent): void => {
        if (e.type === 'checkpoint' && e.phase === 'policy' && e.epoch === 1) controller.abort();
      };
      await expect(runPipeline(parsePipelineConfig(tiny), { outDir: other, tracePath: TRACE, signal: controller.signal, onTrainEvent: stopAfterFirstUpdate })).rejects.toThrow(/aborted/);
      const events: StageEvent[] = [];
      await runPipeline(parsePipelineConfig(tiny), { outDir: other, tracePath: TRACE, onStage: (e) => events.push(e) });
      expect(events.filter((e) => e.status !== 'start').map((e) => `${e.stage}:${e.status}`)).toEqual(['trace:reused', 'dataset:reused', 'training:done', 'validation:done', 'report:done']);
      const weights = async (root: string): Promise<Buffer> => {
        const training = (await readdir(path.join(root, 'stages'))).find((d) => d.startsWith(`training-${events.find((e) => e.stage === 'training')!.key.slice(0, 12)}`) && !d.includes('.'))!;
        return readFile(path.join(root, 'stages', training, 'model', 'weights.bin'));
      };
      expect((await weights(other)).equals(await weights(out))).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
