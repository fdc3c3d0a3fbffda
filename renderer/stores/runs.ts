import { create } from 'zustand';
import type { ApiClient } from '../../core/api/client.js';
import type { RunInfo, StageProgress } from '../../core/api/experiment.js';
import type { EventPayload } from '../../core/api/methods.js';
import { ApiError } from '../../core/api/protocol.js';
import type { TrainEvent } from '../../core/train/events.js';
import type { TrainCurves } from '../lib/trainCurves.js';
import { CurveBuilder, emptyCurves } from '../lib/trainCurves.js';
import { services } from '../services.js';

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
  current: { id: string; config: Record<string, unknown>; charts: string[] } | null;
  curves: TrainCurves;
  /** Why the last action on a run failed. */
  actionError: string | null;
  refresh(): Promise<void>;
  open(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  dismissError(): void;
  onStatus(info: RunInfo): void;
  onProgress(event: EventPayload<'run.progress'>): void;
  onTrain(event: EventPayload<'run.train'>): void;
}

let builder = new CurveBuilder();
/** Training events of the current run that arrived while its history was being fetched. */
let buffered: TrainEvent[] | null = null;

const message = (error: unknown): string => (error instanceof ApiError || error instanceof Error ? error.message : String(error));

const upsert = (runs: RunInfo[], info: RunInfo): RunInfo[] => {
  const i = runs.findIndex((r) => r.id === info.id);
  if (i < 0) return [info, ...runs].sort((a, b) => b.createdMs - a.createdMs);
  const next = runs.slice();
  next[i] = info;
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
      set((s) => ({ current: { id, config: detail.config, charts: detail.charts }, curves: builder.value, runs: upsert(s.runs, detail.info) }));
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

  dismissError() {
    set({ actionError: null });
  },

  onStatus(info) {
    set((s) => ({ runs: upsert(s.runs, info) }));
    // A finished run has its charts now: fetch them for the run page.
    if (info.id === get().currentId && info.state !== 'running' && get().current && get().current!.charts.length === 0 && info.state === 'done') void get().open(info.id);
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
