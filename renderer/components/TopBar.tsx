import { useTraceStore } from '../stores/trace.js';
import { useUiStore } from '../stores/ui.js';
import { formatInt } from '../lib/format.js';
import { openTraceWithPicker } from '../actions.js';
import { FolderIcon, InfoIcon, LogoMark } from './icons.js';

export function TopBar() {
  const summary = useTraceStore((s) => s.summary);
  const loading = useTraceStore((s) => s.status === 'loading');
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
          <span>{summary.overview.capacityNodes} nodes</span>
        </div>
      )}
      <div className="spacer" />
      <button type="button" className="btn" onClick={() => void openTraceWithPicker()} disabled={loading} title="Open a trace file (Ctrl+O)">
        <FolderIcon /> Open trace…
      </button>
      <button type="button" className="btn ghost icon" onClick={() => setAboutOpen(true)} aria-label="About Mirage Workbench" title="About">
        <InfoIcon />
      </button>
    </header>
  );
}
