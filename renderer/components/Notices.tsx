import { useConnectionStore } from '../stores/connection.js';

/** Back-end crash / restart notice, shown above every page until dismissed. */
export function RestartNotice() {
  const notice = useConnectionStore((s) => s.restartNotice);
  const dismiss = useConnectionStore((s) => s.dismissRestartNotice);
  if (!notice) return null;
  return (
    <div className="notice error" role="alert" data-testid="restart-notice">
      <div className="grow">{notice}</div>
      <div className="actions">
        <button type="button" className="btn small" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
