import { create } from 'zustand';
import type { ChartTheme } from '../charts/theme.js';
import { darkChartTheme, lightChartTheme } from '../charts/theme.js';

/** What the user chose in the top bar: follow the OS, or always light or dark. Kept across sessions. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

interface ThemeState {
  choice: ThemeChoice;
  /** The theme shown now (the OS's when the choice is 'system'). */
  mode: 'light' | 'dark';
  chart: ChartTheme;
  choose(choice: ThemeChoice): void;
}

const STORAGE_KEY = 'mirage.theme';
const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

function storedChoice(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function resolve(choice: ThemeChoice): Pick<ThemeState, 'choice' | 'mode' | 'chart'> {
  const mode = choice === 'system' ? (query?.matches ? 'dark' : 'light') : choice;
  // The CSS reads data-theme (no attribute: the OS's prefers-color-scheme decides, as the charts do).
  if (typeof document !== 'undefined') {
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
  }
  return { choice, mode, chart: mode === 'dark' ? darkChartTheme : lightChartTheme };
}

export const useThemeStore = create<ThemeState>()((set) => ({
  ...resolve(storedChoice()),
  choose(choice) {
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // storage disabled: the choice lasts this session
    }
    set(resolve(choice));
  },
}));

query?.addEventListener('change', () => useThemeStore.setState(resolve(useThemeStore.getState().choice)));
