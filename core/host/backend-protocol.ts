/**
 * The messages between `mirage serve`'s server process and its back-end
 * process (backend-process.ts, backend-entry.ts), over Node's IPC channel.
 * The server relays each page's WebSocket frames as they came, as UTF-8
 * bytes it neither decodes nor parses, so that it never holds more of a
 * request or a reply than the frame in transit, and none of it on its V8
 * heap (a burst of replies passing through as strings grew the server's
 * young generation for good); the back end parses and answers them exactly
 * as it would over the WebSocket itself (core/api/connection.ts).
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

/** Server to back end. `conn` numbers one WebSocket for the server's lifetime. */
export type ToBackend =
  | { type: 'connect'; conn: number }
  /** A text frame's UTF-8 bytes as received (checked by the WebSocket server), or null for a binary frame (not part of the protocol). */
  | { type: 'frame'; conn: number; utf8: Uint8Array | null }
  | { type: 'disconnect'; conn: number }
  | { type: 'status'; id: number }
  /** Stop cleanly: a running experiment is saved as interrupted, resumable later. */
  | { type: 'shutdown' };

/** Back end to server. */
export type FromBackend =
  | { type: 'ready' }
  /** One message for the page: the UTF-8 of its JSON. */
  | { type: 'frame'; conn: number; utf8: Uint8Array }
  | { type: 'status'; id: number; status: BackendStatus };

/** The options the server starts the back end with (one JSON argument). */
export interface BackendOptions {
  runsDir: string | null;
  /** How long a page's traces stay after it left (default: the service's, 2 minutes). */
  traceGraceMs?: number;
}

const isConn = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The message if it is one the back end knows, else null (each side checks what it receives). */
export function toBackendMessage(m: unknown): ToBackend | null {
  if (!isRecord(m)) return null;
  switch (m.type) {
    case 'connect':
    case 'disconnect':
      return isConn(m.conn) ? { type: m.type, conn: m.conn } : null;
    case 'frame':
      return isConn(m.conn) && (m.utf8 instanceof Uint8Array || m.utf8 === null) ? { type: 'frame', conn: m.conn, utf8: m.utf8 } : null;
    case 'status':
      return isConn(m.id) ? { type: 'status', id: m.id } : null;
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
    case 'frame':
      return isConn(m.conn) && m.utf8 instanceof Uint8Array ? { type: 'frame', conn: m.conn, utf8: m.utf8 } : null;
    case 'status':
      return isConn(m.id) && isRecord(m.status) && typeof m.status.busy === 'boolean' && isConn(m.status.pid)
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
