import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';
import type { RunInfo } from '../api/experiment.js';
import { CompareDataSchema, RunDetailSchema, RunInfoSchema, SampleTimelineSchema } from '../api/experiment.js';
import { mergeConfig, PipelineConfigSchema } from '../pipeline/config.js';
import type { TrainEvent } from '../train/events.js';
import { parseRewardLog } from '../validate/reward-log.js';
import type { TestHost } from './runs/testing.js';
import { startTestHost, TINY_CONFIG } from './runs/testing.js';
import { runCli } from '../cli/testing.js';

/**
 * An experiment run through the service API as the UI runs it: started,
 * watched through events, kept on disk, compared, exported, and its
 * reward.log checked byte for byte against `mirage run` with the same file.
 */

let host: TestHost;
let first: RunInfo;

beforeAll(async () => {
  host = await startTestHost();
  const started = await host.client.call('runs.start', { config: TINY_CONFIG });
  first = await host.waitForStatus(started.id, (info) => info.state !== 'running', 120_000);
}, TEST_TIMEOUTS.pipeline);

afterAll(() => host?.close());

describe('an experiment run from the workbench', () => {
  it('runs every stage, reporting status, progress and training events as it goes', () => {
    expect(first.state).toBe('done');
    expect(RunInfoSchema.parse(first).stages.map((s) => `${s.name}:${s.state}`)).toEqual(first.stages.map((s) => `${s.name}:done`));
    expect(first.stages.map((s) => s.name)).toEqual(expect.arrayContaining(['dataset', 'training', 'validation']));
    expect(first.backend).toMatch(/wasm/);
    expect(first.metrics?.map((m) => m.policy)).toEqual(['model-default', 'reactive', 'average']);

    const mine = host.events.filter((e) => (e.payload as { id?: string; runId?: string }).id === first.id || (e.payload as { runId?: string }).runId === first.id);
    const train = mine.filter((e) => e.event === 'run.train').flatMap((e) => (e.payload as { events: TrainEvent[] }).events);
    expect(train.map((e) => e.type)).toEqual(expect.arrayContaining(['start', 'step', 'epoch', 'done']));
    const progress = mine.filter((e) => e.event === 'run.progress').map((e) => e.payload as { stage: string; progress: { done: number; total: number } });
    expect(progress.some((p) => p.stage === 'dataset' && p.progress.done === p.progress.total)).toBe(true);
    // The status stream tells the stages in order.
    const runningStages = mine.filter((e) => e.event === 'run.status').map((e) => (e.payload as RunInfo).stages.find((s) => s.state === 'running')?.name);
    const order = [...new Set(runningStages.filter(Boolean))];
    expect(order.indexOf('dataset')).toBeLessThan(order.indexOf('training'));
    expect(order.indexOf('training')).toBeLessThan(order.indexOf('validation'));
  });

  it('keeps the run on disk: config.json the CLI reads, run.json, the curves, the outputs', async () => {
    const dir = join(host.runsDir, first.id);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['config.json', 'run.json', 'train-events.jsonl', 'reward.log', 'rewards.csv', 'summary.json', 'report.md', 'charts', 'pipeline.json', 'stages']));
    expect((await lstat(join(dir, 'stages'))).isSymbolicLink()).toBe(true);
    const config = PipelineConfigSchema.parse(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
    expect(config).toEqual(PipelineConfigSchema.parse(TINY_CONFIG));

    const detail = RunDetailSchema.parse(await host.client.call('runs.get', { runId: first.id }));
    expect(detail.trainEvents.filter((e) => e.type === 'epoch')).toHaveLength(1);
    expect(detail.charts).toEqual(expect.arrayContaining(['cdf.svg', 'box.svg', 'timeline.svg']));
    const list = await host.client.call('runs.list', {});
    expect(list.map((r) => r.id)).toContain(first.id);
  });

  it("exports a reward.log equal, byte for byte, to `mirage run --config` with the run's exported config", async () => {
    const exported = await host.client.call('runs.export', { runId: first.id, kind: 'reward.log' });
    expect(exported.fileName).toBe('reward.log');
    expect(parseRewardLog(exported.text).rows.map((r) => r.index)).toEqual([0, 1, 2]);
    const config = await host.client.call('runs.export', { runId: first.id, kind: 'config.json' });
    expect(config.fileName).toBe('tiny.json');
    expect(await runCli(config.text)).toBe(exported.text);
  }, TEST_TIMEOUTS.pipeline);

  it('reuses every stage a second run with the same config finds done', async () => {
    const started = await host.client.call('runs.start', { config: TINY_CONFIG });
    expect(started.id).not.toBe(first.id);
    const done = await host.waitForStatus(started.id, (info) => info.state !== 'running');
    expect(done.state).toBe('done');
    expect(done.stages.every((s) => s.state === 'reused')).toBe(true);
    const [a, b] = await Promise.all([first.id, started.id].map((runId) => host.client.call('runs.export', { runId, kind: 'reward.log' })));
    expect(b.text).toBe(a.text);
  });

  it('refuses a second run while one runs, and bad configs field by field', async () => {
    // Two at once: one starts, the other is told why not.
    const [a, b] = await Promise.allSettled([
      host.client.call('runs.start', { config: { ...TINY_CONFIG, training: { ...TINY_CONFIG.training, epochs: 3 } } }),
      host.client.call('runs.start', { config: TINY_CONFIG }),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
    await expect(host.client.call('runs.start', { config: TINY_CONFIG })).rejects.toMatchObject({ code: 'conflict' });
    const running = (a as PromiseFulfilledResult<RunInfo>).value;
    expect((await host.client.call('runs.cancel', { runId: running.id })).state).toBe('cancelled');
    await expect(host.client.call('runs.start', { config: { ...TINY_CONFIG, dataset: { samples: 0 } } })).rejects.toMatchObject({
      code: 'invalid-request',
      payload: { issues: [expect.stringMatching(/^params\.config\.dataset\.samples: /)] },
    });
    // Browser mode: the page may not make the server read its files.
    await expect(host.client.call('runs.start', { config: { ...TINY_CONFIG, trace: { path: '/etc/hostname' } } })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(host.client.call('experiment.traceRange', { path: '../../../../etc/hostname' })).rejects.toMatchObject({ code: expect.stringMatching(/forbidden|not-found/) });
  });

  it('compares runs with the baselines, and replays any sample to the second', async () => {
    const data = CompareDataSchema.parse(await host.client.call('compare.data', { runIds: [first.id] }));
    expect(data.policies.map((p) => p.policy)).toEqual(['model-default', 'reactive', 'average']);
    expect(data.policies.map((p) => p.isBaseline)).toEqual([false, true, true]);
    const summary = JSON.parse(await readFile(join(host.runsDir, first.id, 'summary.json'), 'utf8')) as { policies: { policy: string; meanAbsRewardHours: number }[] };
    expect(data.policies.map((p) => p.meanAbsRewardHours)).toEqual(summary.policies.map((p) => p.meanAbsRewardHours));
    expect(data.records).toHaveLength(9);

    for (const record of data.records) {
      const timeline = SampleTimelineSchema.parse(await host.client.call('compare.timeline', { runId: first.id, policy: record.policy, index: record.index }));
      expect(timeline.matchesRecord, `${record.policy} #${record.index}`).toBe(true);
      expect(timeline.succStartSec).toBe(record.succStartSec);
      expect(timeline.rewardSeconds).toBe(record.rewardSeconds);
      expect(timeline.predSubmitSec).toBe(record.sampleStartSec + 2 * 86400);
      expect(timeline.predStartSec).toBeGreaterThanOrEqual(timeline.predSubmitSec);
      // The readings cover the day before the predecessor's submission to after both jobs.
      expect(timeline.queue.startSec).toBeLessThanOrEqual(timeline.predSubmitSec - 86400 + 600);
      expect(timeline.queue.startSec + timeline.queue.pending.length * timeline.queue.stepSec).toBeGreaterThan(Math.max(timeline.succStartSec, timeline.predEndSec));
      // Once submitted and until it starts, the successor is in the queue.
      const at = (sec: number) => timeline.queue.pending[Math.floor((sec - timeline.queue.startSec) / timeline.queue.stepSec)];
      if (timeline.succStartSec - timeline.succSubmitSec > 1200) expect(at(timeline.succSubmitSec + 600)).toBeGreaterThanOrEqual(1);
    }
  });

  it('compares two runs: each model named by its run, the baselines once', async () => {
    const list = (await host.client.call('runs.list', {})).filter((r) => r.state === 'done');
    const data = await host.client.call('compare.data', { runIds: list.slice(0, 2).map((r) => r.id) });
    // Both runs are named tiny: the second model is told apart by its run id.
    expect(data.policies.map((p) => p.policy)).toEqual(['model-default (tiny)', `model-default (${list[1].id})`, 'reactive', 'average']);
    expect(data.policies.map((p) => p.isBaseline)).toEqual([false, false, true, true]);
    expect(data.policies.filter((p) => !p.isBaseline).map((p) => p.runId).sort()).toEqual(list.slice(0, 2).map((r) => r.id).sort());
  });

  it('exports the report as one HTML file with its charts inside, and each chart as SVG', async () => {
    const html = await host.client.call('runs.export', { runId: first.id, kind: 'report.html' });
    expect(html.fileName).toBe('tiny-report.html');
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toContain('<table>');
    expect(html.text).toContain('<td>model-default</td>');
    expect((html.text.match(/data:image\/svg\+xml;base64,/g) ?? []).length).toBeGreaterThanOrEqual(3);
    const svg = await host.client.call('runs.export', { runId: first.id, kind: 'chart', chart: 'cdf.svg' });
    expect(svg.text).toMatch(/^<svg/);
    await expect(host.client.call('runs.export', { runId: first.id, kind: 'chart', chart: 'nope.svg' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('deletes a run folder, not the stages other runs share', async () => {
    const cancelled = (await host.client.call('runs.list', {})).find((r) => r.state === 'cancelled')!;
    expect(await host.client.call('runs.delete', { runId: cancelled.id })).toEqual({ deleted: true });
    expect((await host.client.call('runs.list', {})).map((r) => r.id)).not.toContain(cancelled.id);
    expect(await readdir(host.runsDir)).not.toContain(cancelled.id);
    expect((await readdir(join(host.runsDir, '.stages'))).some((d) => d.startsWith('training-'))).toBe(true);
    await expect(host.client.call('compare.data', { runIds: [first.id] })).resolves.toMatchObject({ runs: [{ id: first.id }] });
    expect(await host.client.call('runs.delete', { runId: cancelled.id })).toEqual({ deleted: false });
  });

  it('lists the presets the CLI knows, each a valid config once overlaid on the defaults', async () => {
    const presets = await host.client.call('experiment.presets', {});
    expect(presets.map((p) => p.name)).toEqual(expect.arrayContaining(['quick', 'paper-ls6']));
    for (const preset of presets) expect(() => PipelineConfigSchema.parse(mergeConfig({}, preset.config)), preset.name).not.toThrow();
    // One text per preset: its file's own description, as the CLI shows it.
    for (const preset of presets) expect(preset.description, preset.name).toBe(preset.config.description);
    const traces = await host.client.call('experiment.traces', {});
    expect(traces[0]).toMatchObject({ kind: 'sample', path: 'assets/traces/ls6-a100.log' });
    const range = await host.client.call('experiment.traceRange', { path: traces[0].path });
    expect(range).toMatchObject({ fileName: 'ls6-a100.log', jobCount: 24776, capacityNodes: 88 });
    expect(range.firstSubmitSec).toBeLessThan(Date.UTC(2022, 10, 1) / 1000);
    expect(range.lastSubmitSec).toBeGreaterThan(Date.UTC(2023, 2, 1) / 1000);
  });
});
