import { create } from 'zustand';
import type { AppInfo } from '../../core/api/app.js';
import type { BackendStatus } from '../../core/api/shell.js';
import { services } from '../services.js';

interface ConnectionState {
  status: BackendStatus;
  info: AppInfo | null;
  /** Set when the back end crashed and came back: shown until dismissed. */
  restartNotice: string | null;
  setStatus(status: BackendStatus): void;
  dismissRestartNotice(): void;
}

/** Whether the back end (utility process or `mirage serve`) is there, and what it is. */
export const useConnectionStore = create<ConnectionState>()((set, get) => ({
  status: { state: 'starting', restarts: 0 },
  info: null,
  restartNotice: null,
  setStatus(status) {
    const previous = get().status;
    set({ status });
    if (status.state === 'crashed') {
      set({ restartNotice: `The back end stopped unexpectedly${status.detail ? ` (${status.detail})` : ''}. Restarting it; your files and settings are kept.` });
    }
    if (status.state === 'ready') {
      if (previous.state === 'crashed' || previous.state === 'restarting') {
        set({ restartNotice: 'The back end was restarted after a crash. Work in progress was stopped; the trace is being reopened.' });
      }
      void services()
        .client.call('app.info', {})
        .then((info) => {
          // Another back end than before the connection dropped (`mirage serve` lost its back end, or was
          // started again): say so, as after a crash the desktop shell reports.
          const before = get().info;
          if (before && before.instance !== info.instance && !get().restartNotice) {
            set({ restartNotice: 'The back end was restarted. Work in progress was stopped; the trace is being reopened.' });
          }
          set({ info });
        })
        .catch(() => {});
    }
  },
  dismissRestartNotice: () => set({ restartNotice: null }),
}));
