import { create } from 'zustand';
import type { JobColumns } from '../../core/api/trace.js';
import type { JobColumnKey, JobViewSpec } from '../lib/job-view.js';
import { computeJobView } from '../lib/job-view.js';
import { services } from '../services.js';

interface JobTableState extends JobViewSpec {
  status: 'empty' | 'loading' | 'ready' | 'error';
  columns: JobColumns | null;
  /** Row indices shown, after filter and sort. */
  view: Uint32Array;
  error: string | null;
  /** Fetches the jobs of a trace (once per trace). */
  load(traceId: string): Promise<void>;
  /** Click on a header: sort by it, or flip the direction when it already sorts. */
  toggleSort(key: JobColumnKey): void;
  setQuery(query: string): void;
  reset(): void;
}

const initialSpec: JobViewSpec = { sortKey: 'submitSec', sortDir: 'asc', query: '' };

/** The job table: its data, its sort and filter, and the rows they select. */
export const useJobTableStore = create<JobTableState>()((set, get) => {
  /** The trace whose jobs were asked for last: a late answer for another trace is dropped. */
  let requested: string | null = null;
  const recompute = (patch: Partial<JobViewSpec>) => {
    const next = { ...get(), ...patch };
    const columns = next.columns;
    set({ ...patch, view: columns ? computeJobView(columns, next) : new Uint32Array() });
  };
  return {
    ...initialSpec,
    status: 'empty',
    columns: null,
    view: new Uint32Array(),
    error: null,
    async load(traceId) {
      if (get().columns?.traceId === traceId || requested === traceId) return;
      requested = traceId;
      set({ status: 'loading', error: null });
      try {
        const loaded = await services().client.call('trace.jobs', { traceId });
        if (requested !== traceId) return;
        set({ columns: loaded, status: 'ready' });
        recompute({});
      } catch (error) {
        if (requested !== traceId) return;
        requested = null;
        set({ status: 'error', error: error instanceof Error ? error.message : String(error) });
      }
    },
    toggleSort(key) {
      const { sortKey, sortDir } = get();
      recompute(sortKey === key ? { sortDir: sortDir === 'asc' ? 'desc' : 'asc' } : { sortKey: key, sortDir: 'asc' });
    },
    setQuery(query) {
      recompute({ query });
    },
    reset() {
      requested = null;
      set({ ...initialSpec, status: 'empty', columns: null, view: new Uint32Array(), error: null });
    },
  };
});
