import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelFit, stageDirsOf } from './fit.js';

/** A run folder as `mirage run` leaves it: pipeline.json naming its stage folders, a wait model, a calibration. */
function runFolder(): string {
  const run = mkdtempSync(join(tmpdir(), 'mirage-fit-'));
  mkdirSync(join(run, 'stages', 'training-abc', 'model'), { recursive: true });
  mkdirSync(join(run, 'stages', 'calibration-def'), { recursive: true });
  writeFileSync(
    join(run, 'pipeline.json'),
    JSON.stringify({ stages: [{ stage: 'training', dir: 'stages/training-abc' }, { stage: 'calibration', dir: 'stages/calibration-def' }] }),
  );
  writeFileSync(
    join(run, 'stages', 'training-abc', 'model', 'mirage-wait-model.json'),
    JSON.stringify({
      kind: 'wait-linear',
      features: Array.from({ length: 16 }, (_, i) => `f${i}`),
      dataset: { rows: 672, trainRows: 252, heldOutRows: 133, skippedRows: 0 },
      metrics: { trainRows: 252, heldOutWaitMaeHours: 0.25 },
    }),
  );
  writeFileSync(
    join(run, 'stages', 'calibration-def', 'calibration.json'),
    JSON.stringify({ rule: { kind: 'regressor', lowHours: -0.1, highHours: 500, confirmations: 2 }, samples: 19, trials: [1, 2, 3] }),
  );
  return run;
}

describe("a run's model fit", () => {
  it('reads a closed-form model, its held-out metrics and its calibrated rule', async () => {
    const fit = await readModelFit(await stageDirsOf(runFolder()));
    expect(fit).toEqual({
      kind: 'wait-linear',
      closedForm: true,
      description: 'ridge regression of the queue wait on 16 queue features, fitted in closed form (no epochs, no TensorFlow.js)',
      metrics: { trainRows: 252, heldOutWaitMaeHours: 0.25 },
      trainRows: 252,
      heldOutRows: 133,
      calibration: { rule: 'submit when the predicted reward lies in [-0.1, 500] h, once 2 consecutive decisions (10 minutes apart) agree', samples: 19, candidates: 3 },
    });
  });

  it('prefers the folders a running pipeline announced, and is null without a model (never an error)', async () => {
    const run = runFolder();
    expect(await readModelFit(await stageDirsOf(run, new Map([['training', join(run, 'nowhere')]])))).toBeNull();
    expect(await readModelFit(await stageDirsOf(mkdtempSync(join(tmpdir(), 'mirage-fit-empty-'))))).toBeNull();
  });
});
