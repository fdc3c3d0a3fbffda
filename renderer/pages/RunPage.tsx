import type { ReactNode } from 'react';
import { useState } from 'react';
import type { ModelFit, RunInfo } from '../../core/api/experiment.js';
import { policyColors } from '../../core/charts/index.js';
import { CompareIcon, FlaskIcon, PlayIcon, StopIcon } from '../components/icons.js';
import { LossChart, resetZoom } from '../components/LossChart.js';
import { ErrorNotice, useConnected } from '../components/Notices.js';
import { FitPanel } from '../components/FitPanel.js';
import { RichText } from '../components/RichText.js';
import { PolicyBundlePanel } from '../components/PolicyBundlePanel.js';
import { RunFilesPanel } from '../components/RunFilesPanel.js';
import { StageList } from '../components/StageList.js';
import { formatClockMinutes, formatDuration, formatFixed, formatInt, formatNumber, formatPercent } from '../lib/format.js';
import { useCompareStore } from '../stores/compare.js';
import { useExperimentStore } from '../stores/experiment.js';
import { useRunsStore, versusBest } from '../stores/runs.js';
import { useThemeStore } from '../stores/theme.js';
import { useUiStore } from '../stores/ui.js';

export const RUN_STATE_LABELS: Record<RunInfo['state'], string> = {
  running: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

export function RunStateBadge({ state }: { state: RunInfo['state'] }) {
  return (
    <span className={`run-state ${state}`} data-testid="run-state" data-state={state}>
      {state === 'running' && <span className="pulse" aria-hidden="true" />}
      {RUN_STATE_LABELS[state]}
    </span>
  );
}

function Kpi({ label, value, note, testId }: { label: string; value: ReactNode; note?: ReactNode; testId?: string }) {
  return (
    <div className="panel kpi" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      <div className="note">{note ?? '\u00a0'}</div>
    </div>
  );
}

/** The policies of a finished run, the model first: mean |reward| and the rest, as the summary table has them. */
export function HeadlineTable({ run }: { run: RunInfo }) {
  if (!run.metrics) return null;
  const colors = policyColors(run.metrics.map((m) => m.policy));
  return (
    <table className="plain-table" data-testid="headline-table">
      <thead>
        <tr>
          <th>policy</th>
          <th className="num">samples</th>
          <th className="num">mean |reward|</th>
          <th className="num">mean interruption</th>
          <th className="num">mean overlap</th>
          <th className="num">zero interruption</th>
        </tr>
      </thead>
      <tbody>
        {run.metrics.map((m, i) => (
          <tr key={m.policy}>
            <td>
              <span className="swatch" style={{ background: colors[i] }} /> {m.policy}
            </td>
            <td className="num">{m.n}</td>
            <td className="num">{formatFixed(m.meanAbsRewardHours, 3)} h</td>
            <td className="num">{formatFixed(m.meanInterruptionHours, 3)} h</td>
            <td className="num">{formatFixed(m.meanOverlapHours, 3)} h</td>
            <td className="num">{formatPercent(m.zeroInterruptionShare)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The model's held-out wait (or reward) error, for the KPI of a closed-form model. */
function fitError(fit: ModelFit | null): { value: string; note: string } | null {
  const hours = fit?.metrics.heldOutWaitMaeHours ?? fit?.metrics.heldOutMae;
  if (hours !== undefined) return { value: `${formatFixed(hours, 2)} h`, note: 'MAE of the wait, held-out samples' };
  const brier = fit?.metrics.heldOutBrier;
  if (brier !== undefined) return { value: formatFixed(brier, 3), note: 'Brier score of the risk, held-out samples' };
  return null;
}

export function RunPage() {
  const currentId = useRunsStore((s) => s.currentId);
  const run = useRunsStore((s) => s.runs.find((r) => r.id === s.currentId));
  const current = useRunsStore((s) => s.current);
  const curves = useRunsStore((s) => s.curves);
  const actionError = useRunsStore((s) => s.actionError);
  const theme = useThemeStore((s) => s.chart);
  const navigate = useUiStore((s) => s.navigate);
  const [smoothing, setSmoothing] = useState(0.6);
  const [logScale, setLogScale] = useState(false);
  const online = useConnected();

  if (currentId && !run && !actionError) {
    return (
      <div className="page" data-testid="run-page">
        <div className="panel empty-state" aria-busy="true">
          <h2>Opening run {currentId}…</h2>
        </div>
      </div>
    );
  }

  if (!currentId || !run) {
    return (
      <div className="page" data-testid="run-page">
        <div className="panel empty-state">
          <h2>{currentId ? `Run ${currentId} is not here` : 'No run open'}</h2>
          <p>{currentId && actionError ? `${actionError}. ` : ''}Start one from the Experiment page, or open one from the list of runs.</p>
          <div className="row">
            <button type="button" className="btn primary" onClick={() => navigate('experiment')}>
              <FlaskIcon /> New experiment
            </button>
            <button type="button" className="btn" onClick={() => navigate('runs')}>
              All runs
            </button>
          </div>
        </div>
      </div>
    );
  }

  const { cancel, resume, dismissError } = useRunsStore.getState();
  const training = run.training;
  const backend = curves.backend ?? run.backend;
  const samplesPerSec = curves.samplesPerSec ?? training?.samplesPerSec ?? null;
  const epoch = curves.epoch || training?.epoch || 0;
  const epochs = curves.epochs || training?.epochs || 0;
  const trainingStage = run.stages.find((s) => s.name === 'training');
  const eta = trainingStage?.state === 'running' ? (trainingStage.progress?.etaSec ?? curves.etaSec) : null;
  const fit = current?.id === run.id ? current.fit : null;
  const modelKind = curves.modelKind ?? fit?.kind ?? (current?.config.training as { model?: string } | undefined)?.model ?? null;
  // wait-linear and the other closed-form models: no epochs, no curve, no TensorFlow.js; their fit is shown instead.
  const closedForm = fit?.closedForm ?? (modelKind !== null && modelKind.startsWith('wait-'));
  const compare = () => {
    useCompareStore.getState().setSelected([run.id]);
    navigate('compare');
  };
  const editCopy = () => {
    if (current) useExperimentStore.getState().replace(structuredClone(current.config), `run ${run.id}`);
    navigate('experiment');
  };

  return (
    <div className="page" data-testid="run-page" data-run-id={run.id}>
      <div className="page-head">
        <div className="titles">
          <h1 style={{ display: 'flex', alignItems: 'center', gap: 10 }}>
            {run.name} <RunStateBadge state={run.state} />
          </h1>
          <div className="sub">
            <span className="mono">{run.id}</span> · {run.traceName} · started {formatClockMinutes(run.createdMs / 1000)} UTC
            {run.finishedMs && run.state !== 'running' ? ` · took ${formatDuration((run.finishedMs - run.createdMs) / 1000)}` : ''}
            {run.origin === 'cli' ? ' · a folder written by mirage run' : ''}
          </div>
        </div>
        {run.state === 'running' && (
          <button type="button" className="btn" onClick={() => void cancel(run.id)} disabled={!online} data-testid="cancel-run">
            <StopIcon /> Cancel run
          </button>
        )}
        {run.resumable && (
          <button
            type="button"
            className="btn primary"
            onClick={() => void resume(run.id)}
            disabled={!online}
            title={online ? 'Continue this run: finished stages are reused' : 'No connection to the back end'}
            data-testid="resume-run"
          >
            <PlayIcon /> Resume
          </button>
        )}
        <button type="button" className="btn" onClick={editCopy} disabled={!current} title="A new experiment from this run's config">
          <FlaskIcon /> Edit a copy
        </button>
        <button type="button" className={run.state === 'done' ? 'btn primary' : 'btn'} onClick={compare} disabled={run.state !== 'done' || !online} data-testid="open-compare">
          <CompareIcon /> Compare
        </button>
      </div>

      {actionError && <ErrorNotice onDismiss={dismissError}>{actionError}</ErrorNotice>}
      {run.state === 'failed' && (
        <ErrorNotice testId="run-error">
          <strong>The run failed.</strong> <span style={{ whiteSpace: 'pre-wrap' }}>
            <RichText text={run.error ?? ''} />
          </span>
        </ErrorNotice>
      )}
      {(run.state === 'interrupted' || run.state === 'cancelled') && (
        <div className="notice info" role="status" data-testid="run-stopped">
          <div className="grow">
            {run.state === 'interrupted' ? 'The app closed (or the back end stopped) while this run was running.' : 'This run was cancelled.'} Resume continues it: finished stages are reused
            and training goes on from its last checkpoint.
          </div>
        </div>
      )}

      <div className="kpis">
        {closedForm ? (
          <Kpi
            label="Fit"
            value={modelKind === 'wait-linear' ? 'closed form' : 'direct'}
            note={modelKind === 'wait-linear' ? 'no epochs: solved in one step' : 'no epochs: a few Newton steps'}
            testId="kpi-epoch"
          />
        ) : (
          <Kpi
            label="Epoch"
            value={epochs ? `${epoch} / ${epochs}` : '–'}
            note={
              curves.earlyStop
                ? `stopped early, best epoch ${curves.earlyStop.bestEpoch}`
                : curves.phase && curves.phase !== 'main'
                  ? `phase ${curves.phase}`
                  : training?.bestHeldOutLoss != null
                    ? `best held-out loss ${formatNumber(training.bestHeldOutLoss, 4)}`
                    : 'when training starts'
            }
            testId="kpi-epoch"
          />
        )}
        {closedForm ? (
          <Kpi
            label="Held-out error"
            value={fitError(fit)?.value ?? '–'}
            note={fitError(fit)?.note ?? (fit ? 'none measured' : 'once fitted')}
            testId="kpi-throughput"
          />
        ) : (
          <Kpi label="Throughput" value={samplesPerSec !== null ? `${formatInt(samplesPerSec)} /s` : '–'} note="samples per second" testId="kpi-throughput" />
        )}
        <Kpi
          label={closedForm ? 'Fitting' : 'Training ETA'}
          value={eta !== null && eta !== undefined ? formatDuration(eta) : trainingStage?.state === 'done' || trainingStage?.state === 'reused' ? 'done' : '–'}
          note={
            trainingStage?.state === 'done' && trainingStage.seconds !== null
              ? `${closedForm ? 'fitted' : 'trained'} in ${formatDuration(trainingStage.seconds)}`
              : trainingStage?.state === 'reused'
                ? 'reused from an earlier run'
                : trainingStage?.state
          }
        />
        <Kpi
          label="TensorFlow.js"
          value={<span data-testid="tfjs-backend">{closedForm ? 'not used' : backend ? `${backend.split(' ')[0]}${curves.nativeSteps ? ' + native' : ''}` : '–'}</span>}
          note={closedForm ? 'plain arithmetic, no tensors' : backend ? `${curves.nativeSteps ? 'training steps native (C++ on the BLAS); ' : ''}${backend}` : 'chosen when training starts'}
        />
        <Kpi label="Model" value={modelKind ?? '–'} note={curves.parameters !== null ? `${formatInt(curves.parameters)} parameters` : fit?.trainRows != null ? `fitted on ${formatInt(fit.trainRows)} rows` : undefined} />
        <Kpi
          label="Model mean |reward|"
          value={run.metrics ? `${formatNumber(run.metrics[0].meanAbsRewardHours, 2)} h` : '–'}
          note={run.metrics ? versusBest(run) : 'after validation'}
          testId="kpi-reward"
        />
      </div>

      <div className="run-grid">
        <section className="panel" aria-label="Stages">
          <div className="panel-head">
            <h2>Stages</h2>
            <span className="hint">reused when their inputs did not change, as in mirage run</span>
          </div>
          <div className="panel-body">
            <StageList run={run} config={current?.config} onCancel={() => void cancel(run.id)} />
          </div>
        </section>
        {closedForm ? (
          <section className="panel" aria-label="Model fit" data-testid="fit-section">
            <div className="panel-head">
              <h2>Model fit</h2>
              <span className="hint">fitted directly: no loss curve to draw</span>
            </div>
            <div className="panel-body">
              {fit ? (
                <FitPanel fit={fit} />
              ) : (
                <div className="empty">
                  {trainingStage?.state === 'done' || trainingStage?.state === 'reused'
                    ? 'The fitted model of this run cannot be read (its folder is gone, or the run was written by an older version).'
                    : 'The model is fitted in one step once the dataset is built; its held-out errors appear here.'}
                </div>
              )}
            </div>
          </section>
        ) : (
        <section className="panel chart-panel" aria-label="Training curves" data-testid="loss-panel">
          <div className="panel-head">
            <h2>Training curves</h2>
            <span className="hint">live · zoom with the wheel</span>
            <span className="right loss-controls">
              <label title="Exponential moving average of the step losses (TensorBoard's)">
                smoothing
                <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} data-testid="smoothing" />
                <span className="mono">{smoothing.toFixed(2)}</span>
              </label>
              <label>
                <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} data-testid="log-scale" /> log scale
              </label>
              <button type="button" className="btn small ghost" onClick={() => resetZoom('loss-chart')}>
                Reset zoom
              </button>
            </span>
          </div>
          <div style={{ padding: '0 4px 4px' }}>
            <LossChart curves={curves} view={{ smoothing, logScale }} theme={theme} testId="loss-chart" />
          </div>
          {fit && <FitPanel fit={fit} />}
        </section>
        )}
      </div>

      {run.metrics && (
        <section className="panel" aria-label="Results" data-testid="run-results">
          <div className="panel-head">
            <h2>Results</h2>
            <span className="hint">validation against the baselines · reward = successor start − predecessor end</span>
            <span className="right">
              <button type="button" className="btn small" onClick={compare}>
                Charts and samples
              </button>
            </span>
          </div>
          <div className="panel-body" style={{ paddingTop: 6 }}>
            <HeadlineTable run={run} />
          </div>
        </section>
      )}
      {run.state === 'done' && <PolicyBundlePanel runId={run.id} />}
      <RunFilesPanel run={run} />
    </div>
  );
}
