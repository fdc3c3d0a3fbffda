import type { ReactNode } from 'react';
import type { Page } from '../stores/ui.js';
import { useUiStore } from '../stores/ui.js';
import { useTraceStore } from '../stores/trace.js';
import { useConnectionStore } from '../stores/connection.js';
import { formatInt } from '../lib/format.js';
import { useRunsStore } from '../stores/runs.js';
import { AlertIcon, ChartIcon, CompareIcon, FlaskIcon, HomeIcon, ListIcon, PulseIcon, TableIcon } from './icons.js';

function NavItem({ page, icon, children, disabled, badge }: { page: Page; icon: ReactNode; children: ReactNode; disabled?: boolean; badge?: ReactNode }) {
  const current = useUiStore((s) => s.page);
  const navigate = useUiStore((s) => s.navigate);
  return (
    <button
      type="button"
      className="nav-item"
      aria-current={current === page ? 'page' : undefined}
      disabled={disabled}
      onClick={() => navigate(page)}
      data-testid={`nav-${page}`}
    >
      {icon}
      {children}
      {badge}
    </button>
  );
}

export function NavRail() {
  const summary = useTraceStore((s) => s.summary);
  const info = useConnectionStore((s) => s.info);
  const rejected = summary?.rejectedCount ?? 0;
  const runCount = useRunsStore((s) => s.runs.length);
  const running = useRunsStore((s) => s.runs.some((r) => r.state === 'running'));
  const hasRun = useRunsStore((s) => s.currentId !== null);
  return (
    <nav className="nav" aria-label="Pages">
      <NavItem page="start" icon={<HomeIcon />}>
        Start
      </NavItem>
      <div className="nav-section">Trace</div>
      <NavItem page="overview" icon={<ChartIcon />} disabled={!summary}>
        Overview
      </NavItem>
      <NavItem page="jobs" icon={<TableIcon />} disabled={!summary} badge={summary ? <span className="badge">{formatInt(summary.overview.jobCount)}</span> : null}>
        Jobs
      </NavItem>
      <NavItem
        page="rejected"
        icon={<AlertIcon />}
        disabled={!summary}
        badge={summary ? <span className={rejected ? 'badge warn' : 'badge'}>{formatInt(rejected)}</span> : null}
      >
        Rejected rows
      </NavItem>
      <div className="nav-section">Experiments</div>
      <NavItem page="experiment" icon={<FlaskIcon />}>
        Experiment
      </NavItem>
      <NavItem page="run" icon={<PulseIcon />} disabled={!hasRun} badge={running ? <span className="badge live" title="a run is running">live</span> : null}>
        Run
      </NavItem>
      <NavItem page="runs" icon={<ListIcon />} badge={runCount ? <span className="badge">{formatInt(runCount)}</span> : null}>
        Runs
      </NavItem>
      <NavItem page="compare" icon={<CompareIcon />}>
        Compare
      </NavItem>
      <div className="nav-foot">
        {info ? (
          <>
            v{info.version} · {info.backend === 'serve' ? 'browser mode' : info.backend === 'electron-utility' ? 'desktop' : info.backend}
          </>
        ) : (
          'connecting…'
        )}
      </div>
    </nav>
  );
}
