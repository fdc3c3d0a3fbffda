import type { ReactNode } from 'react';
import { useConnectionStore } from '../stores/connection.js';
import { useTraceStore } from '../stores/trace.js';

/** Back-end crash / restart notice, shown above every page until dismissed. */
export function RestartNotice() {
  const notice = useConnectionStore((s) => s.restartNotice);
  const dismiss = useConnectionStore((s) => s.dismissRestartNotice);
  if (!notice) return null;
  return (
    <ErrorNotice testId="restart-notice" onDismiss={dismiss}>
      {notice}
    </ErrorNotice>
  );
}

/**
 * The connection to the back end is gone: why, and what to do (start
 * `mirage serve` again, or open the URL it printed). Buttons that need the
 * back end are disabled meanwhile (useConnected).
 */
export function ConnectionNotice() {
  const status = useConnectionStore((s) => s.status);
  if (status.state !== 'disconnected') return null;
  return (
    <div className="notice warn" role="alert" data-testid="connection-notice">
      <div className="grow">
        <strong>No connection to the back end.</strong> {status.detail ?? 'Retrying…'}
      </div>
    </div>
  );
}

/** The trace this tab had open could not be found again (an upload, after the back end restarted). */
export function TraceLostNotice() {
  const lost = useTraceStore((s) => s.lost);
  const dismiss = useTraceStore((s) => s.dismissLost);
  if (!lost) return null;
  return (
    <div className="notice info" role="status" data-testid="trace-lost">
      <div className="grow">{lost}</div>
      <div className="actions">
        <button type="button" className="btn small" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/** Whether the back end can be asked now: actions that need it are disabled otherwise. */
export function useConnected(): boolean {
  return useConnectionStore((s) => s.status.state === 'ready');
}

/** An error banner (role alert); with `onDismiss`, a Dismiss button that calls it. */
export function ErrorNotice({ children, onDismiss, testId }: { children: ReactNode; onDismiss?: () => void; testId?: string }) {
  return (
    <div className="notice error" role="alert" data-testid={testId}>
      <div className="grow">{children}</div>
      {onDismiss && (
        <div className="actions">
          <button type="button" className="btn small" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
