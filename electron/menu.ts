import type { MenuItemConstructorOptions } from 'electron';
import { Menu, app, shell } from 'electron';
import type { MenuCommand, RecentEntry } from '../core/api/shell.js';

export interface MenuActions {
  /** Sends a command to the focused window's UI. */
  command(command: MenuCommand): void;
  clearRecent(): void;
}

/** The application menu: File (open, recent, export, quit), View, Help (about). */
export function buildMenu(recent: readonly RecentEntry[], actions: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map(
          (entry): MenuItemConstructorOptions => ({
            label: entry.kind === 'path' ? entry.path : `${entry.label} (sample)`,
            click: () => actions.command({ command: 'open-recent', entry }),
          }),
        ),
        { type: 'separator' },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No recent traces', enabled: false }];

  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Trace…', accelerator: 'CmdOrCtrl+O', click: () => actions.command({ command: 'open-trace' }) },
        { label: 'Open Sample Trace', click: () => actions.command({ command: 'open-sample', name: 'ls6-a100' }) },
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        { label: 'Open Experiment Config…', click: () => actions.command({ command: 'open-config' }) },
        { label: 'Save Experiment Config…', accelerator: 'CmdOrCtrl+S', click: () => actions.command({ command: 'save-config' }) },
        { type: 'separator' },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.command({ command: 'export' }) },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&View',
      submenu: [
        { label: 'Start', accelerator: 'CmdOrCtrl+1', click: () => actions.command({ command: 'navigate', page: 'start' }) },
        { label: 'Overview', accelerator: 'CmdOrCtrl+2', click: () => actions.command({ command: 'navigate', page: 'overview' }) },
        { label: 'Jobs', accelerator: 'CmdOrCtrl+3', click: () => actions.command({ command: 'navigate', page: 'jobs' }) },
        { label: 'Rejected Rows', accelerator: 'CmdOrCtrl+4', click: () => actions.command({ command: 'navigate', page: 'rejected' }) },
        { label: 'Experiment', accelerator: 'CmdOrCtrl+5', click: () => actions.command({ command: 'navigate', page: 'experiment' }) },
        { label: 'Runs', accelerator: 'CmdOrCtrl+6', click: () => actions.command({ command: 'navigate', page: 'runs' }) },
        { label: 'Compare', accelerator: 'CmdOrCtrl+7', click: () => actions.command({ command: 'navigate', page: 'compare' }) },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: '&Help',
      submenu: [
        { label: 'Documentation', click: () => void shell.openExternal('https://github.com/zhaozhang/Mirage') },
        { type: 'separator' },
        { label: 'About Mirage Workbench', click: () => actions.command({ command: 'about' }) },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
