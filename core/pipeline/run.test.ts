import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { loadPolicyBundle } from '../policy/bundle.js';
import { parseRewardLog } from '../validate/reward-log.js';
import { parseRewardsCsv } from '../validate/rewards-csv.js';
import { summarizeRecords } from '../validate/summary.js';
import { parsePipelineConfig } from './config.js';
import type { PipelineConfigInput } from './config.js';
import { runPipeline } from './run.js';
import type { StageEvent } from './run.js';
import type { Calibration } from '../validate/calibrate.js';
import { significantlyWorse } from '../validate/calibrate.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

// A whole experiment in miniature: 4 training samples x 3 probes, a one-epoch tiny network, 3 validation samples.
const tiny: PipelineConfigInput = {
  name: 'tiny',
  dataset: { samples: 4, probes: 3 },
  training: { model: 'default', epochs: 1, dModel: 8, heads: 1, layers: 1, ffDim: 8, backend: 'wasm' },
  validation: { samples: 3, baselines: ['reactive', 'average'], calibrate: { lowHours: [-0.5, 0], confirmations: [1, 3], maxLeadHours: [null] } },
  workers: 1,
};

beforeAll(async () => {
  await initBackend('wasm');
});

async function run(outDir: string, config: PipelineConfigInput): Promise<StageEvent[]> {
  const events: StageEvent[] = [];
  await runPipeline(parsePipelineConfig(config), { outDir, tracePath: TRACE, onStage: (e) => events.push(e) });
  return events;
}

const statuses = (events: StageEvent[]): string[] => events.filter((e) => e.status !== 'start').map((e) => `${e.stage}:${e.status}`);

