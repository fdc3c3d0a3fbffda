import { useEffect, useMemo } from 'react';
import { Chart } from '../charts/Chart.js';
import { WINDOW_COLORS, windowsOption } from '../charts/experiment-options.js';
import { ConfigField, ConfigFields } from '../components/ConfigForm.js';
import { FileIcon, FolderIcon, PlayIcon, SaveIcon } from '../components/icons.js';
import { useConnected } from '../components/Notices.js';
import { RichText } from '../components/RichText.js';
import type { FormField, FormSection } from '../lib/config-form.js';
import { allFields, experimentFormModel, getAt } from '../lib/config-form.js';
import { formatDate, formatInt } from '../lib/format.js';
import { experimentWindows, windowWarnings } from '../lib/windows.js';
import type { SampleWindow } from '../lib/windows.js';
import { services } from '../services.js';
import { useConnectionStore } from '../stores/connection.js';
import { useExperimentStore } from '../stores/experiment.js';
import { useRunsStore } from '../stores/runs.js';
import { useThemeStore } from '../stores/theme.js';
import { useUiStore } from '../stores/ui.js';

const DEFAULT_TRACE = 'assets/traces/ls6-a100.log';

/** trace.path as a choice among the traces this back end can read (and, on the desktop, any file). */
function TracePicker({ value, onChange }: { value: unknown; onChange: (v: unknown) => void }) {
  const traces = useExperimentStore((s) => s.traces);
  const canReadPaths = useConnectionStore((s) => s.info?.canReadPaths ?? false);
  const current = typeof value === 'string' && value !== '' ? value : DEFAULT_TRACE;
  const known = traces.some((t) => t.path === current);
  const browse = async () => {
    const picked = await services().host.pickTraceFile();
    if (picked?.kind === 'path') onChange(picked.path);
  };
  return (
    <span className="trace-picker">
      <select id="cfg-trace-path" className="input" value={known ? current : '__other'} onChange={(e) => onChange(e.target.value === DEFAULT_TRACE ? undefined : e.target.value)} data-testid="trace-select">
        {traces.map((t) => (
          <option key={t.path} value={t.path}>
            {t.label}
          </option>
        ))}
        {!known && <option value="__other">{current}</option>}
      </select>
      {canReadPaths && (
        <button type="button" className="btn" onClick={() => void browse()}>
          <FolderIcon /> Browse…
        </button>
      )}
    </span>
  );
}

/** A period's window; `configured`: the samples the form asks for (the run keeps fewer when their replay would reach the validation period). */
function WindowLegend({ w, configured }: { w: SampleWindow | null; configured: number }) {
  if (!w) return null;
  return (
    <span className="window-legend" data-testid={`window-${w.kind}`}>
      <span className="swatch" style={{ background: WINDOW_COLORS[w.kind] }} />
      <strong>{w.kind === 'training' ? 'Training' : 'Validation'}</strong> {formatDate(w.fromSec)} → {formatDate(w.toSec)} · {formatInt(w.samples)}
      {w.samples !== configured ? ` of ${formatInt(configured)}` : ''} samples
    </span>
  );
}

