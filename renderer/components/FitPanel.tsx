import type { ModelFit } from '../../core/api/experiment.js';
import { formatFixed, formatInt, formatNumber } from '../lib/format.js';

/** Known metric names in words; the unit says how to print them. Others are shown by their name. */
const METRICS: Record<string, { label: string; unit: 'h' | 'count' | 'loss' | 's' | 'share' }> = {
  heldOutBrier: { label: 'Brier score of the risk, held-out samples (lower is better)', unit: 'loss' },
  heldOutLogLoss: { label: 'log loss of the risk, held-out samples', unit: 'loss' },
  heldOutInterruptShare: { label: 'held-out decisions where submitting would interrupt', unit: 'share' },
  heldOutWaitMaeHours: { label: 'wait error (MAE), held-out samples', unit: 'h' },
  heldOutMeanWaitHours: { label: 'mean wait, held-out samples', unit: 'h' },
  heldOutMae: { label: 'reward error (MAE), held-out samples', unit: 'h' },
  heldOutMaeHours: { label: 'reward error (MAE), held-out samples', unit: 'h' },
  heldOutRmseHours: { label: 'reward error (RMSE), held-out samples', unit: 'h' },
  heldOutLoss: { label: 'held-out loss', unit: 'loss' },
  trainLoss: { label: 'training loss', unit: 'loss' },
  trainRows: { label: 'training rows', unit: 'count' },
  epochs: { label: 'epochs run', unit: 'count' },
  bestEpoch: { label: 'best epoch', unit: 'count' },
  steps: { label: 'steps', unit: 'count' },
  parameters: { label: 'parameters', unit: 'count' },
  trainSeconds: { label: 'training time', unit: 's' },
};

function metricValue(value: number, unit: 'h' | 'count' | 'loss' | 's' | 'share'): string {
  if (unit === 'share') return `${(value * 100).toFixed(1)} %`;
  if (unit === 'h') return `${formatFixed(value, 3)} h`;
  if (unit === 'count') return formatInt(value);
  if (unit === 's') return `${formatNumber(value, 1)} s`;
  return formatNumber(value, 4);
}

/**
 * How the run's model fitted: its held-out errors and the calibrated submit
 * rule. For a closed-form model (wait-linear) this takes the place of the
 * training curves, which it does not have.
 */
export function FitPanel({ fit }: { fit: ModelFit }) {
  const rows = Object.entries(fit.metrics)
    .filter(([key]) => key !== 'samplesPerSec')
    .map(([key, value]) => ({ key, label: METRICS[key]?.label ?? key, text: metricValue(value, METRICS[key]?.unit ?? 'loss') }));
  return (
    <div className="fit-panel" data-testid="fit-panel" data-kind={fit.kind}>
      <p className="fit-description">
        <strong>{fit.kind}</strong>: {fit.description}.
        {fit.trainRows !== null && fit.heldOutRows !== null && (
          <>
            {' '}
            Fitted on {formatInt(fit.trainRows)} rows; {formatInt(fit.heldOutRows)} rows of the latest training samples held out to measure it.
          </>
        )}
      </p>
      <table className="plain-table fit-table" data-testid="fit-metrics">
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-metric={r.key}>
              <td>{r.label}</td>
              <td className="num">{r.text}</td>
            </tr>
          ))}
          {fit.calibration && (
            <tr data-metric="rule">
              <td>submit rule{fit.calibration.samples !== null ? `, calibrated on ${formatInt(fit.calibration.samples)} held-out training samples` : ''}</td>
              <td className="fit-rule" data-testid="fit-rule">
                {fit.calibration.rule}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
