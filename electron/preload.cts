// The preload of the sandboxed renderer: CommonJS (sandboxed preloads cannot be
// ES modules) and nothing but `electron` required. It exposes one object,
// `window.mirage`, typed by core/api/shell.ts and checked with `satisfies`.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file under verbatimModuleSyntax must import this way
import electron = require('electron');
import type { BackendStatus, MenuCommand, MirageBridge, OpenedText, OpenTextRequest, RecentEntry, SaveRequest } from '../core/api/shell.js';

const { contextBridge, ipcRenderer, webUtils } = electron;

type Listener<T> = (value: T) => void;
const messageListeners = new Set<Listener<unknown>>();
const statusListeners = new Set<Listener<BackendStatus>>();
const menuListeners = new Set<Listener<MenuCommand>>();
/** The DOM MessagePort of the renderer, typed by hand: electron/ is checked without the DOM library. */
interface RendererPort {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}
let port: RendererPort | null = null;

// Each (re)start of the back end comes with a fresh port straight to the utility process.
ipcRenderer.on('mirage:port', (event, status: BackendStatus) => {
  port?.close();
  port = (event.ports[0] as unknown as RendererPort | undefined) ?? null;
  if (port) {
    port.onmessage = (message) => {
      for (const listener of messageListeners) listener(message.data);
    };
  }
  for (const listener of statusListeners) listener(status);
});
ipcRenderer.on('mirage:backend-status', (_event, status: BackendStatus) => {
  // The back end is gone: its port leads nowhere. Until the next one, send() says it cannot send
  // (a message posted on a dead port would vanish without a word).
  if (status.state !== 'ready') {
    port?.close();
    port = null;
  }
  for (const listener of statusListeners) listener(status);
});
// Commands that arrive before the UI subscribed (a file given at launch) wait for it.
const pendingMenu: MenuCommand[] = [];
ipcRenderer.on('mirage:menu', (_event, command: MenuCommand) => {
  if (menuListeners.size === 0) pendingMenu.push(command);
  for (const listener of menuListeners) listener(command);
});

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

const bridge = {
  shell: 'electron',
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
  },
  send(message: unknown) {
    if (!port) return false;
    port.postMessage(message);
    return true;
  },
  onMessage: (listener: Listener<unknown>) => subscribe(messageListeners, listener),
  onBackendStatus: (listener: Listener<BackendStatus>) => subscribe(statusListeners, listener),
  onMenuCommand: (listener: Listener<MenuCommand>) => {
    const unsubscribe = subscribe(menuListeners, listener);
    for (const command of pendingMenu.splice(0)) listener(command);
    return unsubscribe;
  },
  showOpenTraceDialog: () => ipcRenderer.invoke('mirage:open-dialog') as Promise<string | null>,
  saveText: (request: SaveRequest) => ipcRenderer.invoke('mirage:save-text', request) as Promise<string | null>,
  openText: (request: OpenTextRequest) => ipcRenderer.invoke('mirage:open-text', request) as Promise<OpenedText | null>,
  recentList: () => ipcRenderer.invoke('mirage:recent-list') as Promise<RecentEntry[]>,
  recentAdd: (entry: RecentEntry) => ipcRenderer.invoke('mirage:recent-add', entry) as Promise<RecentEntry[]>,
  pathForFile: (file: unknown) => {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
  ready() {
    void ipcRenderer.invoke('mirage:ready');
  },
} satisfies MirageBridge;

contextBridge.exposeInMainWorld('mirage', bridge);
