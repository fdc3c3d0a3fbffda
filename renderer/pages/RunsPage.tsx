import type { ReactNode } from 'react';
import { useEffect, useMemo, useState } from 'react';
import type { RunInfo } from '../../core/api/experiment.js';
import { RunAnnotationSchema } from '../../core/api/experiment.js';
import { CompareIcon, FlaskIcon, PlayIcon, RefreshIcon, StopIcon, TrashIcon } from '../components/icons.js';
import { ErrorNotice, useConnected } from '../components/Notices.js';
import { formatClockMinutes, formatDuration, formatNumber } from '../lib/format.js';
import { useCompareStore } from '../stores/compare.js';
import { useRunsStore } from '../stores/runs.js';
import { useUiStore } from '../stores/ui.js';
import { RunStateBadge } from './RunPage.js';
import type { RunSort, RunSortKey } from '../lib/runs-view.js';
import { matchesQuery, parseTags, sortRuns } from '../lib/runs-view.js';
import { ConfigDiffPanel } from '../components/ConfigDiffPanel.js';

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

/** Tags (comma-separated) and a note for one run, saved in its folder. */
function AnnotationEditor({ run, onDone }: { run: RunInfo; onDone: () => void }) {
  const [tags, setTags] = useState((run.tags ?? []).join(', '));
  const [note, setNote] = useState(run.note ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    // Checked here with the back end's own schema, so its messages name the problem before anything is sent.
    const checked = RunAnnotationSchema.safeParse({ tags: parseTags(tags), note: note.trim() });
    if (!checked.success) {
      setError(checked.error.issues.map((i) => (i.path[0] === 'tags' && typeof i.path[1] === 'number' ? `“${parseTags(tags)[i.path[1]]}”: ${i.message}` : i.message)).join('; '));
      return;
    }
    setSaving(true);
    const why = await useRunsStore.getState().annotate(run.id, checked.data);
    setSaving(false);
    if (why) setError(why);
    else onDone();
  };
  return (
    <form
      className="annotation-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      data-testid="annotation-editor"
    >
      <input className="input" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="tags, comma-separated" aria-label="tags" data-testid="tags-input" autoFocus />
      <textarea className="input" value={note} onChange={(e) => setNote(e.target.value)} placeholder="note" aria-label="note" rows={2} data-testid="note-input" />
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
      <div className="row-actions">
        <button type="submit" className="btn small primary" disabled={saving} data-testid="annotation-save">
          Save
        </button>
        <button type="button" className="btn small ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function RunsPage() {
  const runs = useRunsStore((s) => s.runs);
  const loaded = useRunsStore((s) => s.loaded);
  const listError = useRunsStore((s) => s.listError);
  const actionError = useRunsStore((s) => s.actionError);
  const ready = useConnected();
  const navigate = useUiStore((s) => s.navigate);
  const [picked, setPicked] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<RunSort>({ key: 'started', descending: true });
  const [editing, setEditing] = useState<string | null>(null);
  const [diffing, setDiffing] = useState<[string, string] | null>(null);
  const { open, cancel, resume, remove, refresh, dismissError } = useRunsStore.getState();
  const shown = useMemo(() => sortRuns(runs.filter((r) => matchesQuery(r, query)), sort), [runs, query, sort]);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const pickedRuns = picked.flatMap((id) => byId.get(id) ?? []);
  const header = (key: RunSortKey, label: ReactNode, className?: string) => (
    <th className={className} aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="sort-head"
        onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : key === 'started' }))}
        data-testid={`sort-${key}`}
      >
        {label}
        <span className="sort-mark" aria-hidden="true">
          {sort.key === key ? (sort.descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  );

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
        <button
          type="button"
          className="btn"
          onClick={() => setDiffing([picked[0], picked[1]])}
          disabled={picked.length !== 2}
          title="The configs of the two picked runs side by side"
          data-testid="diff-picked"
        >
          Diff configs
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => compare(picked)}
          disabled={pickedRuns.length === 0 || pickedRuns.some((r) => r.state !== 'done')}
          title="Their results side by side (finished runs)"
          data-testid="compare-picked"
        >
          <CompareIcon /> Compare {picked.length ? `(${picked.length})` : ''}
        </button>
        <button type="button" className="btn primary" onClick={() => navigate('experiment')}>
          <FlaskIcon /> New experiment
        </button>
      </div>
      {(listError || actionError) && <ErrorNotice onDismiss={actionError ? dismissError : undefined}>{listError ?? actionError}</ErrorNotice>}
      {diffing && <ConfigDiffPanel ids={diffing} onClose={() => setDiffing(null)} />}
      <section className="panel">
        {runs.length > 0 && (
          <div className="table-tools">
            <input
              className="input search"
              type="search"
              placeholder="Search name, trace, tags, notes… (tag:NAME for a tag)"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              aria-label="Search runs"
              data-testid="runs-search"
            />
            <span className="muted" data-testid="runs-count">
              {shown.length === runs.length ? `${runs.length} runs` : `${shown.length} of ${runs.length} runs`}
            </span>
          </div>
        )}
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
                  <th aria-label="pick to compare or diff" />
                  {header('name', 'run')}
                  {header('state', 'state')}
                  {header('started', 'started (UTC)')}
                  <th className="col-trace">trace</th>
                  <th className="col-progress">progress</th>
                  {header('model', 'model |reward|', 'num')}
                  {header('reactive', 'reactive', 'num')}
                  <th>tags and note</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={10} className="empty" data-testid="runs-none">
                      No run matches “{query}”.
                    </td>
                  </tr>
                )}
                {shown.map((run) => {
                  const model = run.metrics?.[0];
                  const reactive = run.metrics?.find((m) => m.policy === 'reactive');
                  return (
                    <tr key={run.id} data-testid={`run-row-${run.id}`} data-state={run.state}>
                      <td>
                        <input type="checkbox" aria-label={`pick ${run.name}`} checked={picked.includes(run.id)} onChange={() => toggle(run.id)} />
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
                      <td className="nowrap">{formatClockMinutes(run.createdMs / 1000)}</td>
                      <td className="col-trace">{run.traceName}</td>
                      <td className="col-progress">
                        <RunProgress run={run} />
                      </td>
                      <td className="num">{model ? `${formatNumber(model.meanAbsRewardHours, 2)} h` : ''}</td>
                      <td className="num">{reactive ? `${formatNumber(reactive.meanAbsRewardHours, 2)} h` : ''}</td>
                      <td className="annotation">
                        {editing === run.id ? (
                          <AnnotationEditor run={run} onDone={() => setEditing(null)} />
                        ) : (
                          <button type="button" className="annotation-view" onClick={() => setEditing(run.id)} title="Edit tags and note" data-testid={`annotate-${run.id}`}>
                            {(run.tags ?? []).map((t) => (
                              <span key={t} className="tag-chip" data-testid="run-tag">
                                {t}
                              </span>
                            ))}
                            {run.note ? <span className="note-text">{run.note}</span> : null}
                            {!run.tags?.length && !run.note ? <span className="faint">add…</span> : null}
                          </button>
                        )}
                      </td>
                      <td>
                        <div className="row-actions">
                        {run.state === 'running' && (
                          <button type="button" className="btn small" onClick={() => void cancel(run.id)} disabled={!ready}>
                            <StopIcon /> Cancel
                          </button>
                        )}
                        {run.resumable && (
                          <button type="button" className="btn small" onClick={() => void resume(run.id).then(() => openRun(run.id))} disabled={!ready} data-testid={`resume-${run.id}`}>
                            <PlayIcon /> Resume
                          </button>
                        )}
                        {run.state === 'done' && (
                          <button type="button" className="btn small" onClick={() => compare([run.id])}>
                            <CompareIcon /> Compare
                          </button>
                        )}
                        {run.state !== 'running' && (
                          <button type="button" className="btn small ghost icon" aria-label={`delete ${run.name}`} title="Delete this run's folder" disabled={!ready} onClick={() => window.confirm(`Delete run ${run.id} and its files?`) && void remove(run.id)}>
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
