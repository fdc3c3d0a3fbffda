import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { BackendKind } from '../api/app.js';
import type { JobColumns, TraceOverview, TraceSummary } from '../api/trace.js';
import { REJECTED_ROWS_SHOWN } from '../api/trace.js';
import { loadTraceFile, parseTraceTextAsync } from '../trace/index.js';
import type { Job } from '../trace/index.js';
import type { LoadedTrace } from '../trace/index.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { ServiceError } from '../api/errors.js';
import type { ApiHandlers, CallContext } from '../api/handlers.js';
import { EventHub } from './events.js';
import { createExperimentService } from './experiment.js';
import type { RunManager } from './runs/manager.js';
import { buildOverview } from './overview.js';
import { findAssetsDir, listSamples, sampleSha256 } from './samples.js';
import { HeavyWork, traceFileKey } from './heavy.js';
import { UploadStore } from './uploads.js';
import { OpenTraces } from './open-traces.js';

export interface HostOptions {
  backend: BackendKind;
  /** Desktop: the UI may open any path the user picked. Browser mode: samples and uploads only. */
  canReadPaths: boolean;
  /** Folder with traces/ (bundled samples); found from this module when omitted. */
  assetsDir?: string | null;
  /** Traces one page (or the local caller) holds at once; opening another releases its oldest (default 3). */
  maxTraces?: number;
  /** Distinct parsed files held for all pages together, the memory bound (default 8; see OpenTraces). */
  maxParsedTraces?: number;
  /** How long a disconnected page's traces stay, so that a reload finds its trace (default 2 minutes). */
  traceGraceMs?: number;
  /** Runtime versions to report besides Node's (Electron adds its own). */
  versions?: Record<string, string>;
  /** The active TensorFlow.js backend, once the model code has chosen one (default: the last training's). */
  tfjsBackend?: () => string | null;
  /**
   * Where experiment runs are kept (config, status, curves, results), so
   * they survive a restart; null or absent: this back end runs no experiments.
   */
  runsDir?: string | null;
  /** Where the back end logs what goes wrong in the background (a run that fails). */
  log?: (message: string) => void;
  /** How often a run sends progress and training batches (defaults suit a UI; tests ask for more). */
  runEventIntervalsMs?: { progress?: number; train?: number };
}

export interface MirageService {
  handlers: ApiHandlers;
  /** What the back end pushes on its own (run status, progress, training curves): each connection subscribes. */
  events: EventHub;
  /** The experiment runner, when this back end keeps runs. */
  runs: RunManager | null;
  /** Traces held now (for tests and diagnostics). */
  readonly openTraces: number;
  /** Distinct parsed files those traces share (for tests and diagnostics). */
  readonly parsedTraces: number;
  /** Unfinished uploads held now (for tests and diagnostics). */
  readonly openUploads: number;
  /**
   * Holds or does something that a restart of this back end would lose: a
   * trace (during its grace too), an upload, a parse, a running experiment.
   */
  readonly busy: boolean;
  /** Stops a running experiment as an interruption (it can be resumed after the restart). */
  shutdown(): Promise<void>;
}