function TracePanel({ model }: { model: FormSection }) {
  const draft = useExperimentStore((s) => s.draft);
  const check = useExperimentStore((s) => s.check);
  const lastValid = useExperimentStore((s) => s.lastValid);
  const range = useExperimentStore((s) => s.range);
  const setField = useExperimentStore((s) => s.setField);
  const theme = useThemeStore((s) => s.chart);
  const trace = model.sections.find((s) => s.key === 'trace')!;
  const pathField = trace.fields.find((f) => f.key === 'path')!;
  const shown = check.config ?? lastValid;
  const windows = useMemo(() => (shown ? experimentWindows(shown) : { training: null, validation: null }), [shown]);
  const data = range?.status === 'ready' ? range.data : null;
  const option = useMemo(() => (data ? windowsOption(data.series, data.capacityNodes, [windows.training, windows.validation], theme) : null), [data, windows, theme]);
  const warnings = shown ? windowWarnings(shown, windows, data) : [];
  return (
    <section className="panel" aria-label="Trace and windows" data-testid="trace-panel">
      <div className="panel-head">
        <h2>Trace and windows</h2>
        <span className="hint">
          <RichText text={trace.description} />
        </span>
      </div>
      <div className="panel-body trace-body">
        <ConfigField
          field={pathField}
          value={getAt(draft, pathField.path)}
          issues={check.issues.get('trace.path') ?? []}
          onChange={(v) => setField(pathField.path, v)}
          control={<TracePicker value={getAt(draft, pathField.path)} onChange={(v) => setField(pathField.path, v)} />}
        />
        <div className="trace-facts" data-testid="trace-range">
          {range?.status === 'loading' && <span className="muted">reading the trace…</span>}
          {range?.status === 'error' && <span className="form-error">{range.error}</span>}
          {data && (
            <>
              <strong>{data.fileName}</strong> · {formatInt(data.jobCount)} jobs · {data.capacityNodes} nodes · submitted{' '}
              <span data-testid="trace-span">
                {formatDate(data.firstSubmitSec)} → {formatDate(data.lastSubmitSec)}
              </span>
            </>
          )}
        </div>
        <div className="window-legends">
          <WindowLegend w={windows.training} configured={shown?.dataset.samples ?? 0} />
          <WindowLegend w={windows.validation} configured={shown?.validation.samples ?? 0} />
        </div>
      </div>
      {option && (
        <div style={{ padding: '0 4px 4px' }}>
          <Chart option={option} label="Running nodes of the trace with the training and validation windows" testId="chart-windows-canvas" />
        </div>
      )}
      {warnings.map((w) => (
        <div key={w} className="notice inset" role="status">
          <div className="grow">{w}</div>
        </div>
      ))}
    </section>
  );
}

const SECTION_TITLES: Record<string, string> = {
  '': 'Experiment',
  sim: 'Simulated cluster',
  chain: 'Job chain',
  dataset: 'Training data',
  training: 'Model and training',
  validation: 'Validation',
};

