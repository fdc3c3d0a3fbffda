import { create } from 'zustand';
import type { ApiProgress } from '../../core/api/protocol.js';
import { ApiError } from '../../core/api/protocol.js';
import type { RejectedRow, TraceSample, TraceSource, TraceSummary } from '../../core/api/trace.js';
import type { PickedTrace } from '../host/types.js';
import { uploadFile } from '../lib/upload.js';
import { services } from '../services.js';
import { useJobTableStore } from './jobTable.js';
import { useRecentStore } from './recent.js';
import { isCancelled, useTasksStore } from './tasks.js';
import { useUiStore } from './ui.js';

/** What the user asked to open. */
export type OpenTarget = { kind: 'sample'; name: string; label: string } | PickedTrace;

/** Why a trace could not be opened, with where in the file when known. */
export interface TraceOpenError {
  fileName: string;
  message: string;
  file: string | null;
  line: number | null;
  reason: string | null;
  rejected: RejectedRow[];
  rejectedCount: number;
}

interface TraceState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** The trace being opened: its name, live progress, and the task to cancel. */
  loading: { name: string; taskId: string | null; progress: ApiProgress | null } | null;
  summary: TraceSummary | null;
  /** Where the open trace came from, to reopen it after a back-end restart. */
  target: OpenTarget | null;
  error: TraceOpenError | null;
  samples: TraceSample[];
  /** False until the back end listed its samples (the start page keeps their place meanwhile). */
  samplesLoaded: boolean;
  open(target: OpenTarget): Promise<void>;
  cancelOpen(): void;
  loadSamples(): Promise<void>;
  /** Recomputes the overview for another cluster size. */
  setCapacity(capacityNodes: number): Promise<void>;
  /** Reopens the current trace (after the back end restarted and lost it). */
  reopen(): Promise<void>;
  dismissError(): void;
}

function toSource(target: OpenTarget): TraceSource | null {
  if (target.kind === 'sample') return { kind: 'sample', name: target.name };
  if (target.kind === 'path') return { kind: 'path', path: target.path };
  return null;
}

function describeError(name: string, error: unknown): TraceOpenError {
  if (error instanceof ApiError) {
    const { message, file, line, reason } = error.payload;
    return { fileName: name, message, file: file ?? null, line: line ?? null, reason: reason ?? null, rejected: [], rejectedCount: 0 };
  }
  return { fileName: name, message: error instanceof Error ? error.message : String(error), file: null, line: null, reason: null, rejected: [], rejectedCount: 0 };
}

export const useTraceStore = create<TraceState>()((set, get) => ({
  status: 'idle',
  loading: null,
  summary: null,
  target: null,
  error: null,
  samples: [],
  samplesLoaded: false,

  async open(target) {
    const { client } = services();
    const name = target.kind === 'sample' ? target.label : target.name;
    const previous = get().status === 'ready' ? 'ready' : 'idle';
    set({ status: 'loading', loading: { name, taskId: null, progress: null }, error: null });
    let summary: TraceSummary;
    try {
      summary = await useTasksStore.getState().run(`Open ${name}`, async ({ id: taskId, signal, onProgress }) => {
        const track = (progress: ApiProgress) => {
          onProgress(progress);
          set((s) => (s.loading ? { loading: { ...s.loading, taskId, progress } } : {}));
        };
        set((s) => (s.loading ? { loading: { ...s.loading, taskId } } : {}));
        const source = toSource(target) ?? (await uploadFile(client, (target as { file: File }).file, { signal, onProgress: track }));
        return client.call('trace.open', { source }, { signal, onProgress: track });
      });
    } catch (error) {
      if (isCancelled(error)) {
        set({ status: previous, loading: null });
        return;
      }
      set({ status: 'error', loading: null, error: describeError(name, error) });
      return;
    }
    if (summary.overview.jobCount === 0) {
      const first = summary.rejected[0];
      set({
        status: 'error',
        loading: null,
        error: {
          fileName: summary.fileName,
          message: `No job could be read from ${summary.fileName}: ${summary.rejectedCount} of ${summary.rows} rows were rejected.`,
          file: first?.file ?? summary.fileName,
          line: first?.line ?? null,
          reason: first?.reason ?? null,
          rejected: summary.rejected,
          rejectedCount: summary.rejectedCount,
        },
      });
      return;
    }
    const old = get().summary;
    if (old) void client.call('trace.close', { traceId: old.traceId }).catch(() => {});
    set({ status: 'ready', loading: null, summary, target, error: null });
    useJobTableStore.getState().reset();
    useUiStore.getState().navigate('overview');
    if (target.kind === 'sample') void useRecentStore.getState().add({ kind: 'sample', name: target.name, label: target.label, openedAtMs: Date.now() });
    if (target.kind === 'path') void useRecentStore.getState().add({ kind: 'path', path: target.path, label: target.name, openedAtMs: Date.now() });
  },

  cancelOpen() {
    const taskId = get().loading?.taskId;
    if (taskId) useTasksStore.getState().cancel(taskId);
  },

  async loadSamples() {
    set({ samples: await services().client.call('trace.samples', {}), samplesLoaded: true });
  },

  async setCapacity(capacityNodes) {
    const summary = get().summary;
    if (!summary) return;
    const overview = await services().client.call('trace.overview', { traceId: summary.traceId, capacityNodes });
    set((s) => (s.summary?.traceId === summary.traceId ? { summary: { ...s.summary, overview } } : {}));
  },

  async reopen() {
    const { target, summary } = get();
    if (!target || !summary || target.kind === 'file') return;
    await get().open(target);
  },

  dismissError() {
    set((s) => ({ status: s.summary ? 'ready' : 'idle', error: null }));
  },
}));
