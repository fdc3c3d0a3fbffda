import { useEffect, useState } from 'react';
import type { RunInfo } from '../../core/api/experiment.js';
import { CompareIcon, FlaskIcon, PlayIcon, RefreshIcon, StopIcon, TrashIcon } from '../components/icons.js';
import { ErrorNotice } from '../components/Notices.js';
import { formatClock, formatDuration, formatNumber } from '../lib/format.js';
import { useCompareStore } from '../stores/compare.js';
import { useConnectionStore } from '../stores/connection.js';
import { useRunsStore } from '../stores/runs.js';
import { useUiStore } from '../stores/ui.js';
import { RunStateBadge } from './RunPage.js';

/** Where a run is: the running stage and its share, or how it ended. */
function RunProgress({ run }: { run: RunInfo }) {
  if (run.state !== 'running') {
    const took = run.finishedMs ? formatDuration((run.finishedMs - run.createdMs) / 1000) : '';
    const reused = run.stages.filter((s) => s.state === 'reused').length;
    return (
      <span className="muted">
        {took}
        {reused ? ` · ${reused} reused` : ''}
      </span>
    );
  }
  const stage = run.stages.find((s) => s.state === 'running');
  const p = stage?.progress;
  const share = p && p.total > 0 ? p.done / p.total : null;
  return (
    <span>
      {stage?.name ?? 'starting'}{' '}
      <span className="mini-progress">
        <div style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
      </span>
      {p?.etaSec != null ? ` ${formatDuration(p.etaSec)} left` : ''}
    </span>
  );
}

export function RunsPage() {
  const runs = useRunsStore((s) => s.runs);
  const loaded = useRunsStore((s) => s.loaded);
  const listError = useRunsStore((s) => s.listError);
  const actionError = useRunsStore((s) => s.actionError);
  const ready = useConnectionStore((s) => s.status.state === 'ready');
  const navigate = useUiStore((s) => s.navigate);
  const [picked, setPicked] = useState<string[]>([]);
  const { open, cancel, resume, remove, refresh, dismissError } = useRunsStore.getState();

  useEffect(() => {
    if (ready) void useRunsStore.getState().refresh();
  }, [ready]);

  const openRun = (id: string) => {
    void open(id);
    navigate('run');
  };
  const compare = (ids: string[]) => {
    useCompareStore.getState().setSelected(ids);
    navigate('compare');
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const pickable = (r: RunInfo) => r.state === 'done';

  return (
    <div className="page" data-testid="runs-page">
      <div className="page-head">
        <div className="titles">
          <h1>Runs</h1>
          <div className="sub">Every experiment is kept on disk with its config, status, curves and results; a run stopped by closing the app can be resumed.</div>
        </div>
        <button type="button" className="btn ghost" onClick={() => void refresh()} title="Read the runs folder again">
          <RefreshIcon /> Refresh
        </button>
        <button type="button" className="btn" onClick={() => compare(picked)} disabled={picked.length === 0} data-testid="compare-picked">
          <CompareIcon /> Compare {picked.length ? `(${picked.length})` : ''}
        </button>
        <button type="button" className="btn primary" onClick={() => navigate('experiment')}>
          <FlaskIcon /> New experiment
        </button>
      </div>
      {(listError || actionError) && <ErrorNotice onDismiss={actionError ? dismissError : undefined}>{listError ?? actionError}</ErrorNotice>}
      <section className="panel">
        {loaded && runs.length === 0 ? (
          <div className="empty-state">
            <h2>No runs yet</h2>
            <p>Configure an experiment (or pick the quick preset) and press Run.</p>
          </div>
        ) : (
          <div className="scroll-box" style={{ maxHeight: 'none' }}>
            <table className="plain-table runs-table" data-testid="runs-table">
              <thead>
                <tr>
                  <th aria-label="pick for comparison" />
                  <th>run</th>
                  <th>state</th>
                  <th>started (UTC)</th>
                  <th>trace</th>
                  <th>progress</th>
                  <th className="num">model |reward|</th>
                  <th className="num">reactive</th>
                  <th>backend</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => {
                  const model = run.metrics?.[0];
                  const reactive = run.metrics?.find((m) => m.policy === 'reactive');
                  return (
                    <tr key={run.id} data-testid={`run-row-${run.id}`} data-state={run.state}>
                      <td>
                        <input type="checkbox" aria-label={`compare ${run.name}`} disabled={!pickable(run)} checked={picked.includes(run.id)} onChange={() => toggle(run.id)} />
                      </td>
                      <td>
                        <button type="button" className="link" onClick={() => openRun(run.id)}>
                          {run.name}
                        </button>
                        <div className="mono faint">{run.id}</div>
                      </td>
                      <td>
                        <RunStateBadge state={run.state} />
                        {run.origin === 'cli' && <span className="badge" title="a mirage run output folder">CLI</span>}
                      </td>
                      <td className="nowrap">{formatClock(run.createdMs / 1000)}</td>
                      <td>{run.traceName}</td>
                      <td>
                        <RunProgress run={run} />
                      </td>
                      <td className="num">{model ? `${formatNumber(model.meanAbsRewardHours, 2)} h` : ''}</td>
                      <td className="num">{reactive ? `${formatNumber(reactive.meanAbsRewardHours, 2)} h` : ''}</td>
                      <td className="faint">{run.backend?.split(' ')[0] ?? ''}</td>
                      <td>
                        <div className="row-actions">
                        {run.state === 'running' && (
                          <button type="button" className="btn small" onClick={() => void cancel(run.id)}>
                            <StopIcon /> Cancel
                          </button>
                        )}
                        {run.resumable && (
                          <button type="button" className="btn small" onClick={() => void resume(run.id).then(() => openRun(run.id))} data-testid={`resume-${run.id}`}>
                            <PlayIcon /> Resume
                          </button>
                        )}
                        {run.state === 'done' && (
                          <button type="button" className="btn small" onClick={() => compare([run.id])}>
                            <CompareIcon /> Compare
                          </button>
                        )}
                        {run.state !== 'running' && (
                          <button type="button" className="btn small ghost icon" aria-label={`delete ${run.name}`} title="Delete this run's folder" onClick={() => window.confirm(`Delete run ${run.id} and its files?`) && void remove(run.id)}>
                            <TrashIcon />
                          </button>
                        )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
