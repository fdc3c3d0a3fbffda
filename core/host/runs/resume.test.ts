import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUTS } from '../../testing/timeouts.js';
import type { RunInfo } from '../../api/experiment.js';
import type { TrainEvent } from '../../train/events.js';
import { parsePipelineConfig } from '../../pipeline/config.js';
import type { RunRecord } from './store.js';
import { RunStore } from './store.js';
import type { TestHost } from './testing.js';
import { startTestHost, TINY_CONFIG } from './testing.js';
import { runCli } from '../../cli/testing.js';

/**
 * What happens to a run when the app goes away under it (closed, crashed)
 * or the user cancels it: it stays on disk, the next start lists it as
 * resumable, and resuming it reuses the finished stages, continues training
 * from its checkpoint, and ends with the reward.log an uninterrupted
 * `mirage run` writes.
 */

// Long enough (40 one-step epochs) to be stopped in the middle of training; no calibration, to stay quick.
const CONFIG = {
  ...TINY_CONFIG,
  name: 'resumable',
  training: { ...TINY_CONFIG.training, epochs: 40, patience: 100 },
  validation: { ...TINY_CONFIG.validation, calibrate: { enabled: false } },
};

const hosts: TestHost[] = [];
afterAll(() => hosts.forEach((h) => h.close()));

async function host(runsDir?: string): Promise<TestHost> {
  // Training events every few ms: the test stops the run right after its second epoch.
  const h = await startTestHost(runsDir, { trainFlushMs: 5 });
  hosts.push(h);
  return h;
}

function trainEventsOf(h: TestHost, runId: string): TrainEvent[] {
  return h.events.filter((e) => e.event === 'run.train' && (e.payload as { runId: string }).runId === runId).flatMap((e) => (e.payload as { events: TrainEvent[] }).events);
}

describe('runs that stop before the end', () => {
  it('are interrupted when the back end goes away, listed as resumable after a restart, and resume to the same result as the CLI', async () => {
    const a = await host();
    let stopping: Promise<void> | null = null;
    a.service.events.subscribe((event, payload) => {
      const batch = payload as { events?: TrainEvent[] };
      if (event === 'run.train' && !stopping && batch.events?.some((e) => e.type === 'epoch' && e.epoch >= 2)) stopping = a.service.shutdown();
    });
    const started = await a.client.call('runs.start', { config: CONFIG });
    await expect.poll(() => stopping, { timeout: TEST_TIMEOUTS.pipeline, interval: 10 }).not.toBeNull();
    await stopping;
    const stopped = (await a.client.call('runs.list', {})).find((r) => r.id === started.id)!;
    expect(stopped).toMatchObject({ state: 'interrupted', resumable: true });
    expect(stopped.stages.find((s) => s.name === 'training')?.state).toBe('cancelled');
    a.close();

    // A new back end on the same folder: the app started again.
    const b = await host(a.runsDir);
    const listed = (await b.client.call('runs.list', {})).find((r) => r.id === started.id);
    expect(listed).toMatchObject({ state: 'interrupted', resumable: true });
    const before = (await b.client.call('runs.get', { runId: started.id })).trainEvents;
    expect(before.filter((e) => e.type === 'epoch').length).toBeGreaterThanOrEqual(2);

    await b.client.call('runs.resume', { runId: started.id });
    const done = await b.waitForStatus(started.id, (info) => info.state !== 'running', 120_000);
    expect(done.state).toBe('done');
    expect(done.stages.find((s) => s.name === 'dataset')?.state).toBe('reused');
    expect(done.stages.find((s) => s.name === 'training')?.state).toBe('done');
    const resumedStart = trainEventsOf(b, started.id).find((e) => e.type === 'start');
    expect(resumedStart).toMatchObject({ type: 'start' });
    expect((resumedStart as Extract<TrainEvent, { type: 'start' }>).resumedFromEpoch).toBeGreaterThanOrEqual(1);

    const exported = await b.client.call('runs.export', { runId: started.id, kind: 'reward.log' });
    const config = await b.client.call('runs.export', { runId: started.id, kind: 'config.json' });
    expect(await runCli(config.text)).toBe(exported.text);
  }, TEST_TIMEOUTS.pipeline);

  it('are cancelled within a step on request, and free the back end for the next', async () => {
    const h = await host();
    const config = { ...CONFIG, name: 'cancelled', training: { ...CONFIG.training, epochs: 400 } };
    const started = await h.client.call('runs.start', { config });
    await expect.poll(() => trainEventsOf(h, started.id).some((e) => e.type === 'epoch'), { timeout: TEST_TIMEOUTS.pipeline, interval: 10 }).toBe(true);
    // Checked by state, not by time (a loaded machine is slow): cancel answers once the run has stopped, far short of its 400 epochs.
    const cancelled = await h.client.call('runs.cancel', { runId: started.id });
    expect(cancelled).toMatchObject({ state: 'cancelled', resumable: true, error: null });
    expect(cancelled.stages.find((s) => s.name === 'training')?.state).toBe('cancelled');
    expect(cancelled.training?.epoch).toBeLessThan(400);
    // Nothing runs any more: the next run starts (and is refused nothing).
    const next = await h.client.call('runs.start', { config: { ...config, name: 'next' } });
    await h.client.call('runs.cancel', { runId: next.id });
  }, TEST_TIMEOUTS.pipeline);

  it('are found interrupted when the process that ran them died (a crash, a closed app)', async () => {
    const h = await host();
    // A run folder as a process that died in the middle of validation leaves it.
    const store = new RunStore(h.runsDir);
    const id = await store.create(parsePipelineConfig({ ...TINY_CONFIG, name: 'crashed' }));
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const stage = (name: string, state: RunRecord['info']['stages'][number]['state']) => ({ name, state, seconds: null, progress: null });
    const record: RunRecord = {
      kind: 'mirage-workbench-run',
      version: 1,
      info: {
        id,
        name: 'crashed',
        createdMs: Date.now(),
        updatedMs: Date.now(),
        finishedMs: null,
        state: 'running',
        error: null,
        stages: [stage('dataset', 'done'), stage('training', 'done'), stage('validation', 'running'), stage('report', 'pending')],
        traceName: 'ls6-a100.log',
        backend: null,
        training: null,
        metrics: null,
      },
      owner: { pid: deadPid, hostId: 'another-process' },
    };
    await store.writeRecord(id, record);
    // And one that another living process runs: left alone.
    const alive = await store.create(parsePipelineConfig({ ...TINY_CONFIG, name: 'elsewhere' }));
    await store.writeRecord(alive, { ...record, info: { ...record.info, id: alive, name: 'elsewhere' }, owner: { pid: process.ppid, hostId: 'another-process' } });

    const runs = await h.client.call('runs.list', {});
    expect(runs.find((r) => r.id === alive)).toMatchObject({ state: 'running', resumable: false });
    const path = join(h.runsDir, id, 'run.json');
    const info = runs.find((r) => r.id === id) as RunInfo;
    expect(info).toMatchObject({ state: 'interrupted', resumable: true });
    expect(info.stages.find((s) => s.name === 'validation')?.state).toBe('cancelled');
    // ... and written so.
    expect((JSON.parse(await readFile(path, 'utf8')) as RunRecord).info.state).toBe('interrupted');
  });
});
