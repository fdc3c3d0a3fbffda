import { useTraceStore } from '../stores/trace.js';
import { useUiStore } from '../stores/ui.js';
import { formatInt } from '../lib/format.js';
import { openTraceWithPicker } from '../actions.js';
import { useConnected } from './Notices.js';
import { FolderIcon, InfoIcon, LogoMark, ThemeIcon } from './icons.js';
import type { ThemeChoice } from '../stores/theme.js';
import { THEME_CHOICES, useThemeStore } from '../stores/theme.js';

const THEME_LABELS: Record<ThemeChoice, string> = { system: 'Theme: as the system', light: 'Theme: light', dark: 'Theme: dark' };

/** Light, dark, or as the OS says: one button that cycles, its title says the current choice. */
function ThemeSwitch() {
  const choice = useThemeStore((s) => s.choice);
  const choose = useThemeStore((s) => s.choose);
  const next = THEME_CHOICES[(THEME_CHOICES.indexOf(choice) + 1) % THEME_CHOICES.length];
  return (
    <button
      type="button"
      className="btn ghost theme-switch"
      onClick={() => choose(next)}
      title={`${THEME_LABELS[choice]} (click for ${next})`}
      aria-label={`${THEME_LABELS[choice]}; switch to ${next}`}
      data-testid="theme-switch"
      data-choice={choice}
    >
      <ThemeIcon /> <span className="theme-choice">{choice}</span>
    </button>
  );
}

export function TopBar() {
  const summary = useTraceStore((s) => s.summary);
  const loading = useTraceStore((s) => s.status === 'loading');
  const online = useConnected();
  const setAboutOpen = useUiStore((s) => s.setAboutOpen);
  return (
    <header className="topbar">
      <div className="brand">
        <LogoMark />
        Mirage Workbench
      </div>
      {summary && (
        <div className="trace-chip" data-testid="trace-chip">
          <strong title={summary.path ?? summary.fileName}>{summary.fileName}</strong>
          <span className="sep">|</span>
          <span>{summary.format}</span>
          <span className="sep">|</span>
          <span>{formatInt(summary.overview.jobCount)} jobs</span>
          <span className="sep">|</span>
          <span data-testid="trace-chip-capacity" title={summary.overview.capacitySource === 'inferred' ? 'inferred: the most nodes the trace has running at once' : undefined}>
            {summary.overview.capacityNodes} nodes{summary.overview.capacitySource === 'inferred' ? ' (inferred)' : ''}
          </span>
        </div>
      )}
      <div className="spacer" />
      <button type="button" className="btn" onClick={() => void openTraceWithPicker()} disabled={loading || !online} title={online ? 'Open a trace file (Ctrl+O)' : 'No connection to the back end'} data-testid="topbar-open">
        <FolderIcon /> Open trace…
      </button>
      <ThemeSwitch />
      <button type="button" className="btn ghost icon" onClick={() => setAboutOpen(true)} aria-label="About Mirage Workbench" title="About">
        <InfoIcon />
      </button>
    </header>
  );
}
