import { create } from 'zustand';
import type { CompareData, SampleTimeline } from '../../core/api/experiment.js';
import { ApiError } from '../../core/api/protocol.js';
import { services } from '../services.js';

/** Which runs are compared, what the back end computed for them, and the sample looked at closely. */
interface CompareState {
  selected: string[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  data: CompareData | null;
  error: string | null;
  /** The sample whose timeline is shown: a policy (as labelled in the comparison) and a sample index. */
  sample: { policy: string; index: number } | null;
  timeline: { status: 'loading' | 'ready' | 'error'; data: SampleTimeline | null; error: string | null } | null;
  setSelected(ids: string[]): void;
  toggle(id: string): void;
  load(): Promise<void>;
  pickSample(policy: string, index: number): Promise<void>;
}

const message = (error: unknown): string => (error instanceof ApiError || error instanceof Error ? error.message : String(error));
const MAX_RUNS = 8;

export const useCompareStore = create<CompareState>()((set, get) => ({
  selected: [],
  status: 'idle',
  data: null,
  error: null,
  sample: null,
  timeline: null,

  setSelected(ids) {
    set({ selected: ids.slice(0, MAX_RUNS) });
    void get().load();
  },

  toggle(id) {
    const { selected } = get();
    get().setSelected(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);
  },

  async load() {
    const ids = get().selected;
    if (ids.length === 0) {
      set({ status: 'idle', data: null, error: null, sample: null, timeline: null });
      return;
    }
    set({ status: 'loading', error: null });
    try {
      const data = await services().client.call('compare.data', { runIds: ids });
      if (get().selected.join() !== ids.join()) return;
      set({ status: 'ready', data });
      const sample = get().sample;
      if (sample && !data.records.some((r) => r.policy === sample.policy && r.index === sample.index)) set({ sample: null, timeline: null });
    } catch (error) {
      if (get().selected.join() === ids.join()) set({ status: 'error', error: message(error), data: null });
    }
  },

  async pickSample(policy, index) {
    const row = get().data?.policies.find((p) => p.policy === policy);
    if (!row) return;
    set({ sample: { policy, index }, timeline: { status: 'loading', data: null, error: null } });
    try {
      const data = await services().client.call('compare.timeline', { runId: row.runId, policy: row.runPolicy, index });
      if (get().sample?.policy === policy && get().sample?.index === index) set({ timeline: { status: 'ready', data, error: null } });
    } catch (error) {
      if (get().sample?.policy === policy && get().sample?.index === index) set({ timeline: { status: 'error', data: null, error: message(error) } });
    }
  },
}));
