/**
 * The Electron main process: one window, the menu, native dialogs, the
 * user-data files, and the broker that connects the window to the utility
 * process hosting the core services. Nothing long-running happens here.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IpcMainInvokeEvent } from 'electron';
import { BrowserWindow, Menu, app, dialog, ipcMain, screen, session, shell } from 'electron';
import type { MenuCommand, RecentEntry } from '../core/api/shell.js';
import { OPEN_TEXT_MAX_BYTES } from '../core/api/shell.js';
import { BackendBroker } from './broker.js';
import type { IpcArgs, IpcChannel } from './ipc-schemas.js';
import { isTrustedSender, parseIpcArgs } from './ipc-schemas.js';
import { buildMenu } from './menu.js';
import type { WindowState } from './user-data.js';
import { UserDataStore } from './user-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererIndex = resolve(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const preloadPath = join(here, 'preload.cjs');
const backendEntry = join(here, 'backend-entry.cjs');
const windowIcon = resolve(here, '../../assets/icons/icon.png');

const TRACE_EXTENSIONS = ['log', 'txt', 'csv', 'swf', 'gz', 'out'];

let mainWindow: BrowserWindow | null = null;
/** A file given on the command line or by the OS before the UI was ready. */
let pendingOpen: string | null = traceArgument(process.argv.slice(1));

/** A trace file named on a command line (flags, the app folder and scripts are not). */
function traceArgument(args: readonly string[]): string | null {
  for (const arg of args) {
    if (arg.startsWith('-') || /\.(c|m)?js$/.test(arg)) continue;
    try {
      if (statSync(arg).isFile()) return resolve(arg);
    } catch {
      // not a path
    }
  }
  return null;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    const file = traceArgument(argv.slice(1));
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
      if (file) sendCommand({ command: 'open-path', path: file });
    }
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (mainWindow && !pendingOpen) sendCommand({ command: 'open-path', path });
    else pendingOpen = path;
  });
  void app.whenReady().then(start);
}

function sendCommand(command: MenuCommand): void {
  mainWindow?.webContents.send('mirage:menu', command);
}

function start(): void {
  const userData = new UserDataStore(app.getPath('userData'));
  // A file given at launch opens once the window has its connection to the back end.
  // Experiment runs live in the user-data folder, so they are found again after a restart.
  const broker = new BackendBroker(backendEntry, {
    args: ['--runs-dir', join(app.getPath('userData'), 'runs')],
    onConnected: (contents) => {
      if (pendingOpen && contents === mainWindow?.webContents) {
        sendCommand({ command: 'open-path', path: pendingOpen });
        pendingOpen = null;
      }
    },
  });
  broker.start();
  harden();

  const refreshMenu = () => {
    Menu.setApplicationMenu(
      buildMenu(userData.readRecent(), {
        command: sendCommand,
        clearRecent: () => {
          userData.clearRecent();
          app.clearRecentDocuments();
          refreshMenu();
        },
      }),
    );
  };
  refreshMenu();

  handle('mirage:ready', (event) => {
    broker.attach(event.sender);
    return null;
  });
  handle('mirage:open-dialog', async () => {
    const result = await dialog.showOpenDialog(mainWindow!, {
      title: 'Open a job trace',
      properties: ['openFile'],
      filters: [
        { name: 'Job traces', extensions: TRACE_EXTENSIONS },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  handle('mirage:save-text', async (_event, request) => {
    const result = await dialog.showSaveDialog(mainWindow!, {
      defaultPath: join(app.getPath('documents'), basename(request.suggestedName)),
      filters: request.filters,
    });
    if (result.canceled || !result.filePath) return null;
    writeFileSync(result.filePath, request.encoding === 'base64' ? Buffer.from(request.text, 'base64') : request.text);
    return result.filePath;
  });
  handle('mirage:open-text', async (_event, request) => {
    const result = await dialog.showOpenDialog(mainWindow!, { title: request.title, properties: ['openFile'], filters: request.filters });
    const path = result.canceled ? undefined : result.filePaths[0];
    if (!path) return null;
    if (statSync(path).size > OPEN_TEXT_MAX_BYTES) throw new Error(`${basename(path)} is too large (at most ${OPEN_TEXT_MAX_BYTES >> 20} MiB)`);
    return { name: basename(path), text: readFileSync(path, 'utf8') };
  });
  handle('mirage:recent-list', () => userData.readRecent());
  handle('mirage:recent-add', (_event, entry: RecentEntry) => {
    const recent = userData.addRecent(entry);
    if (entry.kind === 'path') app.addRecentDocument(entry.path);
    refreshMenu();
    return recent;
  });

  mainWindow = createWindow(userData);
  // Quitting waits (briefly) for the back end to save a running experiment as interrupted.
  let backendStopped = false;
  app.on('before-quit', (event) => {
    if (backendStopped) return;
    event.preventDefault();
    void broker.stopGracefully(5000).then(() => {
      backendStopped = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
}

/** Registers an IPC handler that only our page may call, with its arguments validated. */
function handle<C extends IpcChannel>(channel: C, handler: (event: IpcMainInvokeEvent, ...args: IpcArgs<C>) => unknown): void {
  ipcMain.handle(channel, (event, ...raw: unknown[]) => {
    if (!isTrustedSender(event.senderFrame?.url, rendererUrl)) throw new Error(`${channel}: refused, not the app's page`);
    const parsed = parseIpcArgs(channel, raw);
    if (!parsed.ok) throw new Error(parsed.error);
    return handler(event, ...parsed.args);
  });
}

function createWindow(userData: UserDataStore): BrowserWindow {
  const state = visibleState(userData.readWindowState());
  const win = new BrowserWindow({
    ...state,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Mirage Workbench',
    backgroundColor: '#f4f6f9',
    icon: existsSync(windowIcon) ? windowIcon : undefined,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  void win.loadFile(rendererIndex);

  let saveTimer: NodeJS.Timeout | null = null;
  const saveState = () => {
    if (win.isDestroyed()) return;
    const bounds = win.getNormalBounds();
    userData.writeWindowState({ ...bounds, maximized: win.isMaximized() });
  };
  const saveSoon = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveState, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', saveState);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  return win;
}

/** Restores saved bounds only if they are still on a screen (monitors change). */
function visibleState(state: WindowState): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  const area = screen.getDisplayMatching({ x: state.x, y: state.y, width: state.width, height: state.height }).workArea;
  const visible = state.x < area.x + area.width - 50 && state.y < area.y + area.height - 50 && state.x + state.width > area.x + 50 && state.y >= area.y - 10;
  return visible ? state : { width: Math.min(state.width, area.width), height: Math.min(state.height, area.height), maximized: state.maximized };
}

/** No remote content, no new windows, no navigation away, no permissions. */
function harden(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url;
    callback({ cancel: !(url.startsWith('file:') || url.startsWith('devtools:') || url.startsWith('data:') || url.startsWith('blob:')) });
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https:')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (url !== rendererUrl) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
