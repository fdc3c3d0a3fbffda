import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readWaitModel } from '../model/wait-model.js';
import { parseRewardLog } from '../validate/reward-log.js';
import { mirage } from './testing.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'mirage-cli-train-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('mirage train --model wait-linear', () => {
  it('fits the wait model on a dataset folder, describes it, and validates with it', async () => {
    const data = join(root, 'data');
    const gen = await mirage('dataset', 'generate', '--trace', TRACE, '--start', '2022-11-01T00:00:00', '--samples', '10', '--workers', '0', '--out', data);
    expect(gen.exitCode, gen.stderr).toBe(0);

    const model = join(root, 'model');
    const train = await mirage('train', '--model', 'wait-linear', '--data', data, '--out', model, '--held-out-fraction', '0.3');
    expect(train.exitCode, train.stderr).toBe(0);
    const saved = await readWaitModel(model);
    // 10 samples x 7 probes, 4 h apart; the last 3 by time are held out. All 7 before them replay (7 days) into
    // the tail, more than half of them, so the gap keeps the later 3 of those out and the first 4 are fitted.
    expect(saved.dataset.rows).toBe(70);
    expect(saved.kind).toBe('wait-linear');
    if (saved.kind !== 'wait-linear') return;
    expect(saved.dataset.heldOutRows).toBe(21);
    expect(saved.dataset.trainRows + saved.dataset.skippedRows).toBe(28);
    expect(saved.clusterNodes).toBe(88);

    const info = await mirage('model', 'info', model);
    expect(info.stdout).toContain('kind        wait-linear');

    const out = join(root, 'validate');
    const val = await mirage('validate', '--trace', TRACE, '--start', '2023-03-01T00:00:00', '--samples', '3', '--policy', 'model', '--model', model, '--workers', '0', '--out', out);
    expect(val.exitCode, val.stderr).toBe(0);
    const log = parseRewardLog(await readFile(join(out, 'reward.log'), 'utf8'));
    expect(log.rows.map((row) => row.index)).toEqual([0, 1, 2]);
  });
});

describe('mirage train --threads', () => {
  it('trains a small default model with its steps split over 2 threads, and refuses threads for a model trained on one', async () => {
    const data = join(root, 'data-threads');
    const gen = await mirage('dataset', 'generate', '--trace', TRACE, '--start', '2022-11-01T00:00:00', '--samples', '10', '--workers', '0', '--out', data);
    expect(gen.exitCode, gen.stderr).toBe(0);

    const model = join(root, 'model-threads');
    const small = ['--epochs', '1', '--d-model', '8', '--layers', '1', '--heads', '2', '--ff', '8', '--backend', 'wasm'];
    const train = await mirage('train', '--model', 'default', '--data', data, '--out', model, '--threads', '2', '--json', ...small);
    expect(train.exitCode, train.stderr).toBe(0);
    const events = train.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; threads?: number });
    expect(events.find((e) => e.type === 'start')?.threads).toBe(2);
    expect(events.at(-1)?.type).toBe('done');

    const refused = await mirage('train', '--model', 'wait-linear', '--data', data, '--out', join(root, 'wait-threads'), '--threads', '2');
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('--threads splits the steps of the neural regressors');
  });
});
