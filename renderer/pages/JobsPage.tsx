import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { JobColumns } from '../../core/api/trace.js';
import { exportCurrent } from '../actions.js';
import { DownloadIcon } from '../components/icons.js';
import type { JobColumnKey } from '../lib/job-view.js';
import { parseQuery, runSec, waitSec } from '../lib/job-view.js';
import { formatClockMinutes, formatDuration, formatInt, formatLimit } from '../lib/format.js';
import type { VirtualColumn } from '../table/VirtualTable.js';
import { VirtualTable } from '../table/VirtualTable.js';
import { useJobTableStore } from '../stores/job-table.js';
import { useTraceStore } from '../stores/trace.js';

function jobColumns(c: JobColumns): VirtualColumn<JobColumnKey>[] {
  return [
    { key: 'line', label: 'Line', width: 60, numeric: true, muted: true, cell: (i) => String(c.line[i]) },
    { key: 'id', label: 'Job ID', width: 86, cell: (i) => c.id[i] },
    { key: 'name', label: 'Name', width: 124, cell: (i) => c.name[i] },
    { key: 'user', label: 'User', width: 70, cell: (i) => c.user[i] },
    { key: 'nodes', label: 'Nodes', width: 58, numeric: true, cell: (i) => String(c.nodes[i]) },
    { key: 'submitSec', label: 'Submitted', width: 132, cell: (i) => formatClockMinutes(c.submitSec[i]) },
    { key: 'startSec', label: 'Started', width: 132, cell: (i) => formatClockMinutes(c.startSec[i]) },
    { key: 'endSec', label: 'Ended', width: 132, cell: (i) => formatClockMinutes(c.endSec[i]) },
    { key: 'waitSec', label: 'Wait', width: 84, numeric: true, cell: (i) => formatDuration(waitSec(c, i)) },
    { key: 'runSec', label: 'Run', width: 84, numeric: true, cell: (i) => formatDuration(runSec(c, i)) },
    { key: 'limitMinutes', label: 'Limit', width: 78, numeric: true, cell: (i) => formatLimit(c.limitMinutes[i]) },
    { key: 'state', label: 'State', width: 80, muted: true, cell: (i) => c.state[i] || (c.startSec[i] === null ? 'pending' : '') },
  ];
}

export function JobsPage() {
  const summary = useTraceStore((s) => s.summary);
  const { status, columns, view, sortKey, sortDir, error } = useJobTableStore();
  const toggleSort = useJobTableStore((s) => s.toggleSort);
  const setQuery = useJobTableStore((s) => s.setQuery);
  const [text, setText] = useState(useJobTableStore.getState().query);
  const deferred = useDeferredValue(text);

  useEffect(() => {
    if (summary) void useJobTableStore.getState().load(summary.traceId);
  }, [summary]);
  useEffect(() => setQuery(deferred), [deferred, setQuery]);

  const tableColumns = useMemo(() => (columns ? jobColumns(columns) : []), [columns]);
  const queryErrors = parseQuery(text).errors;

  return (
    <div className="page" style={{ height: '100%' }} data-testid="jobs-page">
      <div className="page-head">
        <div className="titles">
          <h1>Jobs</h1>
          <div className="sub">Every job read from {summary?.fileName}: sort by any column, filter by text or field.</div>
        </div>
      </div>
      <section className="panel table-wrap">
        <div className="toolbar">
          <input
            className={queryErrors.length ? 'input filter invalid' : 'input filter'}
            type="search"
            placeholder="Filter: text, user:NAME, nodes>=8, wait>2h, limit<=24h"
            aria-label="Filter jobs"
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="job-filter"
          />
          <span className="count" data-testid="job-table-count">
            {columns ? (view.length === columns.count ? `${formatInt(columns.count)} jobs` : `${formatInt(view.length)} of ${formatInt(columns.count)} jobs`) : ''}
            {queryErrors.length ? ` · cannot read: ${queryErrors.join(' ')}` : ''}
          </span>
          <span className="grow" />
          <button type="button" className="btn" onClick={() => void exportCurrent()} disabled={!columns}>
            <DownloadIcon /> Export CSV
          </button>
        </div>
        {status === 'error' && <div className="empty">Could not load the jobs: {error}</div>}
        {status !== 'error' && (
          <VirtualTable
            columns={tableColumns}
            rows={view}
            sortKey={sortKey}
            sortDir={sortDir}
            onSort={toggleSort}
            label="Jobs of the trace"
            testId="job-table"
          />
        )}
      </section>
    </div>
  );
}
