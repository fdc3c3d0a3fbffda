import { z } from 'zod';

/**
 * What the desktop shell (Electron main + preload) adds around the service
 * API: native dialogs, the menu, recent files. The preload exposes it as
 * `window.mirage.shell`; the main process validates every call with these
 * schemas. The browser shell implements the same interface with web APIs.
 */

export const RecentEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096), label: z.string().max(255), openedAtMs: z.number() }),
  z.object({ kind: z.literal('sample'), name: z.string().min(1).max(64), label: z.string().max(255), openedAtMs: z.number() }),
]);
export type RecentEntry = z.infer<typeof RecentEntrySchema>;
export const RECENT_MAX = 10;

/** Commands the application menu (or a shortcut) sends to the UI. */
export const MenuCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('open-trace') }),
  z.object({ command: z.literal('open-path'), path: z.string().min(1).max(4096) }),
  z.object({ command: z.literal('open-recent'), entry: RecentEntrySchema }),
  z.object({ command: z.literal('open-sample'), name: z.string().min(1).max(64) }),
  z.object({ command: z.literal('export') }),
  z.object({ command: z.literal('open-config') }),
  z.object({ command: z.literal('save-config') }),
  z.object({ command: z.literal('about') }),
  z.object({ command: z.literal('navigate'), page: z.string().max(64) }),
]);
export type MenuCommand = z.infer<typeof MenuCommandSchema>;

export const SaveRequestSchema = z.object({
  suggestedName: z.string().min(1).max(255),
  /** Text to write (CSV, JSON, reward.log), or base64 of binary content (a PNG) when `encoding` says so. */
  text: z.string().max(256 * (1 << 20)),
  encoding: z.enum(['utf8', 'base64']).optional(),
  filters: z.array(z.object({ name: z.string().max(64), extensions: z.array(z.string().max(16)).max(8) })).max(8),
});
export type SaveRequest = z.infer<typeof SaveRequestSchema>;

export const FileFilterSchema = z.object({ name: z.string().max(64), extensions: z.array(z.string().max(16)).max(8) });

/** Asks the user for a text file to read (an experiment config): native dialog on the desktop, file chooser in a browser. */
export const OpenTextRequestSchema = z.object({
  title: z.string().max(255),
  filters: z.array(FileFilterSchema).max(8),
});
export type OpenTextRequest = z.infer<typeof OpenTextRequestSchema>;

/** The file the user picked: its name and text (at most 16 MiB). */
export interface OpenedText {
  name: string;
  text: string;
}
export const OPEN_TEXT_MAX_BYTES = 16 * (1 << 20);

/** What the back end status channel says (crash, restart), as the shell reports it. */
export const BackendStatusSchema = z.object({
  state: z.enum(['starting', 'ready', 'crashed', 'restarting', 'disconnected']),
  /** Why it crashed (Electron's exit reason), when it did. */
  detail: z.string().optional(),
  restarts: z.number().int().nonnegative(),
});
export type BackendStatus = z.infer<typeof BackendStatusSchema>;

/**
 * `window.mirage` as the preload exposes it. The renderer wraps `send` /
 * `onMessage` into a Transport; everything else is the desktop shell.
 */
export interface MirageBridge {
  readonly shell: 'electron';
  readonly versions: Record<string, string>;
  /**
   * Sends one API message to the back end (utility process) over its
   * MessagePort; false when there is no live port (the back end crashed and
   * is restarting): the message was not sent, and the caller must say so.
   */
  send(message: unknown): boolean;
  onMessage(listener: (message: unknown) => void): () => void;
  /** Called with a fresh port's status: each (re)start of the utility process. */
  onBackendStatus(listener: (status: BackendStatus) => void): () => void;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** Native open dialog; resolves to the chosen path or null. */
  showOpenTraceDialog(): Promise<string | null>;
  /** Native save dialog + write; resolves to the written path or null when cancelled. */
  saveText(request: SaveRequest): Promise<string | null>;
  /** Native open dialog + read of a small text file; null when cancelled. */
  openText(request: OpenTextRequest): Promise<OpenedText | null>;
  recentList(): Promise<RecentEntry[]>;
  recentAdd(entry: RecentEntry): Promise<RecentEntry[]>;
  /** The host path of a dropped File (Electron's webUtils), '' when it has none. */
  pathForFile(file: unknown): string;
  /** Tells main the UI is ready for a port (first load and reloads). */
  ready(): void;
}
