import type { ApiClient } from '../../core/api/client.js';
import type { BackendStatus, MirageBridge } from '../../core/api/shell.js';
import type { Transport } from '../../core/api/transport.js';
import type { AppHost } from './types.js';

/**
 * The desktop shell: `window.mirage` from the preload. API messages go over
 * the MessagePort the main process handed to the preload, straight to the
 * utility process; dialogs, menu and recent files go to the main process.
 */
export function createElectronHost(bridge: MirageBridge): AppHost {
  /**
   * One transport per port generation, so calls in flight on a dead back end
   * fail at once instead of waiting for an answer that cannot come: the
   * generation closes (onClose fires) when the back end crashes, or when a
   * message cannot be sent because no back end is there.
   */
  interface Generation {
    live: boolean;
    closeListeners: Set<(reason: string) => void>;
  }
  const end = (generation: Generation, reason: string) => {
    if (!generation.live) return;
    generation.live = false;
    for (const listener of generation.closeListeners) listener(reason);
  };
  const transportFor = (generation: Generation): Transport => ({
    send(message) {
      if (generation.live && !bridge.send(message)) end(generation, 'the back end is restarting');
    },
    onMessage(listener) {
      return bridge.onMessage((m) => {
        if (generation.live) listener(m);
      });
    },
    onClose(listener) {
      generation.closeListeners.add(listener);
      return () => generation.closeListeners.delete(listener);
    },
    close() {
      end(generation, 'closed');
    },
  });

  return {
    kind: 'electron',
    versions: bridge.versions,
    connect(client: ApiClient, onStatus: (status: BackendStatus) => void) {
      let generation: Generation = { live: false, closeListeners: new Set() };
      bridge.onBackendStatus((status) => {
        if (status.state === 'ready') {
          end(generation, 'replaced');
          generation = { live: true, closeListeners: new Set() };
          client.attach(transportFor(generation), status.restarts > 0 ? 'backend-restarted' : 'disconnected');
        } else {
          end(generation, status.detail ?? status.state);
        }
        onStatus(status);
      });
      onStatus({ state: 'starting', restarts: 0 });
      bridge.ready();
    },
    async pickTraceFile() {
      const path = await bridge.showOpenTraceDialog();
      return path ? { kind: 'path', path, name: baseName(path) } : null;
    },
    pickedFromDrop(file) {
      const path = bridge.pathForFile(file);
      return path ? { kind: 'path', path, name: baseName(path) } : { kind: 'file', file, name: file.name };
    },
    saveText: (request) => bridge.saveText(request),
    openText: (request) => bridge.openText(request),
    recentList: () => bridge.recentList(),
    recentAdd: (entry) => bridge.recentAdd(entry),
    onMenuCommand: (listener) => bridge.onMenuCommand(listener),
  };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
