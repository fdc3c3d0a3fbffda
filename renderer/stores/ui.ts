import { create } from 'zustand';

/** Pages of the workbench: the trace explorer, then experiments (configure, runs, one run live, compare). */
export type Page = 'start' | 'overview' | 'jobs' | 'rejected' | 'experiment' | 'runs' | 'run' | 'compare';
export const PAGES: readonly Page[] = ['start', 'overview', 'jobs', 'rejected', 'experiment', 'runs', 'run', 'compare'];

interface UiState {
  page: Page;
  aboutOpen: boolean;
  navigate(page: Page): void;
  setAboutOpen(open: boolean): void;
}

export const useUiStore = create<UiState>()((set) => ({
  page: 'start',
  aboutOpen: false,
  navigate: (page) => set({ page }),
  setAboutOpen: (aboutOpen) => set({ aboutOpen }),
}));
