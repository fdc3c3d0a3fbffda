import { create } from 'zustand';

/** Pages of the workbench. Part 2 adds experiments, training and compare. */
export type Page = 'start' | 'overview' | 'jobs' | 'rejected';

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
