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
  /** One transport per port generation, so calls in flight on a dead back end fail cleanly. */
  const transportFor = (generation: { live: boolean }): Transport => ({
    send(message) {
      if (generation.live) bridge.send(message);
    },
    onMessage(listener) {
      return bridge.onMessage((m) => {
        if (generation.live) listener(m);
      });
    },
    onClose() {
      return () => {};
    },
    close() {
      generation.live = false;
    },
  });

  return {
    kind: 'electron',
    versions: bridge.versions,
    connect(client: ApiClient, onStatus: (status: BackendStatus) => void) {
      let generation = { live: false };
      bridge.onBackendStatus((status) => {
        if (status.state === 'ready') {
          generation.live = false;
          generation = { live: true };
          client.attach(transportFor(generation), status.restarts > 0 ? 'backend-restarted' : 'disconnected');
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
