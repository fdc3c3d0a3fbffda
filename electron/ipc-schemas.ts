import { z } from 'zod';
import { describeIssues } from '../core/api/protocol.js';
import { OpenTextRequestSchema, RecentEntrySchema, SaveRequestSchema } from '../core/api/shell.js';

/**
 * The few calls the preload makes to the main process (the service API goes
 * to the utility process instead), each with the schema of its arguments.
 * The main process checks every call against these before acting.
 */
export const ipcChannels = {
  'mirage:ready': z.tuple([]),
  'mirage:open-dialog': z.tuple([]),
  'mirage:save-text': z.tuple([SaveRequestSchema]),
  'mirage:open-text': z.tuple([OpenTextRequestSchema]),
  'mirage:recent-list': z.tuple([]),
  'mirage:recent-add': z.tuple([RecentEntrySchema]),
} as const;

export type IpcChannel = keyof typeof ipcChannels;
export type IpcArgs<C extends IpcChannel> = z.output<(typeof ipcChannels)[C]>;

export function parseIpcArgs<C extends IpcChannel>(channel: C, args: unknown[]): { ok: true; args: IpcArgs<C> } | { ok: false; error: string } {
  const parsed = ipcChannels[channel].safeParse(args);
  if (parsed.success) return { ok: true, args: parsed.data as IpcArgs<C> };
  return { ok: false, error: `${channel}: ${describeIssues(parsed.error, 'args').join('; ')}` };
}

/** Only our own page (loaded from the app's files) may call the main process. */
export function isTrustedSender(senderUrl: string | undefined, rendererUrl: string): boolean {
  if (!senderUrl) return false;
  try {
    const a = new URL(senderUrl);
    const b = new URL(rendererUrl);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}
