import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineConfigSchema } from '../pipeline/config.js';
import { RunStore } from './runs/store.js';
import type { TestHost } from './runs/testing.js';
import { startTestHost, TINY_CONFIG } from './runs/testing.js';

/**
 * runs.start and runs.resume refuse a config this machine cannot hold, with
 * the estimate, instead of the server dying of it (issue 14: dataset.samples
 * 1e9 ended `mirage serve` with a V8 fatal error, and resuming the run that
 * was then listed as resumable ended it again).
 */

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.close());

const HUGE = { ...TINY_CONFIG, name: 'huge', dataset: { samples: 1e9, probes: 3 }, validation: { ...TINY_CONFIG.validation, start: '2020-01-01T00:00:00' } };

describe('run limits in the back end', () => {
  it('refuses runs.start with a billion samples as bad input naming the field, and keeps no run', async () => {
    await expect(host.client.call('runs.start', { config: HUGE })).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/^this experiment would need about .*dataset\.samples 1,000,000,000/),
    });
    await expect(host.client.call('runs.start', { config: { ...TINY_CONFIG, dataset: { samples: 10, probes: 1_000_000 } } })).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringContaining('dataset.probes 1,000,000'),
    });
    expect(await host.client.call('runs.list', {})).toEqual([]);
  });

  it('refuses to resume an interrupted run whose saved config is too large, and stays up', async () => {
    const store = new RunStore(host.runsDir);
    const config = PipelineConfigSchema.parse(TINY_CONFIG);
    const id = await store.create(config);
    await store.writeRecord(id, {
      kind: 'mirage-workbench-run',
      version: 1,
      owner: null,
      info: { id, name: config.name, createdMs: 1, updatedMs: 1, finishedMs: null, state: 'interrupted', error: null, stages: [], traceName: 'ls6-a100.log', backend: null, training: null, metrics: null },
    });
    // Saved by an older version without limits, or copied from a larger machine.
    await writeFile(join(store.runDir(id), 'config.json'), JSON.stringify(PipelineConfigSchema.parse(HUGE), null, 2));
    expect((await host.client.call('runs.get', { runId: id })).info.resumable).toBe(true);
    await expect(host.client.call('runs.resume', { runId: id })).rejects.toMatchObject({ code: 'bad-input', message: expect.stringContaining('dataset.samples 1,000,000,000') });
    expect((await host.client.call('app.info', {})).backend).toBe('in-process');
  });
});