describe('mirage run pipeline', () => {
  it('trains the wait-risk model by default and calibrates its rule on the held-out training samples, doing no harm at low load', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-run-wait-'));
    const { training: _neural, ...rest } = tiny;
    await run(out, { ...rest, dataset: { samples: 12, probes: 3 }, validation: { ...tiny.validation, baselines: ['reactive'], calibrate: { thresholds: [0.2, 0.5], confirmations: [1], maxLeadHours: [2, null] } } });
    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-wait-risk', 'reactive']);
    const stages = await readdir(path.join(out, 'stages'));
    const training = stages.find((d) => d.startsWith('training-'))!;
    expect(await readdir(path.join(out, 'stages', training, 'model'))).toEqual(['mirage-wait-model.json']);
    // Calibration's fit leaves out the held-out tail (the last 2 of 12 samples, 3 probes each) and the gap before it
    // (a replay is longer than the 10 samples before the tail, so the gap is cut to half of them): 5 samples, 15 rows.
    // The validated and bundled model is fitted again on all 12 samples, 36 rows.
    const rowsOf = async (dir: string) => (JSON.parse(await readFile(path.join(dir, 'mirage-wait-model.json'), 'utf8')) as { dataset: { trainRows: number; skippedRows: number } }).dataset;
    const tailFit = await rowsOf(path.join(out, 'stages', training, 'model'));
    const finalFit = await rowsOf(path.join(out, 'stages', training, 'final'));
    expect(tailFit.trainRows + tailFit.skippedRows).toBe(15);
    expect(finalFit.trainRows + finalFit.skippedRows).toBe(36);
    expect(JSON.parse(await readFile(path.join(out, 'policy', 'model', 'mirage-wait-model.json'), 'utf8'))).toEqual(JSON.parse(await readFile(path.join(out, 'stages', training, 'final', 'mirage-wait-model.json'), 'utf8')));
    const calibration = JSON.parse(await readFile(path.join(out, 'stages', stages.find((d) => d.startsWith('calibration-'))!, 'calibration.json'), 'utf8')) as Calibration;
    // 12 samples, 20 % held out: the last 2; 2 thresholds x 1 confirmation count x 2 caps, then the rule that waits like reactive.
    expect(calibration.samples).toBe(2);
    expect(calibration.trials.map((t) => t.rule)).toEqual([
      { kind: 'risk', threshold: 0.2, confirmations: 1, maxLeadHours: 2 },
      { kind: 'risk', threshold: 0.5, confirmations: 1, maxLeadHours: 2 },
      { kind: 'risk', threshold: 0.2, confirmations: 1 },
      { kind: 'risk', threshold: 0.5, confirmations: 1 },
      { kind: 'risk', threshold: 0.5, confirmations: 1, maxLeadHours: 0 },
    ]);
    expect(Object.keys(calibration.baselines!)).toEqual(['reactive', 'average']);
    expect(calibration.trials[4].stats).toEqual(calibration.baselines!.reactive);
    // The chosen rule is the cheapest of those no worse than reactive on the held-out low-load samples (when any is),
    // unless the samples show it worse than reactive beyond chance: then the rule that waits like reactive.
    const cost = (s: { meanInterruptionHours: number; meanOverlapHours: number }): number => s.meanInterruptionHours + s.meanOverlapHours;
    const cap = cost(calibration.reactiveLowLoad!);
    const candidates = calibration.trials.slice(0, 4);
    const eligible = candidates.filter((t) => cost(t.lowLoad!) <= cap + 1e-9);
    const pool = eligible.length > 0 ? eligible : candidates;
    const chosen = calibration.trials.find((t) => JSON.stringify(t.rule) === JSON.stringify(calibration.rule))!;
    if (calibration.rule.maxLeadHours === 0) expect(significantlyWorse(pool[0].vsReactive!.all) || eligible.length === 0).toBe(true);
    else expect(cost(chosen.stats)).toBe(Math.min(...pool.map((t) => cost(t.stats))));
    // Each candidate carries its paired difference to reactive on the same samples.
    expect(candidates.every((t) => t.vsReactive!.all.n === 2)).toBe(true);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('wait-risk');
    // The report says how the rule was chosen, the do-no-harm condition included, and lists every candidate with its cap.
    expect(report).toContain(`among the rules no worse than reactive on the ${calibration.reactiveLowLoad!.n} low-load samples`);
    expect(report).toMatch(/\| 0\.2 \| 1 \| 2 \| [0-9.]+ \|/);
    expect(report).toMatch(/\| 0\.5 \| 1 \| none \| [0-9.]+ \|/);
    expect(report).toMatch(/\| wait like reactive \| 1 \| 0 \| [0-9.]+ \|/);
    expect(report).toContain('## Is the difference real?');
    expect(report).toContain('![Interruption against overlap](charts/tradeoff.svg)');
    expect((await readdir(path.join(out, 'charts'))).includes('tradeoff.svg')).toBe(true);
  });

  it('runs every stage once, reuses finished ones, redoes only what a change touches', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-run-'));
    expect(statuses(await run(out, tiny))).toEqual(['trace:done', 'dataset:done', 'training:done', 'calibration:done', 'validation:done', 'report:done']);
    expect((await readdir(out)).sort()).toEqual(['charts', 'comparison.json', 'pipeline.json', 'policy', 'report.md', 'reward.log', 'rewards.csv', 'stages', 'summary.json', 'tradeoff.json']);
    // OUT/policy: the validated model with the rule it was validated under, and its scores (core/policy).
    const bundle = await loadPolicyBundle(path.join(out, 'policy'));
    expect(bundle.manifest.model.kind).toBe('default');
    const validatedPolicy = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { run: { policy: { rule: unknown } }; policies: Array<{ policy: string; meanAbsRewardHours: number }> };
    expect(bundle.rule).toEqual(validatedPolicy.run.policy.rule);
    expect((bundle.manifest.evaluation.policies as Record<string, { meanAbsRewardHours: number }>)['model-default'].meanAbsRewardHours).toBe(validatedPolicy.policies[0].meanAbsRewardHours);

    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-default', 'reactive', 'average']);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { version: string; run: Record<string, unknown> };
    expect(summarizeRecords(records, { version: summary.version, run: summary.run })).toEqual(summary);
    expect(parseRewardLog(await readFile(path.join(out, 'reward.log'), 'utf8')).rows.map((r) => r.index)).toEqual([0, 1, 2]);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('| model-default | 3 |');
    expect(report).toContain('4 samples x 3 probes');
    // The rule was calibrated on the one held-out training sample (the last of 4), over 2 x 2 candidates and the rule that waits like reactive.
    const calibration = JSON.parse(await readFile(path.join(out, 'stages', (await readdir(path.join(out, 'stages'))).find((d) => d.startsWith('calibration-'))!, 'calibration.json'), 'utf8')) as {
      samples: number;
      trials: unknown[];
    };
    expect(calibration.samples).toBe(1);
    expect(calibration.trials).toHaveLength(5);
    expect(report).toContain('## Submit rule calibration');

    // Nothing changed: nothing runs. Worker count is not an input.
    expect(statuses(await run(out, { ...tiny, workers: 2 }))).toEqual([
      'trace:reused',
      'dataset:reused',
      'training:reused',
      'calibration:reused',
      'validation:reused',
      'report:reused',
    ]);
    // A validation setting changes validation and report only.
    expect(statuses(await run(out, { ...tiny, validation: { ...tiny.validation, samples: 2 } }))).toEqual([
      'trace:reused',
      'dataset:reused',
      'training:reused',
      'calibration:reused',
      'validation:done',
      'report:done',
    ]);
    expect(parseRewardLog(await readFile(path.join(out, 'reward.log'), 'utf8')).rows).toHaveLength(2);
  });
});
