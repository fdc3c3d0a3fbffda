import type { ApiClient } from '../../core/api/client.js';
import type { BackendStatus, MenuCommand, OpenedText, OpenTextRequest, RecentEntry, SaveRequest } from '../../core/api/shell.js';

/** A trace the user picked: a path the back end may read (desktop) or a File to upload (browser). */
export type PickedTrace = { kind: 'path'; path: string; name: string } | { kind: 'file'; file: File; name: string };

/**
 * The shell the UI runs in (Electron or a browser), as the UI sees it: the
 * UI never asks which one it is, it asks the host. Like Netron's host.
 */
export interface AppHost {
  readonly kind: 'electron' | 'browser';
  /** Versions of the shell (Electron, Chromium) to show in About. */
  readonly versions: Record<string, string>;
  /** Binds the API client to the back end, again after every restart or reconnect. */
  connect(client: ApiClient, onStatus: (status: BackendStatus) => void): void;
  /** The native open dialog (desktop) or the browser's file chooser. */
  pickTraceFile(): Promise<PickedTrace | null>;
  /** What a file dropped on the window becomes. */
  pickedFromDrop(file: File): PickedTrace;
  /** Saves text (or base64 binary): native save dialog (desktop) or a download (browser). Resolves to where, or null if cancelled. */
  saveText(request: SaveRequest): Promise<string | null>;
  /** Lets the user pick a small text file (an experiment config) and reads it. */
  openText(request: OpenTextRequest): Promise<OpenedText | null>;
  recentList(): Promise<RecentEntry[]>;
  recentAdd(entry: RecentEntry): Promise<RecentEntry[]>;
  /** Commands from the application menu (desktop); the browser has none. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
