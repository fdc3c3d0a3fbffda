import type { TraceSummary } from '../api/trace.js';
import type { ClientContext } from '../api/handlers.js';
import { ServiceError } from '../api/errors.js';
import type { Job } from '../trace/index.js';

/** A trace the back end holds in memory: what `trace.open` answered, and the parsed jobs. */
export interface HeldTrace {
  summary: TraceSummary;
  /** May be shared with other held traces of the same file (same bytes and format): never mutated. */
  jobs: Job[];
}

export interface OpenTraceLimits {
  /** Traces one client holds at once; opening or touching one more releases its oldest. */
  perClient?: number;
  /** Distinct parsed files held at once, all clients together (the memory bound). */
  maxParsed?: number;
  /** How long a disconnected client's traces stay held, so that a reloaded page finds its trace again. */
  graceMs?: number;
}

interface Entry extends HeldTrace {
  /** Ids of the clients holding this trace; it is dropped when the last one lets go. */
  holders: Set<string>;
}

interface Holder {
  /** Trace ids, oldest first (a touch moves one to the end). */
  traces: Set<string>;
  /** False from the disconnect until the grace period ends and the holder is forgotten. */
  connected: boolean;
}

/** The holder of calls made without a connection (tests, in-process tools): one local user who never disconnects. */
const LOCAL = 'local';

/**
 * The traces the back end keeps in memory, by who holds them. A client
 * (a page, an Electron window) holds every trace it opened or asked about
 * (`trace.summary`, `trace.jobs`, `trace.overview`) until it closes it,
 * opens more than `perClient`, or disconnects; after a disconnect its
 * traces stay for `graceMs`, so a page reloading re-attaches to its trace
 * with `trace.summary` on its new connection. A trace nobody holds is
 * dropped at once, so once every page is gone (and the grace has passed)
 * nothing stays. Traces of the same file share one jobs array; when a new
 * parse would exceed `maxParsed`, the oldest parse held only by
 * disconnected clients is dropped, and when every parse is held by a
 * connected client the open is refused (a 'conflict' naming the limit)
 * rather than taking another page's trace away.
 */
export class OpenTraces {
  private readonly entries = new Map<string, Entry>();
  private readonly holders = new Map<string, Holder>();
  private readonly perClient: number;
  private readonly maxParsed: number;
  private readonly graceMs: number;

  constructor(limits: OpenTraceLimits = {}) {
    this.perClient = limits.perClient ?? 3;
    this.maxParsed = limits.maxParsed ?? 8;
    this.graceMs = limits.graceMs ?? 2 * 60_000;
    if (!(Number.isInteger(this.perClient) && this.perClient >= 1 && Number.isInteger(this.maxParsed) && this.maxParsed >= 1 && this.graceMs >= 0)) {
      throw new RangeError(`trace limits must be whole numbers of at least 1 and a grace of at least 0 ms (got ${this.perClient}, ${this.maxParsed}, ${this.graceMs})`);
    }
  }

  /** Traces held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Distinct parsed files held now (the memory they take). */
  get parsed(): number {
    return new Set([...this.entries.values()].map((e) => e.jobs)).size;
  }

  /** Every held trace's summary. */
  summaries(): TraceSummary[] {
    return [...this.entries.values()].map((e) => e.summary);
  }

  /** The jobs of a held trace with the same bytes and format, to share instead of keeping a second copy. */
  sameFile(sha256: string, format: string): Job[] | undefined {
    for (const e of this.entries.values()) if (e.summary.sha256 === sha256 && e.summary.format === format) return e.jobs;
    return undefined;
  }

  /** Refuses before a parse that could not be kept (every parse held by a connected client), so no work is wasted on it. */
  checkRoom(): void {
    if (this.parsed >= this.maxParsed && this.evictable() === undefined) throw this.full();
  }

  /** Holds a newly opened trace for `client`; `trace.jobs` must come from sameFile() when there is one. */
  add(traceId: string, trace: HeldTrace, client?: ClientContext): void {
    const isNewParse = ![...this.entries.values()].some((e) => e.jobs === trace.jobs);
    if (isNewParse) {
      while (this.parsed >= this.maxParsed) {
        const victim = this.evictable();
        if (victim === undefined) throw this.full();
        for (const [id, e] of this.entries) if (e.jobs === victim) this.drop(id);
      }
    }
    this.entries.set(traceId, { ...trace, holders: new Set() });
    this.attach(traceId, client);
  }

  /** The trace, now held by `client` too (how a reloaded page re-attaches); 'not-found' when it is not held. */
  get(traceId: string, client?: ClientContext): HeldTrace {
    const entry = this.entries.get(traceId);
    if (!entry) throw new ServiceError('not-found', `trace ${traceId} is not open (it may have been closed to free memory); open it again`);
    this.attach(traceId, client);
    return entry;
  }

  /** Lets go of `client`'s hold (dropping the trace if it was the last); false when it held none. */
  release(traceId: string, client?: ClientContext): boolean {
    return this.unhold(traceId, client?.id ?? LOCAL);
  }

  private unhold(traceId: string, holderId: string): boolean {
    const held = this.holders.get(holderId)?.traces.delete(traceId) ?? false;
    const entry = this.entries.get(traceId);
    if (held && entry) {
      entry.holders.delete(holderId);
      if (entry.holders.size === 0) this.entries.delete(traceId);
    }
    return held;
  }

  private attach(traceId: string, client?: ClientContext): void {
    const holderId = client?.id ?? LOCAL;
    let holder = this.holders.get(holderId);
    if (!holder) {
      holder = { traces: new Set(), connected: true };
      this.holders.set(holderId, holder);
      // Runs at once if the client is already gone: its traces then go after the grace like any other.
      client?.onClose(() => this.disconnected(holderId));
    }
    holder.traces.delete(traceId); // a touch makes it the newest
    holder.traces.add(traceId);
    this.entries.get(traceId)!.holders.add(holderId);
    for (const oldest of holder.traces) {
      if (holder.traces.size <= this.perClient) break;
      this.unhold(oldest, holderId);
    }
  }

  private disconnected(holderId: string): void {
    const holder = this.holders.get(holderId);
    if (!holder) return;
    holder.connected = false;
    const timer = setTimeout(() => {
      for (const traceId of holder.traces) this.unhold(traceId, holderId);
      this.holders.delete(holderId);
    }, this.graceMs);
    // Waiting to free memory must not keep a finished process (a test, a CLI) alive.
    timer.unref();
  }

  /** The jobs array of the oldest parse that no connected client holds, if any. */
  private evictable(): Job[] | undefined {
    const connectedUse = new Set<Job[]>();
    for (const e of this.entries.values()) {
      if ([...e.holders].some((h) => this.holders.get(h)?.connected !== false)) connectedUse.add(e.jobs);
    }
    for (const e of this.entries.values()) if (!connectedUse.has(e.jobs)) return e.jobs;
    return undefined;
  }

  private drop(traceId: string): void {
    const entry = this.entries.get(traceId);
    if (!entry) return;
    for (const h of entry.holders) this.holders.get(h)?.traces.delete(traceId);
    this.entries.delete(traceId);
  }

  private full(): ServiceError {
    return new ServiceError('conflict', `the server holds ${this.maxParsed} traces that open pages are using (its limit); close a trace in another tab, or try again later`);
  }
}
