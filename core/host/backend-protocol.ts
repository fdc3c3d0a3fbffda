import { readFileSync } from 'node:fs';

/**
 * The messages between `mirage serve`'s server process and its back-end
 * process (backend-process.ts, backend-entry.ts), over Node's IPC channel.
 * The server checks each API upgrade request and hands the page's socket
 * itself to the back end (Node passes the descriptor along with the
 * message), which completes the WebSocket handshake and serves the page: no
 * frame passes through the server, so no burst of pages' traffic grows it.
 */

/** What the back end is, for the server's decisions and for diagnostics. */
export interface BackendStatus {
  pid: number;
  /** It holds or does something a restart would lose (MirageService.busy). */
  busy: boolean;
  openTraces: number;
  parsedTraces: number;
  openUploads: number;
  /** Private memory (RssAnon) in bytes, NaN where /proc is not there. */
  rssAnon: number;
  rss: number;
  /** Highest RSS since this back end started (VmHWM), NaN where /proc is not there. */
  peakRss: number;
  heapUsed: number;
}

/** Server to back end. */
export type ToBackend =
  /** A checked upgrade request; the page's socket comes with the message as its handle. */
  | { type: 'upgrade'; method: string; url: string; headers: Record<string, string | string[] | undefined>; head: Uint8Array }
  | { type: 'status'; id: number }
  /** Stop cleanly: pages are closed, a running experiment is saved as interrupted, resumable later. */
  | { type: 'shutdown' };

/** Back end to server. */
export type FromBackend =
  | { type: 'ready' }
  /** Pages connected now, after each change (the server replaces an idle back end only with none). */
  | { type: 'pages'; count: number }
  /** A line for the server's log. */
  | { type: 'log'; message: string }
  | { type: 'status'; id: number; status: BackendStatus };

/** The options the server starts the back end with (one JSON argument). */
export interface BackendOptions {
  runsDir: string | null;
  /** How long a page's traces stay after it left (default: the service's, 2 minutes). */
  traceGraceMs?: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isHeaders = (v: unknown): v is Record<string, string | string[] | undefined> =>
  isRecord(v) && Object.values(v).every((h) => h === undefined || typeof h === 'string' || (Array.isArray(h) && h.every((x) => typeof x === 'string')));

/** The message if it is one the back end knows, else null (each side checks what it receives). */
export function toBackendMessage(m: unknown): ToBackend | null {
  if (!isRecord(m)) return null;
  switch (m.type) {
    case 'upgrade':
      return typeof m.method === 'string' && typeof m.url === 'string' && isHeaders(m.headers) && m.head instanceof Uint8Array
        ? { type: 'upgrade', method: m.method, url: m.url, headers: m.headers, head: m.head }
        : null;
    case 'status':
      return isCount(m.id) && m.id > 0 ? { type: 'status', id: m.id } : null;
    case 'shutdown':
      return { type: 'shutdown' };
    default:
      return null;
  }
}

export function fromBackendMessage(m: unknown): FromBackend | null {
  if (!isRecord(m)) return null;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'pages':
      return isCount(m.count) ? { type: 'pages', count: m.count } : null;
    case 'log':
      return typeof m.message === 'string' ? { type: 'log', message: m.message } : null;
    case 'status':
      return isCount(m.id) && m.id > 0 && isRecord(m.status) && typeof m.status.busy === 'boolean' && isCount(m.status.pid)
        ? { type: 'status', id: m.id, status: m.status as unknown as BackendStatus }
        : null;
    default:
      return null;
  }
}

export function backendOptionsFrom(argument: string | undefined): BackendOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argument ?? '');
  } catch {
    throw new Error('the back end takes its options as one JSON argument');
  }
  if (!isRecord(parsed)) throw new Error('the back end options must be a JSON object');
  const { runsDir, traceGraceMs } = parsed;
  if (runsDir !== null && typeof runsDir !== 'string') throw new Error('runsDir must be a path or null');
  if (traceGraceMs !== undefined && !(typeof traceGraceMs === 'number' && Number.isSafeInteger(traceGraceMs) && traceGraceMs >= 0)) {
    throw new Error('traceGraceMs must be a whole number of milliseconds');
  }
  return { runsDir, ...(traceGraceMs === undefined ? {} : { traceGraceMs }) };
}

/** This process's memory as BackendStatus reports it (the /proc fields NaN where /proc is not there). */
export function ownMemory(): Pick<BackendStatus, 'rssAnon' | 'rss' | 'peakRss' | 'heapUsed'> {
  let procStatus = '';
  try {
    procStatus = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rssAnon: statusBytes(procStatus, 'RssAnon'), rss, peakRss: statusBytes(procStatus, 'VmHWM'), heapUsed };
}

/**
 * A memory field of /proc/PID/status in bytes, NaN if absent. RssAnon is the
 * process's own resident memory (V8's heap, malloc); RSS also counts the
 * pages of the node binary touched so far, file-backed and shared. VmHWM is
 * the highest RSS since the process started.
 */
export function statusBytes(statusText: string, field: 'RssAnon' | 'VmHWM'): number {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(statusText);
  return kb ? Number(kb[1]) * 1024 : NaN;
}
