import { create } from 'zustand';
import type { ApiProgress } from '../../core/api/protocol.js';
import { ApiError } from '../../core/api/protocol.js';
import type { RejectedRow, TraceSample, TraceSource, TraceSummary } from '../../core/api/trace.js';
import type { PickedTrace } from '../host/types.js';
import { uploadFile } from '../lib/upload.js';
import { services } from '../services.js';
import { useJobTableStore } from './job-table.js';
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
  /** Opens a trace; `keepPage` stays on the page shown (a reload restoring its trace) instead of going to the overview. */
  open(target: OpenTarget, options?: { keepPage?: boolean }): Promise<void>;
  cancelOpen(): void;
  loadSamples(): Promise<void>;
  /** Recomputes the overview for another cluster size. */
  setCapacity(capacityNodes: number): Promise<void>;
  /** Reopens the current trace (after the back end restarted and lost it). */
  reopen(): Promise<void>;
  /**
   * After every (re)connection: finds the trace this tab had open (also
   * across a reload, from session storage) in the back end, or opens it
   * again (samples, desktop paths); an uploaded file the back end no longer
   * holds gets a notice saying to open it again.
   */
  ensureOpen(): Promise<void>;
  /** Why the trace this tab had open could not be restored (shown until dismissed). */
  lost: string | null;
  dismissLost(): void;
  dismissError(): void;
}

function toSource(target: OpenTarget): TraceSource | null {
  if (target.kind === 'sample') return { kind: 'sample', name: target.name };
  if (target.kind === 'path') return { kind: 'path', path: target.path };
  return null;
}

const SESSION_KEY = 'mirage.trace';

/** What the tab remembers of its open trace across a reload (the File of an upload cannot be kept, its id in the back end can). */
interface RememberedTrace {
  target: Exclude<OpenTarget, { kind: 'file' }> | { kind: 'upload'; name: string };
  traceId: string;
  sha256: string;
}

function remember(value: RememberedTrace | null): void {
  try {
    if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // storage disabled: a reload then starts without the trace
  }
}

function remembered(): RememberedTrace | null {
  try {
    const raw = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as RememberedTrace | null;
    if (!raw || typeof raw.traceId !== 'string' || typeof raw.sha256 !== 'string' || typeof raw.target?.kind !== 'string') return null;
    return raw;
  } catch {
    return null;
  }
}

/** Why a trace with no job is refused: a file with only a header says so, with its notes. */
function noJobsError(summary: TraceSummary): TraceOpenError {
  const first = summary.rejected[0];
  const notes = summary.notes.length ? ` (${summary.notes.join('; ')})` : '';
  const message =
    summary.rows === 0
      ? `${summary.fileName} has a ${summary.format} header but no job rows: there is nothing to replay${notes}.`
      : `No job could be read from ${summary.fileName}: all ${summary.rejectedCount} of its ${summary.rows} rows were rejected${first ? '; the first one:' : '.'}`;
  return {
    fileName: summary.fileName,
    message,
    file: first?.file ?? null,
    line: first?.line ?? null,
    reason: first?.reason ?? null,
    rejected: summary.rejected,
    rejectedCount: summary.rejectedCount,
  };
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
  lost: null,

  async open(target, options) {
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
      set({ status: 'error', loading: null, error: noJobsError(summary) });
      return;
    }
    const old = get().summary;
    if (old && old.traceId !== summary.traceId) void client.call('trace.close', { traceId: old.traceId }).catch(() => {});
    set({ status: 'ready', loading: null, summary, target, error: null, lost: null });
    remember({ target: target.kind === 'file' ? { kind: 'upload', name: target.name } : target, traceId: summary.traceId, sha256: summary.sha256 });
    useJobTableStore.getState().reset();
    if (!options?.keepPage) useUiStore.getState().navigate('overview');
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

  async ensureOpen() {
    const { client } = services();
    const kept = remembered();
    if (!kept || get().status === 'loading') return;
    try {
      const summary = await client.call('trace.summary', { traceId: kept.traceId });
      if (summary.sha256 === kept.sha256) {
        if (get().summary?.traceId !== summary.traceId) {
          set({ status: 'ready', summary, target: kept.target.kind === 'upload' ? null : kept.target, error: null });
          useJobTableStore.getState().reset();
        }
        return;
      }
    } catch {
      // not held any more (the back end restarted, or closed it for memory): open it again below
    }
    const target = kept.target;
    if (target.kind !== 'upload') {
      await get().open(target, { keepPage: true });
      return;
    }
    const name = target.name;
    remember(null);
    set({
      status: 'idle',
      summary: null,
      target: null,
      lost: `${name} is no longer open in mirage serve (it was restarted, or this page was away longer than it keeps a trace for a page). A browser cannot reopen an uploaded file by itself: open it again.`,
    });
    const page = useUiStore.getState().page;
    if (page === 'overview' || page === 'jobs' || page === 'rejected') useUiStore.getState().navigate('start');
  },

  dismissLost() {
    set({ lost: null });
  },

  dismissError() {
    set((s) => ({ status: s.summary ? 'ready' : 'idle', error: null }));
  },
}));
