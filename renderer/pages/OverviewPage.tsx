import type { FormEvent, ReactNode } from 'react';
import { useMemo, useState } from 'react';
import type { CapacitySource, TraceSummary } from '../../core/api/trace.js';
import { Chart } from '../charts/Chart.js';
import { histogramOption, queueOption, submissionsOption, utilisationOption } from '../charts/trace-options.js';
import { formatDate, formatDuration, formatDurationCompact, formatInt, formatNumber, formatPercent } from '../lib/format.js';
import { useThemeStore } from '../stores/theme.js';
import { useTraceStore } from '../stores/trace.js';
import { useUiStore } from '../stores/ui.js';

function Kpi({ label, value, note, testId }: { label: string; value: ReactNode; note: ReactNode; testId?: string }) {
  return (
    <div className="panel kpi" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      <div className="note">{note}</div>
    </div>
  );
}

function ChartPanel({ title, hint, span, tall, children, testId }: { title: string; hint: string; span: 2 | 3 | 6; tall?: boolean; children: ReactNode; testId: string }) {
  return (
    <section className={`panel chart-panel span-${span}${tall ? ' tall' : ''}`} data-testid={testId} aria-label={title}>
      <div className="panel-head">
        <h2>{title}</h2>
        <span className="hint">{hint}</span>
      </div>
      <div style={{ padding: '0 4px 4px' }}>{children}</div>
    </section>
  );
}

/** Where the cluster size came from, beside it wherever it is shown. */
export const CAPACITY_SOURCES: Record<CapacitySource, { label: string; title: string }> = {
  given: { label: 'given', title: 'the size you gave' },
  declared: { label: 'from the trace', title: 'the size the trace declares (SWF header)' },
  sample: { label: 'known', title: "the bundled sample's cluster size" },
  inferred: { label: 'inferred', title: 'the most nodes the trace has running at once: a lower bound; type the real size if you know it' },
};

function CapacityField({ summary }: { summary: TraceSummary }) {
  const setCapacity = useTraceStore((s) => s.setCapacity);
  const [text, setText] = useState(String(summary.overview.capacityNodes));
  const value = Number(text);
  const valid = Number.isInteger(value) && value > 0 && value <= 1_000_000;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid && value !== summary.overview.capacityNodes) void setCapacity(value);
  };
  return (
    <form onSubmit={submit} className="field" title="Nodes of the cluster: the utilisation charts are relative to it">
      <label htmlFor="capacity">Capacity</label>
      <input
        id="capacity"
        className={valid ? 'input' : 'input invalid'}
        inputMode="numeric"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={submit}
        aria-invalid={!valid}
      />
      nodes
      <span className="capacity-source" data-testid="capacity-source" title={CAPACITY_SOURCES[summary.overview.capacitySource].title}>
        {CAPACITY_SOURCES[summary.overview.capacitySource].label}
      </span>
    </form>
  );
}

function RejectedNotice({ summary }: { summary: TraceSummary }) {
  const navigate = useUiStore((s) => s.navigate);
  if (summary.rejectedCount === 0) return null;
  const first = summary.rejected[0];
  return (
    <div className="notice" role="status" data-testid="rejected-notice">
      <div className="grow">
        <strong>
          {formatInt(summary.rejectedCount)} {summary.rejectedCount === 1 ? 'row was' : 'rows were'} rejected
        </strong>{' '}
        and left out of every chart.
        {first && (
          <div className="where">
            {first.file}, line {formatInt(first.line)}: {first.reason}
          </div>
        )}
      </div>
      <div className="actions">
        <button type="button" className="btn small" onClick={() => navigate('rejected')}>
          Show rejected rows
        </button>
      </div>
    </div>
  );
}

