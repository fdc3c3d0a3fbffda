import type { ReactNode } from 'react';
import { useConnectionStore } from '../stores/connection.js';

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
