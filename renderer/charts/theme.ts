/** Colours of the charts per theme; kept in step with the CSS variables in styles.css. */
export interface ChartTheme {
  mode: 'light' | 'dark';
  text: string;
  muted: string;
  axis: string;
  grid: string;
  surface: string;
  tooltipBg: string;
  accent: string;
  accentArea: string;
  capacity: string;
  queue: string;
  queueArea: string;
  bars: string;
  warn: string;
  fontFamily: string;
}

const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';

export const lightChartTheme: ChartTheme = {
  mode: 'light',
  text: '#1c2430',
  muted: '#667386',
  axis: '#c9d0da',
  grid: '#edf0f4',
  surface: '#ffffff',
  tooltipBg: '#ffffff',
  accent: '#2f6fdd',
  accentArea: 'rgba(47, 111, 221, 0.14)',
  capacity: '#d0453a',
  queue: '#8a5cd0',
  queueArea: 'rgba(138, 92, 208, 0.12)',
  bars: '#3a7bd5',
  warn: '#c27a12',
  fontFamily: FONT,
};

export const darkChartTheme: ChartTheme = {
  mode: 'dark',
  text: '#dbe1ea',
  muted: '#8d98a8',
  axis: '#3a4452',
  grid: '#232a34',
  surface: '#171b22',
  tooltipBg: '#1e242d',
  accent: '#5b95f0',
  accentArea: 'rgba(91, 149, 240, 0.18)',
  capacity: '#ef6a5e',
  queue: '#a785e6',
  queueArea: 'rgba(167, 133, 230, 0.16)',
  bars: '#5b95f0',
  warn: '#e0a23a',
  fontFamily: FONT,
};

/** What every chart of the workbench shares: no animation, a transparent background, the theme's font. */
export function chartFrame(theme: ChartTheme) {
  return { animation: false, backgroundColor: 'transparent', textStyle: { fontFamily: theme.fontFamily, fontSize: 11, color: theme.text } };
}

/** The colours of a chart's tooltip box in the theme. */
export function tooltipColors(theme: ChartTheme) {
  return { backgroundColor: theme.tooltipBg, borderColor: theme.axis, textStyle: { color: theme.text, fontSize: 12 } };
}

/** Loss values in a tooltip: four significant digits. */
export const fourDigits = (v: unknown): string => (typeof v === 'number' ? v.toPrecision(4) : String(v));