export function OverviewPage() {
  const summary = useTraceStore((s) => s.summary);
  const theme = useThemeStore((s) => s.chart);
  const overview = summary?.overview;
  const options = useMemo(() => {
    if (!overview) return null;
    return {
      utilisation: utilisationOption(overview.series, overview.capacityNodes, theme),
      queue: queueOption(overview.series, theme),
      submissions: submissionsOption(overview.series, theme),
      wait: histogramOption(overview.waitHistogram, theme, 'wait before start', theme.queue),
      nodes: histogramOption(overview.nodeHistogram, theme, 'nodes per job'),
      limits: histogramOption(overview.limitHistogram, theme, 'time limit', theme.warn),
    };
  }, [overview, theme]);
  if (!summary || !overview || !options) return null;
  const spanDays = overview.firstSubmitSec !== null && overview.lastEndSec !== null ? (overview.lastEndSec - overview.firstSubmitSec) / 86400 : null;
  const w = overview.wait;
  return (
    <div className="page" data-testid="overview-page">
      <div className="page-head">
        <div className="titles">
          <h1>{summary.fileName}</h1>
          <div className="sub">
            {summary.format} format · {formatInt(summary.rows)} rows read · loaded in {formatNumber(summary.loadMs / 1000, 2)} s
            {summary.path ? ` · ${summary.path}` : ''}
          </div>
        </div>
        <CapacityField key={summary.traceId + overview.capacityNodes} summary={summary} />
      </div>
      <RejectedNotice summary={summary} />
      {overview.capacitySource === 'inferred' && (
        <div className="notice" role="status" data-testid="capacity-inferred">
          <div className="grow">
            <strong>The cluster size, {formatInt(overview.capacityNodes)} nodes, is inferred:</strong> it is the most nodes this trace has running at once, a lower
            bound (one wrong row can change it, and with it the utilisation). Type the real size in Capacity above if you know it.
          </div>
        </div>
      )}
      {summary.notes.map((note) => (
        <div key={note} className="notice info">
          <div className="grow">{note}</div>
        </div>
      ))}
      <div className="kpis">
        <Kpi
          label="Jobs"
          testId="kpi-jobs"
          value={<span data-testid="job-count">{formatInt(overview.jobCount)}</span>}
          note={overview.startedCount === overview.jobCount ? 'all started' : `${formatInt(overview.jobCount - overview.startedCount)} never started`}
        />
        <Kpi
          label="Span"
          value={spanDays === null ? '–' : `${formatNumber(spanDays, 1)} days`}
          note={`first submit ${formatDate(overview.firstSubmitSec)} → last end ${formatDate(overview.lastEndSec)}`}
        />
        <Kpi label="Users" value={formatInt(overview.userCount)} note={`${summary.format} trace`} />
        <Kpi label="Utilisation" value={formatPercent(overview.utilisation)} note={`${formatInt(overview.nodeHours)} node-hours used`} />
        <Kpi label="Median wait" value={formatDuration(w.p50Sec)} note={`p90 ${formatDurationCompact(w.p90Sec)} · p99 ${formatDurationCompact(w.p99Sec)}`} />
        <Kpi label="Mean wait" value={formatDuration(w.meanSec)} note={`longest ${formatDurationCompact(w.maxSec)}`} />
      </div>
      <div className="charts">
        <ChartPanel title="Utilisation vs capacity" hint="running nodes, hourly · scroll or drag to zoom" span={6} tall testId="chart-utilisation">
          <Chart option={options.utilisation} group="trace-time" label="Running nodes per hour against the cluster capacity" testId="chart-utilisation-canvas" />
        </ChartPanel>
        <ChartPanel title="Queue length" hint="jobs waiting, hourly" span={3} testId="chart-queue">
          <Chart option={options.queue} group="trace-time" label="Jobs waiting in the queue per hour" testId="chart-queue-canvas" />
        </ChartPanel>
        <ChartPanel title="Submissions" hint="jobs submitted per hour" span={3} testId="chart-submissions">
          <Chart option={options.submissions} group="trace-time" label="Jobs submitted per hour" testId="chart-submissions-canvas" />
        </ChartPanel>
        <ChartPanel title="Wait-time distribution" hint="started jobs" span={2} testId="chart-wait">
          <Chart option={options.wait} label="Histogram of wait times" testId="chart-wait-canvas" />
        </ChartPanel>
        <ChartPanel title="Nodes per job" hint="all jobs" span={2} testId="chart-nodes">
          <Chart option={options.nodes} label="Histogram of node counts" testId="chart-nodes-canvas" />
        </ChartPanel>
        <ChartPanel title="Time limits" hint="requested wall-clock limit" span={2} testId="chart-limits">
          <Chart option={options.limits} label="Histogram of time limits" testId="chart-limits-canvas" />
        </ChartPanel>
      </div>
      <PartitionsPanel overview={overview} />
    </div>
  );
}

/** A trace of several partitions: what each holds, and its size (inferred ones said so). */
function PartitionsPanel({ overview }: { overview: TraceSummary['overview'] }) {
  if (overview.partitions.length < 2) return null;
  return (
    <section className="panel" aria-label="Partitions" data-testid="partitions">
      <div className="panel-head">
        <h2>Partitions</h2>
        <span className="hint">sizes not given by the trace are inferred: the most nodes its jobs hold at once, a lower bound</span>
      </div>
      <div className="panel-body">
        <table className="plain-table">
          <thead>
            <tr>
              <th>partition</th>
              <th className="num">jobs</th>
              <th className="num">simulatable</th>
              <th className="num">median nodes</th>
              <th className="num">max nodes</th>
              <th className="num">size</th>
            </tr>
          </thead>
          <tbody>
            {overview.partitions.map((p) => (
              <tr key={p.name}>
                <td>{p.name || '(none)'}</td>
                <td className="num">{formatInt(p.jobCount)}</td>
                <td className="num">{formatInt(p.simulatableCount)}</td>
                <td className="num">{formatNumber(p.medianNodes, 1)}</td>
                <td className="num">{formatInt(p.maxNodes)}</td>
                <td className="num">
                  {formatInt(p.capacityNodes)} nodes{p.capacityInferred ? ' (inferred)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
