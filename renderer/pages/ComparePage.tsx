import type { ReactNode } from 'react';
import { useEffect, useMemo, useState } from 'react';
import type { CompareData, ExportKind, SampleTimeline } from '../../core/api/experiment.js';
import { policyColors } from '../../core/charts/index.js';
import { exportChartPng, exportRunFile } from '../actions.js';
import { Chart } from '../charts/Chart.js';
import type { CompareChart } from '../charts/compare-options.js';
import { compareOptions, identicalPolicies, recordsByPolicy, sampleAtTimelinePoint, tradeoffChartOption } from '../charts/compare-options.js';
import { sampleTimelineOption, timelineMarkColors } from '../charts/experiment-options.js';
import { CurvesPanel } from '../components/CurvesPanel.js';
import { DownloadIcon, FlaskIcon } from '../components/icons.js';
import { ErrorNotice } from '../components/Notices.js';
import { formatClockMinutes, formatDuration, formatFixed, formatInt, formatNumber, formatPercent } from '../lib/format.js';
import { services } from '../services.js';
import { useCompareStore } from '../stores/compare.js';
import { useConnectionStore } from '../stores/connection.js';
import { useRunsStore } from '../stores/runs.js';
import { useThemeStore } from '../stores/theme.js';
import { useUiStore } from '../stores/ui.js';

const CHARTS: { key: CompareChart; title: string; hint: string; span: 2 | 3 | 6; tall?: boolean }[] = [
  { key: 'cdf', title: 'CDF of rewards', hint: 'further left and steeper at 0 is better', span: 3, tall: true },
  { key: 'box', title: 'Rewards per policy', hint: 'box: quartiles, whiskers 1.5 IQR, diamond: mean', span: 3, tall: true },
  { key: 'timeline', title: 'Reward per sample over time', hint: 'click a point to replay that sample', span: 6, tall: true },
  { key: 'metrics', title: 'Mean interruption, overlap and |reward|', hint: 'hours, lower is better', span: 2 },
  { key: 'zero', title: 'Samples with zero interruption', hint: 'higher is better', span: 2 },
  { key: 'levels', title: 'Mean |reward| by load level', hint: "by the reactive baseline's interruption", span: 2 },
];

function ChartPanel({ title, hint, span, tall, testId, children, onPng }: { title: string; hint: string; span: 2 | 3 | 6; tall?: boolean; testId: string; children: ReactNode; onPng: () => void }) {
  return (
    <section className={`panel chart-panel span-${span}${tall ? ' tall' : ''}`} data-testid={testId} aria-label={title}>
      <div className="panel-head">
        <h2>{title}</h2>
        <span className="hint">{hint}</span>
        <span className="right">
          <button type="button" className="btn small ghost" onClick={onPng} title="Save this chart as PNG">
            PNG
          </button>
        </span>
      </div>
      <div style={{ padding: '0 4px 4px' }}>{children}</div>
    </section>
  );
}

const hours = (v: number) => `${formatFixed(v, 3)} h`;

/** The best value of a column (lowest, or highest for shares), to highlight; null when all are equal. */
function bestOf(values: number[], higherIsBetter = false): number | null {
  if (values.length < 2) return null;
  const best = higherIsBetter ? Math.max(...values) : Math.min(...values);
  return values.every((v) => v === best) ? null : best;
}

