import { create } from 'zustand';
import type { ChartTheme } from '../charts/theme.js';
import { darkChartTheme, lightChartTheme } from '../charts/theme.js';

/** Light or dark, following the OS (the CSS does the same with prefers-color-scheme). */
interface ThemeState {
  mode: 'light' | 'dark';
  chart: ChartTheme;
}

const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
const modeNow = (): 'light' | 'dark' => (query?.matches ? 'dark' : 'light');
const stateFor = (mode: 'light' | 'dark'): ThemeState => ({ mode, chart: mode === 'dark' ? darkChartTheme : lightChartTheme });

export const useThemeStore = create<ThemeState>()(() => stateFor(modeNow()));

query?.addEventListener('change', () => useThemeStore.setState(stateFor(modeNow())));
