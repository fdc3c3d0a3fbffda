import { describe, expect, it } from 'vitest';
import { keptTrainingSamples, overlappingWindows, parsePipelineConfig } from '../pipeline/config.js';
import { parseClock } from '../trace/clock.js';
import { modelLabel } from '../pipeline/run.js';
import { evaluationPlan, runConfig } from './run.js';

const DAY = 86400;

describe('rolling-origin folds', () => {
  it('places K folds back to back so the last one\'s replay ends where the test period starts', () => {
    const config = parsePipelineConfig({ evaluation: { folds: 4, foldSamples: 84, test: { start: '2023-03-01T00:00:00', samples: 156 } } });
    const plan = evaluationPlan(config);
    expect(plan.map((p) => [p.part, p.fold, p.start, p.samples])).toEqual([
      // 2023-03-01 - 7 days (one replay) - k * 14 days + 4 h
      ['fold', 0, '2022-12-28T04:00:00', 84],
      ['fold', 1, '2023-01-11T04:00:00', 84],
      ['fold', 2, '2023-01-25T04:00:00', 84],
      ['fold', 3, '2023-02-08T04:00:00', 84],
      ['test', null, '2023-03-01T00:00:00', 156],
    ]);
    const last = plan[3];
    const lastReplayEnd = parseClock(last.start) + 83 * 4 * 3600 + 7 * DAY; // 2023-02-08T04:00 + 83 * 4 h + 7 days
    expect(parseClock('2023-03-01T00:00:00') - lastReplayEnd).toBe(0);
  });

  it('trains each fold on the samples whose replay ends before the fold starts (the gap)', () => {
    const config = parsePipelineConfig({});
    const fold = evaluationPlan(config)[1];
    const run = runConfig(config, 8, 'wait-risk', fold);
    expect(run.chain.jobNodes).toBe(8);
    expect(run.validation.start).toBe(fold.start);
    const kept = keptTrainingSamples(run);
    const lastReplayEnd = parseClock(run.dataset.start) + (kept - 1) * 4 * 3600 + 7 * DAY;
    expect(lastReplayEnd).toBeLessThanOrEqual(parseClock(fold.start));
    expect(lastReplayEnd + 4 * 3600).toBeGreaterThan(parseClock(fold.start));
    expect(overlappingWindows(run)).toBeNull();
  });

  it('runs a neural kind with the wait-risk target as its own candidate, under its own label', () => {
    const config = parsePipelineConfig({ evaluation: { models: ['wait-risk', 'default', 'default:wait-risk'] } });
    const fold = evaluationPlan(config)[0];
    const risk = runConfig(config, 1, 'default:wait-risk', fold);
    expect(risk.training).toMatchObject({ model: 'default', target: 'wait-risk' });
    expect(modelLabel(risk)).toBe('model-default-wait-risk');
    expect(modelLabel(runConfig(config, 1, 'default', fold))).toBe('model-default');
    expect(() => parsePipelineConfig({ evaluation: { models: ['wait-risk:wait-risk'] } })).toThrow(/models/);
  });

  it('refuses a plan whose first fold would start before the training data', () => {
    const config = parsePipelineConfig({ evaluation: { folds: 12, foldSamples: 300 } });
    expect(() => evaluationPlan(config)).toThrow(/first fold would start at .* not after dataset.start/);
  });
});

describe('windows of a config', () => {
  it('refuses a validation period whose replay reaches into a later training period, naming both windows', () => {
    expect(() => parsePipelineConfig({ dataset: { start: '2022-11-01T00:00:00', samples: 684 }, validation: { start: '2022-10-20T00:00:00', samples: 60 } })).toThrow(
      /training \(dataset\) window 2022-11-01T00:00:00 \.\. .* and the validation window 2022-10-20T00:00:00 \.\. 2022-11-05T20:00:00 overlap/,
    );
  });

  it('cuts a training period that runs into a later validation period before it', () => {
    const config = parsePipelineConfig({ dataset: { start: '2022-11-01T00:00:00', samples: 684 }, validation: { start: '2022-12-01T00:00:00', samples: 10 } });
    // Starts 4 h apart from 2022-11-01; a replay of 7 days must end by 2022-12-01: (30 - 7) days * 6 + 1 = 139 samples.
    expect(keptTrainingSamples(config)).toBe(139);
  });

  it('leaves out the last training samples whose replay reaches the validation period (the paper preset loses 5)', () => {
    const config = parsePipelineConfig({ dataset: { start: '2022-11-01T00:00:00', samples: 684 }, validation: { start: '2023-03-01T00:00:00' } });
    expect(keptTrainingSamples(config)).toBe(679);
    expect(overlappingWindows(config)).toBeNull();
  });

  it('migrates the old name of the held-out fraction', () => {
    expect(parsePipelineConfig({ training: { validationFraction: 0.3 } }).training.heldOutFraction).toBe(0.3);
  });
});