function SummaryTable({ data }: { data: CompareData }) {
  const colors = policyColors(data.policies.map((p) => p.policy));
  const best = {
    abs: bestOf(data.policies.map((p) => p.meanAbsRewardHours)),
    interruption: bestOf(data.policies.map((p) => p.meanInterruptionHours)),
    overlap: bestOf(data.policies.map((p) => p.meanOverlapHours)),
    zero: bestOf(data.policies.map((p) => p.zeroInterruptionShare), true),
  };
  const mark = (value: number, bestValue: number | null) => (bestValue !== null && value === bestValue ? 'num best' : 'num');
  const baselines = data.policies.filter((p) => p.isBaseline);
  const bestBaseline = baselines.length ? baselines.reduce((a, b) => (b.meanAbsRewardHours < a.meanAbsRewardHours ? b : a)) : null;
  const levels = ['low', 'medium', 'heavy'] as const;
  const limits = { low: '≤ 2 h', medium: '2–12 h', heavy: '> 12 h' };
  const head = { low: 'low', medium: 'medium', heavy: 'heavy' };
  return (
    <table className="plain-table summary-table" data-testid="summary-table">
      <thead>
        <tr>
          <th rowSpan={2}>policy</th>
          <th rowSpan={2} className="num">
            samples
          </th>
          <th rowSpan={2} className="num">
            mean |reward|
          </th>
          <th rowSpan={2} className="num">
            mean interruption
          </th>
          <th rowSpan={2} className="num">
            mean overlap
          </th>
          <th rowSpan={2} className="num">
            zero interruption
          </th>
          <th colSpan={3} className="group" title="mean |reward| of the samples, by the reactive baseline's interruption">
            mean |reward| by load level
          </th>
        </tr>
        <tr>
          {levels.map((l) => (
            <th key={l} className="num" title={`mean |reward| of the samples where the reactive baseline is interrupted ${limits[l]}`}>
              {head[l]}
              <div className="faint">
                {limits[l]}, n={data.loadLevelCounts[l]}
              </div>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {data.policies.map((p, i) => (
          <tr key={p.policy} data-policy={p.policy}>
            <td className="policy">
              <span className="swatch" style={{ background: colors[i] }} /> {p.policy}
              {p.isBaseline ? <span className="tag">baseline</span> : null}
            </td>
            <td className="num">{p.n}</td>
            <td className={`${mark(p.meanAbsRewardHours, best.abs)} strong`}>
              {hours(p.meanAbsRewardHours)}
              {!p.isBaseline && bestBaseline && <Difference value={p.meanAbsRewardHours - bestBaseline.meanAbsRewardHours} against={bestBaseline.policy} />}
            </td>
            <td className={mark(p.meanInterruptionHours, best.interruption)}>{hours(p.meanInterruptionHours)}</td>
            <td className={mark(p.meanOverlapHours, best.overlap)}>{hours(p.meanOverlapHours)}</td>
            <td className={mark(p.zeroInterruptionShare, best.zero)}>{formatPercent(p.zeroInterruptionShare)}</td>
            {levels.map((l) => (
              <td key={l} className="num">
                {p.loadLevels[l] ? hours(p.loadLevels[l]!.meanAbsRewardHours) : '–'}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Policies with exactly the same rewards as another, one notice per original: both are drawn, and the page says how. */
function IdenticalNotes({ data }: { data: CompareData }) {
  const groups = new Map<string, string[]>();
  for (const [policy, first] of identicalPolicies(data)) groups.set(first, [...(groups.get(first) ?? []), policy]);
  return [...groups].map(([first, same]) => (
    <div key={first} className="notice info" role="status" data-testid="identical-note">
      <div className="grow">
        {same.map((p, i) => (
          <span key={p}>
            {i > 0 && (i === same.length - 1 ? ' and ' : ', ')}
            <strong>{p}</strong>
          </span>
        ))}{' '}
        {same.length === 1 ? 'gives' : 'give'} exactly the same reward as <strong>{first}</strong> on every sample: drawn dashed over its line, and marked “(= {first})” in
        the legends.
      </div>
    </div>
  ));
}

/** A model's mean |reward| against the best baseline: better (green), worse (red), or the same. */
function Difference({ value, against }: { value: number; against: string }) {
  const same = Math.abs(value) < 0.0005;
  return (
    <div className={`diff ${same ? 'same' : value < 0 ? 'better' : 'worse'}`} data-testid="baseline-diff" title={`mean |reward| minus ${against}'s`}>
      {same ? `= ${against}` : `${value < 0 ? '−' : '+'}${formatNumber(Math.abs(value), 3)} h vs ${against}`}
    </div>
  );
}

function TimelineFacts({ t, marks }: { t: SampleTimeline; marks: Record<'submit' | 'predEnd' | 'succStart', string> }) {
  const reward = t.rewardSeconds / 3600;
  const rows: [string, string, string | null][] = [
    ['sample start', formatClockMinutes(t.sampleStartSec), null],
    ['predecessor submitted', formatClockMinutes(t.predSubmitSec), null],
    ['predecessor starts', `${formatClockMinutes(t.predStartSec)} (waited ${formatDuration(t.predStartSec - t.predSubmitSec)})`, null],
    ['predecessor ends', formatClockMinutes(t.predEndSec), marks.predEnd],
    ['successor submitted', `${formatClockMinutes(t.succSubmitSec)} (${formatDuration(Math.abs(t.predEndSec - t.succSubmitSec))} ${t.succSubmitSec <= t.predEndSec ? 'before' : 'after'} the end)`, marks.submit],
    ['successor starts', `${formatClockMinutes(t.succStartSec)} (waited ${formatDuration(t.succStartSec - t.succSubmitSec)})`, marks.succStart],
  ];
  // The reading just before the submission: the jobs ahead of the successor.
  const before = t.queue.pending[Math.max(0, Math.min(t.queue.pending.length - 1, Math.ceil((t.succSubmitSec - t.queue.startSec) / t.queue.stepSec) - 1))];
  return (
    <div className="timeline-facts">
      <div className={`reward-badge ${reward > 0 ? 'bad' : reward < 0 ? 'warn' : 'ok'}`} data-testid="sample-reward">
        {reward > 0 ? `${formatNumber(reward, 2)} h interruption` : reward < 0 ? `${formatNumber(-reward, 2)} h overlap` : 'seamless hand-over'}
      </div>
      <dl>
        {rows.map(([k, v, color]) => (
          <div key={k}>
            <dt>
              {color && <span className="mark-swatch" style={{ borderColor: color }} />}
              {k}
            </dt>
            <dd>{v}</dd>
          </div>
        ))}
        <div>
          <dt>queue when submitted</dt>
          <dd>
            {formatInt(before)} {before === 1 ? 'job' : 'jobs'} waiting
          </dd>
        </div>
      </dl>
      {!t.matchesRecord && <div className="form-error">The replay does not reproduce the recorded start: the trace or the tool version changed since this run.</div>}
    </div>
  );
}

function SamplePanel({ data }: { data: CompareData }) {
  const sample = useCompareStore((s) => s.sample);
  const timeline = useCompareStore((s) => s.timeline);
  const pickSample = useCompareStore((s) => s.pickSample);
  const theme = useThemeStore((s) => s.chart);
  const groups = useMemo(() => recordsByPolicy(data), [data]);
  const colors = policyColors(data.policies.map((p) => p.policy));
  const policy = sample?.policy ?? data.policies[0]?.policy ?? '';
  const indices = groups.find(([p]) => p === policy)?.[1].map((r) => r.index) ?? [];
  const color = colors[data.policies.findIndex((p) => p.policy === policy)] ?? theme.accent;
  const option = useMemo(() => (timeline?.data ? sampleTimelineOption(timeline.data, theme, { model: color }) : null), [timeline, theme, color]);
  const reward = timeline?.data?.rewardSeconds ?? 0;
  const marks = timelineMarkColors(theme, reward);
  return (
    <section className="panel" aria-label="Sample timeline" data-testid="sample-panel">
      <div className="panel-head">
        <h2>Sample timeline</h2>
        <span className="hint">the chain's two jobs and the queue around them, replayed in the simulator</span>
        <span className="right sample-picker">
          <select className="input" value={policy} onChange={(e) => void pickSample(e.target.value, sample?.index ?? indices[0] ?? 0)} aria-label="policy" data-testid="sample-policy">
            {data.policies.map((p) => (
              <option key={p.policy} value={p.policy}>
                {p.policy}
              </option>
            ))}
          </select>
          <select className="input" value={sample?.index ?? ''} onChange={(e) => void pickSample(policy, Number(e.target.value))} aria-label="sample" data-testid="sample-index">
            {!sample && <option value="">sample…</option>}
            {indices.map((i) => {
              const r = data.records.find((x) => x.policy === policy && x.index === i)!;
              return (
                <option key={i} value={i}>
                  #{i} · {formatClockMinutes(r.sampleStartSec)} · {formatNumber(r.rewardSeconds / 3600, 2)} h
                </option>
              );
            })}
          </select>
        </span>
      </div>
      {!sample && <div className="empty">Click a point of “Reward per sample over time”, or pick a sample here, to see its predecessor, the successor's submission and start, and the queue length around it.</div>}
      {timeline?.status === 'loading' && <div className="empty">Replaying sample #{sample?.index}…</div>}
      {timeline?.status === 'error' && <div className="notice error inset">{timeline.error}</div>}
      {timeline?.data && option && (
        <div className="timeline-body" data-testid="sample-timeline" data-index={timeline.data.index}>
          <TimelineFacts t={timeline.data} marks={marks} />
          <div className="timeline-chart">
            <Chart option={option} label={`Timeline of sample ${timeline.data.index} under ${timeline.data.policy}`} testId="chart-sample-canvas" />
          </div>
        </div>
      )}
    </section>
  );
}

const EXPORTS: { kind: ExportKind; label: string; title: string }[] = [
  { kind: 'reward.log', label: 'reward.log', title: "The model's rewards in the reference's format" },
  { kind: 'rewards.csv', label: 'rewards.csv', title: 'Every policy, every sample' },
  { kind: 'summary.json', label: 'summary.json', title: 'The summary, by policy and load level' },
  { kind: 'report.html', label: 'report (HTML, charts inside)', title: 'report.md with its charts, as one file' },
  { kind: 'report.md', label: 'report.md', title: 'The Markdown report (charts are separate SVGs)' },
  { kind: 'config.json', label: 'config.json', title: 'The experiment, for mirage run --config' },
];

function ExportPanel({ data }: { data: CompareData }) {
  const [runId, setRunId] = useState(data.runs[0]?.id ?? '');
  const [charts, setCharts] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const id = data.runs.some((r) => r.id === runId) ? runId : (data.runs[0]?.id ?? '');
  useEffect(() => {
    if (!id) return;
    let live = true;
    void services()
      .client.call('runs.get', { runId: id })
      .then((d) => live && setCharts(d.charts))
      .catch(() => live && setCharts([]));
    return () => {
      live = false;
    };
  }, [id]);
  const save = async (kind: ExportKind, chart?: string) => {
    setMessage(null);
    try {
      const where = await exportRunFile(id, kind, chart);
      if (where) setMessage(`Saved ${where}`);
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section className="panel" aria-label="Export" data-testid="export-panel">
      <div className="panel-head">
        <h2>Export</h2>
        <span className="hint">the files mirage run writes, through a save dialog</span>
        {data.runs.length > 1 && (
          <span className="right">
            <select className="input" value={id} onChange={(e) => setRunId(e.target.value)} aria-label="run to export">
              {data.runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.id})
                </option>
              ))}
            </select>
          </span>
        )}
      </div>
      <div className="panel-body export-body">
        <div className="export-row">
          {EXPORTS.map((e) => (
            <button key={e.kind} type="button" className="btn" title={e.title} onClick={() => void save(e.kind)} data-testid={`export-${e.kind}`}>
              <DownloadIcon /> {e.label}
            </button>
          ))}
        </div>
        {charts.length > 0 && (
          <div className="export-row">
            <span className="muted">Charts (SVG, as in the report):</span>
            {charts.map((c) => (
              <button key={c} type="button" className="btn small" onClick={() => void save('chart', c)}>
                {c}
              </button>
            ))}
          </div>
        )}
        {message && <div className="muted" role="status">{message}</div>}
      </div>
    </section>
  );
}

/**
 * Is the difference real? The first run's sentences (block-bootstrap intervals,
 * McNemar) and its trade-off chart, as in its report.md.
 */
function EvidencePanel({ data }: { data: CompareData }) {
  const theme = useThemeStore((s) => s.chart);
  const option = useMemo(() => tradeoffChartOption(data, theme), [data, theme]);
  const sentences = data.evidence?.sentences ?? [];
  if (sentences.length === 0 && !option) return null;
  return (
    <div className="charts">
      {sentences.length > 0 && (
        <section className="panel chart-panel span-3 tall" aria-label="Is the difference real?" data-testid="compare-evidence">
          <div className="panel-head">
            <h2>Is the difference real?</h2>
            <span className="hint">{data.runs[0]?.name}: 95 % block-bootstrap intervals, model minus baseline</span>
          </div>
          <div className="panel-body">
            <ul className="evidence">
              {sentences.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
        </section>
      )}
      {option && (
        <ChartPanel title="Interruption against overlap" hint="the model over its threshold; diamond: the rule chosen on held-out training samples" span={3} tall testId="compare-tradeoff" onPng={() => void exportChartPng('chart-tradeoff-canvas', 'tradeoff.png')}>
          <Chart option={option} label="Interruption against overlap" testId="chart-tradeoff-canvas" />
        </ChartPanel>
      )}
    </div>
  );
}

export function ComparePage() {
  const selected = useCompareStore((s) => s.selected);
  const status = useCompareStore((s) => s.status);
  const data = useCompareStore((s) => s.data);
  const error = useCompareStore((s) => s.error);
  const { toggle, pickSample, load } = useCompareStore.getState();
  const runs = useRunsStore((s) => s.runs);
  const theme = useThemeStore((s) => s.chart);
  const ready = useConnectionStore((s) => s.status.state === 'ready');
  const navigate = useUiStore((s) => s.navigate);
  const done = runs.filter((r) => r.state === 'done');
  const options = useMemo(() => (data ? compareOptions(data, theme) : null), [data, theme]);

  useEffect(() => {
    if (!ready) return;
    void useRunsStore.getState().refresh();
    if (useCompareStore.getState().selected.length) void load();
  }, [ready, load]);

  return (
    <div className="page" data-testid="compare-page">
      <div className="page-head">
        <div className="titles">
          <h1>Compare</h1>
          <div className="sub">Models of the chosen runs against the baselines of the first · the charts of the CLI's report · reward = successor start − predecessor end</div>
        </div>
      </div>
      <section className="panel run-picker" aria-label="Runs to compare">
        <span className="preset-label">Runs</span>
        {done.length === 0 && <span className="muted">No finished run yet.</span>}
        {done.map((r) => (
          <label key={r.id} className={`chip${selected.includes(r.id) ? ' active' : ''}`} title={r.id}>
            <input type="checkbox" checked={selected.includes(r.id)} onChange={() => toggle(r.id)} />
            {r.name} <span className="faint">{formatClockMinutes(r.createdMs / 1000)}</span>
          </label>
        ))}
      </section>
      {data?.notes.map((n) => (
        <div key={n} className="notice" role="status">
          <div className="grow">{n}</div>
        </div>
      ))}
      {data && <IdenticalNotes data={data} />}
      {error && <ErrorNotice>{error}</ErrorNotice>}
      {selected.length === 0 && (
        <div className="panel empty-state">
          <h2>Pick runs to compare</h2>
          <p>Their models are drawn against the reactive, average and quantile baselines validated on the same samples.</p>
          <div className="row">
            <button type="button" className="btn" onClick={() => navigate('experiment')}>
              <FlaskIcon /> New experiment
            </button>
          </div>
        </div>
      )}
      {status === 'loading' && !data && <div className="empty">Reading the runs' results…</div>}
      {data && options && (
        <>
          <section className="panel" aria-label="Summary" data-testid="compare-summary">
            <div className="panel-head">
              <h2>Summary</h2>
              <span className="hint">hours · load levels classify samples by the reactive baseline's interruption</span>
            </div>
            <div className="panel-body" style={{ paddingTop: 6, overflowX: 'auto' }}>
              <SummaryTable data={data} />
            </div>
          </section>
          <div className="charts">
            {CHARTS.map((c) => (
              <ChartPanel key={c.key} title={c.title} hint={c.hint} span={c.span} tall={c.tall} testId={`compare-${c.key}`} onPng={() => void exportChartPng(`chart-${c.key}-canvas`, `${c.key}.png`)}>
                <Chart
                  option={options[c.key]}
                  label={c.title}
                  testId={`chart-${c.key}-canvas`}
                  onClick={
                    c.key === 'timeline'
                      ? ({ seriesName, dataIndex }) => {
                          const index = sampleAtTimelinePoint(data, seriesName, dataIndex);
                          if (index !== null) void pickSample(seriesName, index);
                        }
                      : undefined
                  }
                />
              </ChartPanel>
            ))}
          </div>
          <EvidencePanel data={data} />
          <CurvesPanel data={data} />
          <SamplePanel data={data} />
          <ExportPanel data={data} />
        </>
      )}
    </div>
  );
}
