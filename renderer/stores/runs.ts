import { create } from 'zustand';
import type { ApiClient } from '../../core/api/client.js';
import type { ModelFit, RunAnnotation, RunInfo, StageProgress } from '../../core/api/experiment.js';
import type { EventPayload } from '../../core/api/methods.js';
import { ApiError } from '../../core/api/protocol.js';
import type { TrainEvent } from '../../core/train/browser.js';
import type { TrainCurves } from '../lib/train-curves.js';
import { CurveBuilder, emptyCurves } from '../lib/train-curves.js';
import { services } from '../services.js';
import { useToastStore } from './toasts.js';
import { useUiStore } from './ui.js';

/**
 * The runs in the back end's runs folder, and the one shown on the run page
 * with its live training curves. Kept current by the run.* events the back
 * end pushes to every connected UI, so a run started elsewhere, or before a
 * reload, shows the same.
 */
interface RunsState {
  runs: RunInfo[];
  loaded: boolean;
  listError: string | null;
  /** The run on the run page. */
  currentId: string | null;
  current: { id: string; config: Record<string, unknown>; charts: string[]; fit: ModelFit | null } | null;
  curves: TrainCurves;
  /** Why the last action on a run failed. */
  actionError: string | null;
  refresh(): Promise<void>;
  open(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Sets a run's tags and note; resolves to why it failed, or null. */
  annotate(id: string, annotation: RunAnnotation): Promise<string | null>;
  dismissError(): void;
  onStatus(info: RunInfo): void;
  onProgress(event: EventPayload<'run.progress'>): void;
  onTrain(event: EventPayload<'run.train'>): void;
}

let builder = new CurveBuilder();
/** Training events of the current run that arrived while its history was being fetched. */
let buffered: TrainEvent[] | null = null;

/** Why a call failed, with the schema's issues when the back end refused the request. */
const message = (error: unknown): string => {
  if (error instanceof ApiError) return [error.message, ...(error.payload.issues ?? [])].join(': ');
  return error instanceof Error ? error.message : String(error);
};

const upsert = (runs: RunInfo[], info: RunInfo): RunInfo[] => {
  const i = runs.findIndex((r) => r.id === info.id);
  if (i < 0) return [info, ...runs].sort((a, b) => b.createdMs - a.createdMs);
  const next = runs.slice();
  // A running run's status events do not carry its tags and note: keep those known.
  next[i] = info.tags === undefined && info.note === undefined ? { ...info, tags: runs[i].tags, note: runs[i].note } : info;
  return next;
};

export const useRunsStore = create<RunsState>()((set, get) => ({
  runs: [],
  loaded: false,
  listError: null,
  currentId: null,
  current: null,
  curves: emptyCurves(),
  actionError: null,

  async refresh() {
    try {
      set({ runs: await services().client.call('runs.list', {}), loaded: true, listError: null });
    } catch (error) {
      set({ loaded: true, listError: message(error) });
    }
  },

  async open(id) {
    if (get().currentId !== id) {
      builder = new CurveBuilder();
      set({ currentId: id, current: null, curves: builder.value });
    }
    buffered = [];
    try {
      const detail = await services().client.call('runs.get', { runId: id });
      if (get().currentId !== id) return;
      builder = new CurveBuilder(detail.trainEvents);
      builder.add(buffered ?? []);
      buffered = null;
      set((s) => ({ current: { id, config: detail.config, charts: detail.charts, fit: detail.fit ?? null }, curves: builder.value, runs: upsert(s.runs, detail.info) }));
    } catch (error) {
      buffered = null;
      set({ actionError: message(error) });
    }
  },

  async cancel(id) {
    try {
      const info = await services().client.call('runs.cancel', { runId: id });
      set((s) => ({ runs: upsert(s.runs, info) }));
    } catch (error) {
      set({ actionError: message(error) });
    }
  },

  async resume(id) {
    try {
      const info = await services().client.call('runs.resume', { runId: id });
      set((s) => ({ runs: upsert(s.runs, info) }));
    } catch (error) {
      set({ actionError: message(error) });
    }
  },

  async remove(id) {
    try {
      await services().client.call('runs.delete', { runId: id });
      set((s) => ({ runs: s.runs.filter((r) => r.id !== id), ...(s.currentId === id ? { currentId: null, current: null } : {}) }));
    } catch (error) {
      set({ actionError: message(error) });
    }
  },

  async annotate(id, annotation) {
    try {
      const info = await services().client.call('runs.annotate', { runId: id, annotation });
      set((s) => ({ runs: upsert(s.runs, info) }));
      return null;
    } catch (error) {
      return message(error);
    }
  },

  dismissError() {
    set({ actionError: null });
  },

  onStatus(info) {
    const trained = (r: RunInfo | undefined) => r?.stages.some((s) => s.name === 'training' && (s.state === 'done' || s.state === 'reused')) ?? false;
    const before = get().runs.find((r) => r.id === info.id);
    set((s) => ({ runs: upsert(s.runs, info) }));
    if (before?.state === 'running' && info.state !== 'running') announceEnd(info);
    const current = get().current;
    if (info.id !== get().currentId || !current) return;
    // A finished run has its charts now, a just-trained model its fit: fetch them for the run page.
    if ((info.state === 'done' && current.charts.length === 0) || (trained(info) && !trained(before) && !current.fit)) void get().open(info.id);
  },

  onProgress({ runId, stage, progress }) {
    set((s) => {
      const run = s.runs.find((r) => r.id === runId);
      if (!run) return {};
      const stages = run.stages.map((st) => (st.name === stage ? { ...st, progress: progress as StageProgress } : st));
      return { runs: upsert(s.runs, { ...run, stages }) };
    });
  },

  onTrain({ runId, events }) {
    if (runId !== get().currentId) return;
    if (buffered) {
      buffered.push(...events);
      return;
    }
    builder.add(events);
    set({ curves: builder.value });
  },
}));

/** The model's mean |reward| against the better baseline, in words ("0.120 h better than reactive"); '' before validation. */
export function versusBest(info: RunInfo): string {
  const [model, ...rest] = info.metrics ?? [];
  const baselines = rest.filter((m) => m.policy !== model?.policy);
  if (!model || baselines.length === 0) return '';
  const best = baselines.reduce((a, b) => (b.meanAbsRewardHours < a.meanAbsRewardHours ? b : a));
  const diff = model.meanAbsRewardHours - best.meanAbsRewardHours;
  if (Math.abs(diff) < 0.0005) return `same as ${best.policy}`;
  return `${Math.abs(diff).toFixed(3)} h ${diff < 0 ? 'better' : 'worse'} than ${best.policy}`;
}

/** A finished run's result in one line. */
export function headline(info: RunInfo): string {
  const model = info.metrics?.[0];
  return model ? `model ${model.meanAbsRewardHours.toFixed(3)} h mean |reward|, ${versusBest(info)}` : '';
}

/** A run this UI saw running has ended: a corner notice with its result and a way to it, and the tab's title says so. */
function announceEnd(info: RunInfo): void {
  const open = () => {
    void useRunsStore.getState().open(info.id);
    useUiStore.getState().navigate('run');
  };
  const body =
    info.state === 'done' ? headline(info) || 'validated: see its results' : info.state === 'failed' ? (info.error ?? 'it failed').split('\n')[0] : 'it can be resumed';
  useToastStore.getState().push({
    kind: info.state === 'done' ? 'ok' : info.state === 'failed' ? 'error' : 'info',
    title: `Run ${info.name} ${info.state === 'done' ? 'finished' : info.state}`,
    body,
    action: useUiStore.getState().page === 'run' && useRunsStore.getState().currentId === info.id ? null : { label: 'Open', run: open },
  });
  if (typeof document !== 'undefined' && document.hidden) {
    const title = document.title;
    document.title = `${info.state === 'done' ? '✓' : '!'} ${info.name} · ${title}`;
    document.addEventListener('visibilitychange', () => (document.title = title), { once: true });
  }
}

/** Wires the back end's run events to the store (once, at start-up), and refreshes after each (re)connect. */
export function subscribeRunEvents(client: ApiClient): void {
  const store = useRunsStore.getState;
  client.on('run.status', (info) => store().onStatus(info));
  client.on('run.progress', (event) => store().onProgress(event));
  client.on('run.train', (event) => store().onTrain(event));
}

/** After the connection (re)opens: the list again, and the open run's history (events were missed meanwhile). */
export function resyncRuns(): void {
  const { refresh, currentId, open } = useRunsStore.getState();
  void refresh();
  if (currentId) void open(currentId);
}