export function ExperimentPage() {
  const model = experimentFormModel();
  const store = useExperimentStore();
  const { draft, check, presets, source, edited, error, starting } = store;
  const ready = useConnected();
  const online = ready;
  const running = useRunsStore((s) => s.runs.find((r) => r.state === 'running' && r.origin === 'app'));
  const navigate = useUiStore((s) => s.navigate);
  const tracePath = getAt(draft, ['trace', 'path']);

  useEffect(() => {
    if (ready) void useExperimentStore.getState().load().catch(() => {});
  }, [ready]);
  useEffect(() => {
    if (ready) void useExperimentStore.getState().fetchRange();
  }, [ready, tracePath]);

  const fieldPaths = new Set(allFields(model).map((f) => f.path.join('.')));
  const otherIssues = [...check.issues.entries()].filter(([path]) => !fieldPaths.has(path)).flatMap(([path, messages]) => messages.map((m) => (path ? `${path}: ${m}` : m)));
  const issueCount = [...check.issues.values()].reduce((n, m) => n + m.length, 0);
  const root: FormSection = { ...model, sections: [] };
  const sections = model.sections.filter((s) => s.key !== 'trace');
  const traceFormat = model.sections.find((s) => s.key === 'trace')!.fields.find((f) => f.key === 'format') as FormField;

  const start = async () => {
    const id = await store.run();
    if (id) {
      void useRunsStore.getState().open(id);
      navigate('run');
    }
  };

  return (
    <div className="page" data-testid="experiment-page">
      <div className="page-head">
        <div className="titles">
          <h1>Experiment</h1>
          <div className="sub">
            From <span data-testid="config-source">{edited ? `${source}, edited` : source}</span> · the same JSON as <code>mirage run --config</code> · trace → dataset → training → validation → report
          </div>
        </div>
        <button type="button" className="btn" onClick={() => void store.loadFile()} data-testid="load-config">
          <FileIcon /> Load…
        </button>
        <button type="button" className="btn" onClick={() => void store.saveFile()} disabled={!check.config} data-testid="save-config" title={check.config ? 'Save the config as JSON' : 'Fix the fields marked in red first'}>
          <SaveIcon /> Save…
        </button>
        <button
          type="button"
          className="btn primary"
          onClick={() => void start()}
          disabled={!check.config || starting || Boolean(running) || !online}
          data-testid="run-experiment"
          title={
            !online
              ? 'No connection to the back end'
              : running
                ? `${running.name} is running: wait for it or cancel it`
                : check.config
                  ? 'Run the pipeline in the back end'
                  : 'Fix the fields marked in red first'
          }
        >
          <PlayIcon /> {starting ? 'Starting…' : 'Run'}
        </button>
      </div>

      <section className="panel preset-bar" aria-label="Presets">
        <span className="preset-label">Presets</span>
        {presets.map((p) => (
          <button key={p.name} type="button" className={`chip${source === `preset ${p.name}` ? ' active' : ''}`} onClick={() => store.applyPreset(p.name)} title={p.description} data-testid={`preset-${p.name}`}>
            {p.name}
          </button>
        ))}
        <button type="button" className={`chip${source === 'defaults' ? ' active' : ''}`} onClick={() => store.replace({}, 'defaults')} title="The schema's defaults: the paper's LS6 experiment">
          defaults
        </button>
        <span className="preset-help">
          <RichText text={presets.find((p) => source === `preset ${p.name}`)?.description ?? 'A preset fills the form; every field can then be changed.'} />
        </span>
        <span className="grow" />
        <span className={issueCount ? 'validity bad' : 'validity ok'} data-testid="config-validity">
          {issueCount ? `${issueCount} ${issueCount === 1 ? 'problem' : 'problems'} to fix` : 'valid config'}
        </span>
      </section>

      {error && (
        <div className="notice error" role="alert" data-testid="experiment-error">
          <div className="grow" style={{ whiteSpace: 'pre-wrap' }}>
            {error}
          </div>
          <div className="actions">
            <button type="button" className="btn small" onClick={store.dismissError}>
              Dismiss
            </button>
          </div>
        </div>
      )}
      {running && (
        <div className="notice info" role="status">
          <div className="grow">
            <strong>{running.name}</strong> is running; one experiment runs at a time.
          </div>
          <div className="actions">
            <button
              type="button"
              className="btn small"
              onClick={() => {
                void useRunsStore.getState().open(running.id);
                navigate('run');
              }}
            >
              Watch it
            </button>
          </div>
        </div>
      )}
      {otherIssues.length > 0 && (
        <div className="notice error" role="alert" data-testid="config-issues">
          <div className="grow">
            {otherIssues.map((m) => (
              <div key={m} className="where">
                {m}
              </div>
            ))}
          </div>
        </div>
      )}

      <TracePanel model={model} />

      <div className="form-sections">
        <section className="panel form-section" aria-label="Experiment">
          <div className="panel-head">
            <h2>{SECTION_TITLES['']}</h2>
            <span className="hint">
              <RichText text={model.description} />
            </span>
          </div>
          <div className="panel-body">
            <ConfigFields section={{ ...root, fields: [...root.fields, traceFormat] }} draft={draft} issues={check.issues} onChange={store.setField} />
          </div>
        </section>
        {sections.map((section) => (
          <section key={section.key} className="panel form-section" aria-label={SECTION_TITLES[section.key] ?? section.label} data-testid={`section-${section.key}`}>
            <div className="panel-head">
              <h2>{SECTION_TITLES[section.key] ?? section.label}</h2>
              <span className="hint">
                <RichText text={section.description} />
              </span>
            </div>
            <div className="panel-body">
              <ConfigFields section={section} draft={draft} issues={check.issues} onChange={store.setField} />
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
