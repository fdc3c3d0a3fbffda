import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend.js';
import { parseRewardLog } from '../validate/rewardLog.js';
import { parseRewardsCsv } from '../validate/rewardsCsv.js';
import { summarizeRecords } from '../validate/summary.js';
import { parsePipelineConfig } from './config.js';
import type { PipelineConfigInput } from './config.js';
import { runPipeline } from './run.js';
import type { StageEvent } from './run.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

// A whole experiment in miniature: 4 training samples x 3 probes, a one-epoch tiny network, 3 validation samples.
const tiny: PipelineConfigInput = {
  name: 'tiny',
  dataset: { samples: 4, probes: 3 },
  training: { model: 'default', epochs: 1, dModel: 8, heads: 1, layers: 1, ffDim: 8, backend: 'wasm' },
  validation: { samples: 3, baselines: ['reactive', 'average'], calibrate: { lowHours: [-0.5, 0], confirmations: [1, 3] } },
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
  it('trains the wait model by default and calibrates against the baselines on the held-out training samples', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-run-wait-'));
    const { training: _neural, ...rest } = tiny;
    await run(out, { ...rest, validation: { ...tiny.validation, baselines: ['reactive'] } });
    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-wait-linear', 'reactive']);
    const stages = await readdir(path.join(out, 'stages'));
    const training = stages.find((d) => d.startsWith('training-'))!;
    expect(await readdir(path.join(out, 'stages', training, 'model'))).toEqual(['mirage-wait-model.json']);
    const calibration = JSON.parse(await readFile(path.join(out, 'stages', stages.find((d) => d.startsWith('calibration-'))!, 'calibration.json'), 'utf8')) as {
      baselines: Record<string, { zeroInterruptionShare: number }>;
      minZeroInterruptionShare: number;
    };
    expect(Object.keys(calibration.baselines)).toEqual(['reactive', 'average']);
    expect(calibration.minZeroInterruptionShare).toBe(Math.max(calibration.baselines.reactive.zeroInterruptionShare, calibration.baselines.average.zeroInterruptionShare));
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).toContain('wait-linear');
  });

  it('runs every stage once, reuses finished ones, redoes only what a change touches', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mirage-run-'));
    expect(statuses(await run(out, tiny))).toEqual(['trace:done', 'dataset:done', 'training:done', 'calibration:done', 'validation:done', 'report:done']);
    expect((await readdir(out)).sort()).toEqual(['charts', 'pipeline.json', 'report.md', 'reward.log', 'rewards.csv', 'stages', 'summary.json']);

    const records = parseRewardsCsv(await readFile(path.join(out, 'rewards.csv'), 'utf8'));
    expect([...new Set(records.map((r) => r.policy))]).toEqual(['model-default', 'reactive', 'average']);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { version: string; run: Record<string, unknown> };
    expect(summarizeRecords(records, { version: summary.version, run: summary.run })).toEqual(summary);
    expect(parseRewardLog(await readFile(path.join(out, 'reward.log'), 'utf8')).rows.map((r) => r.index)).toEqual([0, 1, 2]);
    const report = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('| model-default | 3 |');
    expect(report).toContain('4 samples x 3 probes');
    // The rule was calibrated on the one held-out training sample (the last of 4), over 2 x 2 candidates.
    const calibration = JSON.parse(await readFile(path.join(out, 'stages', (await readdir(path.join(out, 'stages'))).find((d) => d.startsWith('calibration-'))!, 'calibration.json'), 'utf8')) as {
      samples: number;
      trials: unknown[];
    };
    expect(calibration.samples).toBe(1);
    expect(calibration.trials).toHaveLength(4);
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
