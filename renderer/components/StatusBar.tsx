import { useConnectionStore } from '../stores/connection.js';
import { useTasksStore } from '../stores/tasks.js';
import { useTraceStore } from '../stores/trace.js';
import { formatAmount, formatDuration } from '../lib/format.js';
import { useRunsStore } from '../stores/runs.js';
import { useUiStore } from '../stores/ui.js';

function ConnectionState() {
  const status = useConnectionStore((s) => s.status);
  const info = useConnectionStore((s) => s.info);
  const where = info ? (info.backend === 'serve' ? 'mirage serve' : info.backend === 'electron-utility' ? 'utility process' : 'in-process') : 'back end';
  switch (status.state) {
    case 'ready':
      return (
        <span data-testid="connection-state">
          <span className="dot ok" />
          Connected to {where}
        </span>
      );
    case 'starting':
      return (
        <span data-testid="connection-state">
          <span className="dot warn" />
          Connecting…
        </span>
      );
    case 'crashed':
    case 'restarting':
      return (
        <span data-testid="connection-state">
          <span className="dot bad" />
          Back end restarting…
        </span>
      );
    default:
      return (
        <span data-testid="connection-state" title={status.detail}>
          <span className="dot bad" />
          Disconnected
        </span>
      );
  }
}

function RunningTask() {
  const task = useTasksStore((s) => s.tasks.findLast((t) => t.state === 'running'));
  const cancel = useTasksStore((s) => s.cancel);
  if (!task) return null;
  const p = task.progress;
  const share = p && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  return (
    <span>
      {task.title}
      {' '}
      <span className="mini-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={share === null ? undefined : Math.round(share * 100)}>
        <div style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
      </span>{' '}
      {p ? `${formatAmount(p.done, p.unit)} / ${formatAmount(p.total, p.unit)}` : ''}{' '}
      <button type="button" className="btn ghost small" onClick={() => cancel(task.id)}>
        Cancel
      </button>
    </span>
  );
}

/** The experiment running in the back end, whichever page is shown: click to watch it. */
function RunningExperiment() {
  const run = useRunsStore((s) => s.runs.find((r) => r.state === 'running'));
  if (!run) return null;
  const stage = run.stages.find((s) => s.state === 'running');
  const p = stage?.progress;
  const share = p && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  const watch = () => {
    void useRunsStore.getState().open(run.id);
    useUiStore.getState().navigate('run');
  };
  return (
    <button type="button" className="status-run" onClick={watch} title="Watch the running experiment" data-testid="status-run">
      <span className="dot live" />
      {run.name}: {stage?.name ?? 'starting'}{' '}
      <span className="mini-progress">
        <div style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
      </span>
      {p?.etaSec != null ? ` ${formatDuration(p.etaSec)} left` : ''}
    </button>
  );
}

export function StatusBar() {
  const summary = useTraceStore((s) => s.summary);
  return (
    <footer className="statusbar">
      <ConnectionState />
      <RunningTask />
      <RunningExperiment />
      <span className="grow" />
      {summary && (
        <span title={`sha256 ${summary.sha256}`}>
          sha256 <span className="mono">{summary.sha256.slice(0, 12)}</span>
        </span>
      )}
      <span>times: cluster clock</span>
    </footer>
  );
}
