import { useTraceStore } from '../stores/trace.js';
import { formatAmount } from '../lib/format.js';

/** Progress of opening a trace, over the page (the window stays responsive: the work runs in the back end). */
export function LoadingVeil() {
  const loading = useTraceStore((s) => s.loading);
  const cancel = useTraceStore((s) => s.cancelOpen);
  if (!loading) return null;
  const p = loading.progress;
  // Nothing done yet (an upload being parsed in one go reports 0, then all): a moving bar and the size, not "0 B of".
  const share = p && p.total > 0 && p.done > 0 ? Math.min(1, p.done / p.total) : null;
  const stage = p?.stage === 'upload' ? 'Uploading' : p?.stage === 'load' ? 'Reading' : 'Opening';
  const rows = p?.detail?.rows;
  return (
    <div className="loading-veil">
      <div className="panel loading-card" role="status" aria-live="polite" data-testid="loading">
        <div className="line1">
          {stage} <span className="mono">{loading.name}</span>
        </div>
        <div className={share === null ? 'progress indeterminate' : 'progress'}>
          <div style={{ width: `${Math.round((share ?? 0) * 100)}%` }} />
        </div>
        <div className="line2">
          <span>
            {p ? (p.done > 0 ? `${formatAmount(p.done, p.unit)} of ${formatAmount(p.total, p.unit)}` : `${formatAmount(p.total, p.unit)}`) : 'starting…'}
            {typeof rows === 'number' ? ` · ${rows.toLocaleString('en-US')} lines` : ''}
          </span>
          <button type="button" className="btn small" onClick={cancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
