import { create } from 'zustand';
import type { RecentEntry } from '../../core/api/shell.js';
import { services } from '../services.js';

interface RecentState {
  entries: RecentEntry[];
  load(): Promise<void>;
  add(entry: RecentEntry): Promise<void>;
}

/** Recently opened traces, kept by the shell (user-data folder on desktop, local storage in a browser). */
export const useRecentStore = create<RecentState>()((set) => ({
  entries: [],
  async load() {
    set({ entries: await services().host.recentList() });
  },
  async add(entry) {
    set({ entries: await services().host.recentAdd(entry) });
  },
}));
