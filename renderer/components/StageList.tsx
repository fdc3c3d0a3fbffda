import type { RunInfo, RunStage } from '../../core/api/experiment.js';
import { formatAmount, formatDuration, formatInt, formatNumber } from '../lib/format.js';

const STAGE_TITLES: Record<string, string> = {
  trace: 'Trace',
  dataset: 'Dataset',
  training: 'Training',
  calibration: 'Calibration',
  validation: 'Validation',
  report: 'Report',
};

const STATE_LABELS: Record<RunStage['state'], string> = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  reused: 'reused',
  failed: 'failed',
  cancelled: 'stopped',
};

/** Validation counts one simulated sample per policy: 48 for 12 samples and 4 policies. Says so. */
function perPolicyNote(stage: RunStage, validationSamples: number | null): string {
  const p = stage.progress;
  if (stage.name !== 'validation' || !p || !validationSamples || p.total <= validationSamples || p.total % validationSamples !== 0) return '';
  return ` (${formatInt(validationSamples)} samples × ${p.total / validationSamples} policies)`;
}

function StageRow({ stage, onCancel, validationSamples }: { stage: RunStage; onCancel?: () => void; validationSamples: number | null }) {
  const p = stage.progress;
  const share = p && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  const running = stage.state === 'running';
  const full = stage.state === 'done' || stage.state === 'reused';
  const width = full ? 100 : Math.round((share ?? 0) * 100);
  const unitRate = p ? `${formatNumber(p.ratePerSec, p.ratePerSec < 10 ? 1 : 0)} ${p.unit}/s` : '';
  return (
    <div className={`stage-row state-${stage.state}`} data-testid={`stage-${stage.name}`} data-state={stage.state}>
      <span className={`stage-dot ${stage.state}`} aria-hidden="true" />
      <span className="stage-name">{STAGE_TITLES[stage.name] ?? stage.name}</span>
      <div
        className={`progress stage-bar${running && share === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={`${stage.name} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={running || full ? width : undefined}
      >
        <div style={{ width: `${width}%` }} />
      </div>
      <span className="stage-detail">
        {running && p && (
          <>
            {formatInt(p.done)} / {formatAmount(p.total, p.unit)}
            {perPolicyNote(stage, validationSamples)}
            {p.ratePerSec > 0 && <> · {unitRate}</>}
            {p.etaSec !== null && <> · ETA {formatDuration(p.etaSec)}</>}
          </>
        )}
        {running && !p && 'starting…'}
        {stage.state === 'reused' && 'same inputs as an earlier run: reused'}
        {stage.state === 'done' && stage.seconds !== null && `done in ${formatDuration(stage.seconds)}`}
        {stage.state !== 'running' && stage.state !== 'reused' && stage.state !== 'done' && STATE_LABELS[stage.state]}
      </span>
      <span className="stage-action">
        {running && onCancel && (
          <button type="button" className="btn small" onClick={onCancel} data-testid={`cancel-${stage.name}`}>
            Cancel
          </button>
        )}
      </span>
    </div>
  );
}

/** The pipeline's stages, each with its progress bar, rate and time left; the running one can be cancelled. */
export function StageList({ run, onCancel, config }: { run: RunInfo; onCancel?: () => void; config?: Record<string, unknown> }) {
  const samples = (config?.validation as { samples?: unknown } | undefined)?.samples;
  const validationSamples = typeof samples === 'number' ? samples : null;
  return (
    <div className="stage-list" data-testid="stage-list">
      {run.stages.map((stage) => (
        <StageRow key={stage.name} stage={stage} onCancel={run.state === 'running' ? onCancel : undefined} validationSamples={validationSamples} />
      ))}
    </div>
  );
}
