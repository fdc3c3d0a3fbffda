import { RejectedTable } from './RejectedTable.js';
import { RichText } from './RichText.js';
import { formatInt } from '../lib/format.js';
import { useTraceStore } from '../stores/trace.js';

/**
 * Why the last trace could not be opened, on whatever page the user opened it
 * from (the top bar's Open trace, a drop, the menu): the file, the line and
 * the reason when known, and the rejected rows.
 */
export function OpenError() {
  const error = useTraceStore((s) => s.error);
  const dismiss = useTraceStore((s) => s.dismissError);
  if (!error) return null;
  const where = error.file ? `${error.file}${error.line !== null ? `, line ${formatInt(error.line)}` : ''}` : null;
  return (
    <section className="panel" data-testid="open-error" role="alert">
      <div className="notice error" style={{ border: 0, borderLeft: '3px solid var(--danger)', borderRadius: 'var(--radius) var(--radius) 0 0' }}>
        <div className="grow">
          <div style={{ fontWeight: 600 }}>Could not open {error.fileName}</div>
          {(!where || error.rejectedCount > 0 || !error.reason) && (
            <div data-testid="open-error-message">
              <RichText text={error.message} />
            </div>
          )}
          {where && error.reason && (
            <div className="where" data-testid="open-error-where">
              {where}: {error.reason}
            </div>
          )}
        </div>
        <div className="actions">
          <button type="button" className="btn small" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      </div>
      {error.rejected.length > 0 && (
        <div className="scroll-box">
          <RejectedTable rows={error.rejected} total={error.rejectedCount} />
        </div>
      )}
    </section>
  );
}