/** The one implementation of the service API, whatever transport carries it. */
export function createMirageService(options: HostOptions): MirageService {
  const assetsDir = options.assetsDir === undefined ? findAssetsDir() : options.assetsDir;
  const traces = new OpenTraces({ perClient: options.maxTraces, maxParsed: options.maxParsedTraces, graceMs: options.traceGraceMs });
  const uploads = new UploadStore();
  const heavy = new HeavyWork();
  const events = new EventHub();
  const instance = randomUUID();
  const experiments = createExperimentService({
    runsDir: options.runsDir ?? null,
    canReadPaths: options.canReadPaths,
    assetsDir,
    events,
    openedPaths: () => traces.summaries().flatMap((s) => (s.path ? [s.path] : [])),
    heavy,
    log: options.log,
    eventIntervalsMs: options.runEventIntervalsMs,
  });

  /** A trace that is a bundled sample (uploaded, or opened by path) gets the sample's cluster size. */
  const knownCapacity = (sha256: string): number | undefined =>
    listSamples(assetsDir).find((s) => s.sizeBytes > 0 && sampleSha256(s) === sha256)?.capacityNodes;

  /**
   * buildOverview, computed once per jobs array and cluster size: a parse is
   * shared by everyone who opened the file at once (heavy.ts), and a hundred
   * pages must not each spend the overview's CPU time (about 0.2 s for LS6)
   * while the others wait.
   */
  const overviews = new WeakMap<readonly Job[], Map<string, TraceOverview>>();
  const overviewFor = (jobs: readonly Job[], capacity?: number, source?: Parameters<typeof buildOverview>[2]): TraceOverview => {
    let byKey = overviews.get(jobs);
    if (!byKey) overviews.set(jobs, (byKey = new Map()));
    const key = `${capacity ?? ''}:${source ?? ''}`;
    let overview = byKey.get(key);
    if (!overview) byKey.set(key, (overview = buildOverview(jobs, capacity, source)));
    return overview;
  };

  /** The overview with the cluster size the user gave, else the trace declares, else a sample's, else inferred from the peak. */
  const overviewOf = (loaded: LoadedTrace, given: number | undefined) => {
    if (given) return overviewFor(loaded.jobs, given, 'given');
    if (loaded.capacityNodes) return overviewFor(loaded.jobs, loaded.capacityNodes, 'declared');
    const sample = knownCapacity(loaded.sha256);
    return sample ? overviewFor(loaded.jobs, sample, 'sample') : overviewFor(loaded.jobs);
  };

  const keep = (
    loaded: LoadedTrace,
    source: TraceSummary['source'],
    fileName: string,
    capacityNodes: number | undefined,
    loadMs: number,
    { signal, client }: Pick<CallContext, 'signal' | 'client'>,
  ): TraceSummary => {
    // A page that cancelled or left will never ask for it: keeping it would only hold memory.
    signal.throwIfAborted();
    // Unique across back ends: a page keeps its trace's id over a reload and asks the back end
    // that then runs, which after a restart holds other traces; a counter would hand out the same ids.
    const traceId = `t-${randomUUID()}`;
    // The same file opened again (sequentially, so heavy.ts did not share the parse) shares the jobs held already.
    const jobs = traces.sameFile(loaded.sha256, loaded.format) ?? loaded.jobs;
    const summary: TraceSummary = {
      traceId,
      fileName,
      source,
      path: source === 'path' ? loaded.path : null,
      format: loaded.format,
      sha256: loaded.sha256,
      rows: loaded.rows,
      rejectedCount: loaded.rejectedCount,
      rejected: loaded.rejected.slice(0, REJECTED_ROWS_SHOWN),
      repairs: { ...loaded.repairs },
      notes: loaded.notes,
      loadMs,
      overview: overviewOf({ ...loaded, jobs }, capacityNodes),
    };
    traces.add(traceId, { summary, jobs }, client);
    return summary;
  };

  const handlers: ApiHandlers = {
    'app.info': () => ({
      name: TOOL_NAME,
      version: TOOL_VERSION,
      backend: options.backend,
      versions: { node: process.versions.node, v8: process.versions.v8, ...options.versions },
      platform: process.platform,
      arch: process.arch,
      tfjsBackend: options.tfjsBackend?.() ?? experiments.runs?.backend ?? null,
      canReadPaths: options.canReadPaths,
      instance,
    }),

    'trace.samples': () => listSamples(assetsDir).map(({ path: _path, ...sample }) => sample),

    'trace.uploadBegin': ({ fileName, sizeChars }, { client }) => uploads.begin(basename(fileName), sizeChars, client),
    'trace.uploadChunk': ({ uploadId, seq, text }, { client }) => uploads.chunk(uploadId, seq, text, client),
    'trace.uploadAbort': ({ uploadId }, { client }) => ({ aborted: uploads.abort(uploadId, client) }),

    'trace.open': async ({ source, format, capacityNodes }, { signal, onProgress, client }) => {
      const startedMs = Date.now();
      traces.checkRoom();
      const formatOption = format && format !== 'auto' ? format : undefined;
      if (source.kind === 'upload') {
        const { fileName, text } = uploads.take(source.uploadId, client);
        onProgress({ stage: 'load', done: 0, total: text.length, unit: 'chars' });
        // In slices, yielding between them: a large upload must not stall other pages' requests.
        const loaded = await parseTraceTextAsync(text, fileName, { format: formatOption, signal, onProgress });
        // Kept beside the runs, so an experiment can name it (a page cannot hand the back end a path).
        if (loaded.jobs.length > 0) await experiments.keepUpload(fileName, loaded.sha256, text);
        return keep(loaded, 'upload', fileName, capacityNodes, Date.now() - startedMs, { signal, client });
      }
      let path: string;
      if (source.kind === 'sample') {
        const sample = listSamples(assetsDir).find((s) => s.name === source.name);
        if (!sample) throw new ServiceError('not-found', `no bundled sample named ${source.name}`);
        path = sample.path;
      } else {
        if (!options.canReadPaths) throw new ServiceError('forbidden', 'this back end does not read paths on its machine: upload the file instead');
        path = source.path;
      }
      // One parse per file however many ask at once (heavy.ts); the first caller sees its progress.
      const loaded = await heavy.run(traceFileKey(path, formatOption), client?.id ?? 'local', () => loadTraceFile(path, { format: formatOption, onProgress }), signal);
      return keep(loaded, source.kind, basename(path), capacityNodes, Date.now() - startedMs, { signal, client });
    },

    // Asking about a trace holds it for the asking page: that is how a reloaded page re-attaches (trace.summary).
    'trace.overview': ({ traceId, capacityNodes }, { client }) => {
      const trace = traces.get(traceId, client);
      const overview = overviewFor(trace.jobs, capacityNodes);
      trace.summary = { ...trace.summary, overview };
      return overview;
    },

    'trace.summary': ({ traceId }, { client }) => traces.get(traceId, client).summary,

    'trace.jobs': ({ traceId }, { client }) => toColumns(traceId, traces.get(traceId, client).jobs),

    // Releases this page's hold; the trace leaves memory when no other page holds it.
    'trace.close': ({ traceId }, { client }) => ({ closed: traces.release(traceId, client) }),

    ...experiments.handlers,
  };

  return {
    handlers,
    events,
    runs: experiments.runs,
    get openTraces() {
      return traces.size;
    },
    get parsedTraces() {
      return traces.parsed;
    },
    get openUploads() {
      return uploads.size;
    },
    get busy() {
      return traces.size > 0 || uploads.size > 0 || heavy.size > 0 || (experiments.runs?.activeId ?? null) !== null;
    },
    shutdown: async () => {
      await experiments.runs?.shutdown();
    },
  };
}

export function toColumns(traceId: string, jobs: readonly Job[]): JobColumns {
  const n = jobs.length;
  const columns: JobColumns = {
    traceId,
    count: n,
    id: new Array<string>(n),
    name: new Array<string>(n),
    user: new Array<string>(n),
    partition: new Array<string>(n),
    state: new Array<string>(n),
    submitSec: new Array<number>(n),
    startSec: new Array<number | null>(n),
    endSec: new Array<number | null>(n),
    limitMinutes: new Array<number | null>(n),
    nodes: new Array<number>(n),
    line: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const job = jobs[i];
    columns.id[i] = job.id;
    columns.name[i] = job.name;
    columns.user[i] = job.user;
    columns.partition[i] = job.partition;
    columns.state[i] = job.state;
    columns.submitSec[i] = job.submitSec;
    columns.startSec[i] = job.startSec;
    columns.endSec[i] = job.endSec;
    columns.limitMinutes[i] = job.limitMinutes;
    columns.nodes[i] = job.nodes;
    columns.line[i] = job.line;
  }
  return columns;
}
