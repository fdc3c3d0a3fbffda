import { beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../core/api/client.js';
import { serveConnection } from '../../core/api/connection.js';
import type { EventSource } from '../../core/api/connection.js';
import { ServiceError } from '../../core/api/errors.js';
import type { RunInfo } from '../../core/api/experiment.js';
import type { ApiHandlers } from '../../core/api/handlers.js';
import type { EventName } from '../../core/api/methods.js';
import { createTransportPair } from '../../core/api/transport.js';
import type { TrainEvent } from '../../core/train/browser.js';
import { PipelineConfigSchema } from '../../core/pipeline/browser.js';
import type { AppHost } from '../host/types.js';
import { setServices } from '../services.js';
import { useExperimentStore } from './experiment.js';
import { subscribeRunEvents, useRunsStore } from './runs.js';
import { useToastStore } from './toasts.js';

/** The experiment and runs stores through the real client and validating connection, with events pushed as the host pushes them. */

let saved: { suggestedName: string; text: string }[] = [];
let opened: { name: string; text: string } | null = null;
const host: AppHost = {
  kind: 'browser',
  versions: {},
  connect: () => {},
  pickTraceFile: async () => null,
  pickedFromDrop: (file) => ({ kind: 'file', file, name: file.name }),
  saveText: async (request) => {
    saved.push(request);
    return request.suggestedName;
  },
  openText: async () => opened,
  recentList: async () => [],
  recentAdd: async () => [],
  onMenuCommand: () => () => {},
};

const listeners = new Set<(event: EventName, payload: unknown) => void>();
const events: EventSource = { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
const push = (event: EventName, payload: unknown) => listeners.forEach((l) => l(event, payload));

function useHandlers(handlers: Partial<ApiHandlers>): void {
  const [clientEnd, serverEnd] = createTransportPair();
  serveConnection(serverEnd, handlers as ApiHandlers, { log: () => {}, events });
  const client = createApiClient(clientEnd);
  subscribeRunEvents(client);
  setServices({ client, host });
}

const info = (id: string, state: RunInfo['state'] = 'running'): RunInfo => ({
  id,
  name: 'quick',
  origin: 'app',
  createdMs: 1,
  updatedMs: 1,
  finishedMs: null,
  state,
  error: null,
  stages: [{ name: 'training', state: 'running', seconds: null, progress: null }],
  traceName: 'ls6-a100.log',
  backend: null,
  training: null,
  metrics: null,
  resumable: false,
});
const step = (globalStep: number, loss: number): TrainEvent => ({ type: 'step', phase: 'main', elapsedSec: 0, epoch: 1, step: globalStep, globalStep, loss, learningRate: 0.1, gradNorm: 1, samplesPerSec: 50 });

beforeEach(() => {
  listeners.clear();
  saved = [];
  opened = null;
  useExperimentStore.setState({ draft: {}, source: 'defaults', error: null, presets: [] });
  useExperimentStore.getState().replace({}, 'defaults');
  useRunsStore.setState({ runs: [], currentId: null, current: null, actionError: null });
});

describe('experiment store', () => {
  it('applies a preset, validates each edit with the CLI schema, saves the whole config', async () => {
    useHandlers({
      'experiment.presets': async () => [{ name: 'quick', description: 'small', config: { name: 'quick', dataset: { samples: 24 } } }],
      'experiment.traces': async () => [],
    });
    await useExperimentStore.getState().load();
    useExperimentStore.getState().applyPreset('quick');
    expect(useExperimentStore.getState()).toMatchObject({ source: 'preset quick', edited: false, draft: { name: 'quick', dataset: { samples: 24 } } });
    useExperimentStore.getState().setField(['dataset', 'samples'], 0);
    // The label no longer claims the plain preset.
    expect(useExperimentStore.getState()).toMatchObject({ source: 'preset quick', edited: true });
    expect(useExperimentStore.getState().check.issues.has('dataset.samples')).toBe(true);
    expect(useExperimentStore.getState().lastValid?.dataset.samples).toBe(24);
    await useExperimentStore.getState().saveFile();
    expect(saved).toEqual([]); // nothing saved while invalid
    useExperimentStore.getState().setField(['dataset', 'samples'], 30);
    await useExperimentStore.getState().saveFile();
    expect(saved[0].suggestedName).toBe('quick.json');
    // The whole config as the CLI reads it: the edit, and the schema's defaults for the rest.
    const defaults = PipelineConfigSchema.parse({});
    expect(JSON.parse(saved[0].text)).toMatchObject({ name: 'quick', dataset: { samples: 30, probes: defaults.dataset.probes }, validation: { samples: defaults.validation.samples } });
  });

  it('loads a file as it is, showing what the CLI would refuse, and says why a run did not start', async () => {
    useHandlers({
      'runs.start': async () => {
        throw new ServiceError('conflict', 'run x is running: wait for it or cancel it first');
      },
    });
    opened = { name: 'mine.json', text: '{"dataset": {"samples": 2}, "bogus": true}' };
    await useExperimentStore.getState().loadFile();
    expect(useExperimentStore.getState().source).toBe('file mine.json');
    expect(useExperimentStore.getState().check.issues.get('')).toEqual(['bogus: unknown field (the CLI refuses it too)']);
    expect(await useExperimentStore.getState().run()).toBeNull();
    opened = { name: 'ok.json', text: '{"dataset": {"samples": 2}}' };
    await useExperimentStore.getState().loadFile();
    expect(await useExperimentStore.getState().run()).toBeNull();
    expect(useExperimentStore.getState().error).toMatch(/is running/);
    opened = { name: 'broken.json', text: '{' };
    await useExperimentStore.getState().loadFile();
    expect(useExperimentStore.getState().error).toMatch(/^broken\.json: not valid JSON/);
  });
});

describe('runs store', () => {
  it('follows the pushed status and progress, and merges the history with training events that arrive meanwhile', async () => {
    let release: () => void = () => {};
    useHandlers({
      'runs.list': async () => [info('r1')],
      'runs.get': () =>
        new Promise((resolve) => {
          release = () => resolve({ info: info('r1'), config: { name: 'quick' }, trainEvents: [step(1, 0.9), step(2, 0.8)], charts: [] });
        }),
    });
    await useRunsStore.getState().refresh();
    const opening = useRunsStore.getState().open('r1');
    // Steps 2 and 3 arrive while the history is on its way (step 2 is in both).
    await expect.poll(() => listeners.size).toBe(1);
    push('run.train', { runId: 'r1', events: [step(2, 0.8), step(3, 0.7)] });
    push('run.train', { runId: 'other', events: [step(9, 9)] });
    await new Promise((r) => setTimeout(r, 10));
    release();
    await opening;
    expect(useRunsStore.getState().curves.stepLoss).toEqual([
      [1, 0.9],
      [2, 0.8],
      [3, 0.7],
    ]);
    push('run.train', { runId: 'r1', events: [step(4, 0.6)] });
    await expect.poll(() => useRunsStore.getState().curves.stepLoss.length).toBe(4);

    push('run.progress', { runId: 'r1', stage: 'training', progress: { done: 4, total: 10, unit: 'steps', ratePerSec: 2, etaSec: 3 } });
    await expect.poll(() => useRunsStore.getState().runs[0].stages[0].progress?.etaSec).toBe(3);
    push('run.status', { ...info('r1', 'cancelled'), resumable: true });
    await expect.poll(() => useRunsStore.getState().runs[0].state).toBe('cancelled');
    push('run.status', info('r2'));
    await expect.poll(() => useRunsStore.getState().runs.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
  });

  it('announces a run that ends (with its result against the best baseline), and keeps tags a status event does not carry', async () => {
    useHandlers({
      'runs.list': async () => [info('r1')],
      'runs.annotate': async ({ annotation }) => ({ ...info('r1'), ...annotation }),
    });
    useToastStore.setState({ toasts: [] });
    await useRunsStore.getState().refresh();
    expect(await useRunsStore.getState().annotate('r1', { tags: ['paper'], note: 'n' })).toBeNull();
    // The running run's status events carry no tags: the ones known stay.
    push('run.status', info('r1'));
    await new Promise((r) => setTimeout(r, 10));
    expect(useRunsStore.getState().runs[0]).toMatchObject({ tags: ['paper'], note: 'n' });
    expect(useToastStore.getState().toasts).toEqual([]);

    const metrics = [
      { policy: 'model-x', n: 12, meanAbsRewardHours: 0.4, meanInterruptionHours: 0.1, meanOverlapHours: 0.3, zeroInterruptionShare: 0.9 },
      { policy: 'reactive', n: 12, meanAbsRewardHours: 0.52, meanInterruptionHours: 0.52, meanOverlapHours: 0, zeroInterruptionShare: 0.8 },
      { policy: 'average', n: 12, meanAbsRewardHours: 0.65, meanInterruptionHours: 0.4, meanOverlapHours: 0.25, zeroInterruptionShare: 0.8 },
    ];
    push('run.status', { ...info('r1', 'done'), metrics });
    await expect.poll(() => useToastStore.getState().toasts.length).toBe(1);
    expect(useToastStore.getState().toasts[0]).toMatchObject({
      kind: 'ok',
      title: 'Run quick finished',
      body: 'model 0.400 h mean |reward|, 0.120 h better than reactive',
    });
    expect(useToastStore.getState().toasts[0].action?.label).toBe('Open');
    // Only a change from running announces: the same state again does not.
    push('run.status', { ...info('r1', 'done'), metrics });
    await new Promise((r) => setTimeout(r, 10));
    expect(useToastStore.getState().toasts).toHaveLength(1);
  });
});
