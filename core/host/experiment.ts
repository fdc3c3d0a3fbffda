import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ExportFile, Preset, TraceChoice, TraceRange } from '../api/experiment.js';
import { ServiceError } from '../api/errors.js';
import type { ApiHandlers } from '../api/handlers.js';
import { parsePipelineConfig, PipelineConfigSchema } from '../pipeline/config.js';
import { checkPipelineFits, RunTooLargeError } from '../pipeline/limits.js';
import { POLICY_MANIFEST_FILE, formatPolicyInfo, loadPolicyBundle, provisionCommand } from '../policy/index.js';
import { PIPELINE_POLICY_DIR } from '../pipeline/policy.js';
import type { PolicyBundle } from '../policy/index.js';
import { tarFolder } from '../policy/index.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { prepareWorkload } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile, parseClock } from '../trace/index.js';
import type { EventHub } from './events.js';
import { HeavyWork } from './heavy.js';
import { buildOverview } from './overview.js';
import { compareRuns, readRunRecords } from './runs/compare.js';
import { RunManager } from './runs/manager.js';
import { reportToHtml } from './runs/report-html.js';
import { RunStore } from './runs/store.js';
import { replaySampleTimeline } from './runs/timeline.js';
import { listSamples, sampleSha256 } from './samples.js';

export type ExperimentMethod = Extract<keyof ApiHandlers, `experiment.${string}` | `runs.${string}` | `compare.${string}`>;

export interface ExperimentHostOptions {
  /** Where runs are kept; null: this back end keeps none (the experiment methods say so). */
  runsDir: string | null;
  canReadPaths: boolean;
  assetsDir: string | null;
  events: EventHub;
  /** Traces the user opened by path here (desktop): experiments may name them. */
  openedPaths: () => string[];
  log?: (message: string) => void;
  eventIntervalsMs?: { progress?: number; train?: number };
  /** Where trace parses are queued and shared with the trace methods (one of its own when absent). */
  heavy?: HeavyWork;
}

export interface ExperimentService {
  handlers: Pick<ApiHandlers, ExperimentMethod>;
  runs: RunManager | null;
  store: RunStore | null;
  /** Keeps an uploaded trace beside the runs (browser mode), so a config can name it. */
  keepUpload(fileName: string, sha256: string, text: string): Promise<void>;
}

const within = (path: string, root: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

const fileSha256 = new Map<string, { key: string; sha256: string }>();
function sha256Of(path: string): string {
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = fileSha256.get(path);
  if (hit?.key === key) return hit.sha256;
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  fileSha256.set(path, { key, sha256 });
  return sha256;
}

/** Small caches keyed by file identity: the last few traces read for the form and the sample view. */
class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

export function createExperimentService(options: ExperimentHostOptions): ExperimentService {
  const { canReadPaths, assetsDir } = options;
  const store = options.runsDir ? new RunStore(resolve(options.runsDir)) : null;
  const projectRoot = assetsDir ? dirname(assetsDir) : null;
  const tracesRoot = assetsDir ? join(assetsDir, 'traces') : null;

  /**
   * The file a config's trace.path names, as this host may read it: a
   * relative path starts at the installation (the bundled traces, as
   * `mirage run` finds them), then at the runs folder's uploads, then (desktop
   * only) the working directory. In a browser only bundled and uploaded
   * traces are readable: the page must not make the server read its files.
   */
  const resolveTrace = (path: string): string => {
    // Decided before looking at the disk, so the answer says nothing about which files exist.
    if (!canReadPaths && isAbsolute(path)) throw new ServiceError('forbidden', `${path}: in a browser only the bundled traces and traces uploaded here can be used`);
    const candidates = isAbsolute(path)
      ? [path]
      : [projectRoot && join(projectRoot, path), store && join(store.uploadsDir, path), canReadPaths ? resolve(path) : null].filter((c): c is string => c !== null);
    const allowedRoots = [tracesRoot, store?.uploadsDir].filter((r): r is string => Boolean(r));
    for (const candidate of candidates) {
      if (!existsSync(candidate)) continue;
      const real = realpathSync(candidate);
      // Outside the bundled and uploaded traces a browser gets the same answer whether the file exists or not:
      // a token holder must not learn which files are on the server.
      if (!canReadPaths && !allowedRoots.some((root) => existsSync(root) && within(real, realpathSync(root)))) continue;
      if (!statSync(real).isFile()) continue;
      return real;
    }
    if (!canReadPaths) {
      throw new ServiceError('not-found', `${path}: not one of the bundled traces or the traces uploaded here (in a browser only those can be used)`, {
        file: basename(path),
        reason: 'not a bundled or uploaded trace',
      });
    }
    throw new ServiceError('not-found', `trace ${path} not found`, { file: basename(path), reason: 'no such file' });
  };

  const runs = store
    ? new RunManager({
        store,
        events: options.events,
        resolveTrace,
        log: options.log,
        progressIntervalMs: options.eventIntervalsMs?.progress,
        trainFlushMs: options.eventIntervalsMs?.train,
      })
    : null;
  const needRuns = (): { store: RunStore; runs: RunManager } => {
    if (!store || !runs) throw new ServiceError('forbidden', 'this back end keeps no runs (start it with a runs folder: mirage serve --runs-dir DIR)');
    return { store, runs };
  };

  /** Refuses a config this machine cannot hold, with the estimate (core/pipeline/limits.ts). */
  const refuseTooLarge = (config: PipelineConfig, outDir: string): void => {
    let tracePath: string | undefined;
    try {
      tracePath = resolveTrace(config.trace.path);
    } catch {
      tracePath = undefined; // the run reports a missing trace itself, naming it
    }
    try {
      checkPipelineFits(config, outDir, { tracePath });
    } catch (error) {
      if (error instanceof RunTooLargeError) throw new ServiceError('bad-input', error.message, { reason: 'too large for this machine' });
      throw error;
    }
  };

  const ranges = new LruCache<TraceRange>(3);
  const heavy = options.heavy ?? new HeavyWork();
  const workloads = new LruCache<Promise<Workload>>(1);

  const knownCapacity = (sha256: string): number | undefined =>
    listSamples(assetsDir).find((s) => s.sizeBytes > 0 && sampleSha256(s) === sha256)?.capacityNodes;

  const workloadFor = (tracePath: string, config: PipelineConfig): Promise<Workload> => {
    const st = statSync(tracePath);
    const key = `${tracePath}:${st.size}:${st.mtimeMs}:${config.trace.format}:${JSON.stringify(config.sim)}`;
    let w = workloads.get(key);
    if (!w) {
      w = loadTraceFile(tracePath, { format: config.trace.format }).then((trace) => prepareWorkload(trace.jobs, parseSimConfig(config.sim)));
      w.catch(() => {});
      workloads.set(key, w);
    }
    return w;
  };

  /** A run's OUT/policy, loaded through the one bundle loader; null while the run has written none. */
  const runPolicyBundle = async (runId: string): Promise<PolicyBundle | null> => {
    const { store: s, runs: r } = needRuns();
    await r.get(runId);
    const dir = join(s.runDir(runId), PIPELINE_POLICY_DIR);
    if (!existsSync(join(dir, POLICY_MANIFEST_FILE))) return null;
    try {
      return await loadPolicyBundle(dir);
    } catch (error) {
      throw new ServiceError('bad-input', (error as Error).message);
    }
  };

  const runFile = async (runId: string, file: string): Promise<string> => {
    const { store: s } = needRuns();
    try {
      return await readFile(join(s.runDir(runId), file), 'utf8');
    } catch {
      throw new ServiceError('not-found', `run ${runId} has no ${file} (yet)`);
    }
  };

  const handlers: Pick<ApiHandlers, ExperimentMethod> = {
    'experiment.presets': () => {
      if (!assetsDir) return [];
      const dir = join(assetsDir, 'presets');
      if (!existsSync(dir)) return [];
      const presets: Preset[] = [];
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
        const name = file.slice(0, -'.json'.length);
        try {
          const config: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
          if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
            // One text per preset, its file's own description (the CLI shows the same).
            const description = (config as { description?: unknown }).description;
            presets.push({ name, description: typeof description === 'string' ? description : '', config: config as Record<string, unknown> });
          }
        } catch (error) {
          options.log?.(`mirage host: preset ${file} is not valid JSON: ${(error as Error).message}`);
        }
      }
      return presets;
    },

    'experiment.traces': () => {
      const choices: TraceChoice[] = [];
      for (const sample of listSamples(assetsDir)) {
        choices.push({ kind: 'sample', label: `${sample.title} (bundled)`, path: `assets/traces/${sample.fileName}`, sha256: sampleSha256(sample), sizeBytes: sample.sizeBytes });
      }
      if (store && existsSync(store.uploadsDir)) {
        for (const file of readdirSync(store.uploadsDir).sort()) {
          const path = join(store.uploadsDir, file);
          if (!statSync(path).isFile()) continue;
          choices.push({ kind: 'upload', label: `${file.replace(/^[0-9a-f]{12}-/, '')} (uploaded)`, path, sha256: sha256Of(path), sizeBytes: statSync(path).size });
        }
      }
      if (canReadPaths) {
        for (const path of new Set(options.openedPaths())) {
          if (!existsSync(path) || choices.some((c) => c.path === path)) continue;
          choices.push({ kind: 'path', label: basename(path), path, sha256: sha256Of(path), sizeBytes: statSync(path).size });
        }
      }
      return choices;
    },

    'experiment.traceRange': async ({ path, format }, { signal, client }) => {
      const file = resolveTrace(path);
      const st = statSync(file);
      const key = `${file}:${st.size}:${st.mtimeMs}:${format ?? 'auto'}`;
      const hit = ranges.get(key);
      if (hit) return hit;
      const formatOption = format && format !== 'auto' ? format : undefined;
      // Queued, and shared by every request for this file while it runs (heavy.ts): many forms asking at once cost one parse.
      return heavy.run(`range:${key}`, client?.id ?? 'local', async () => {
        const loaded = await loadTraceFile(file, { format: formatOption });
        const overview = buildOverview(loaded.jobs, loaded.capacityNodes ?? knownCapacity(loaded.sha256));
        let first = Infinity;
        let last = -Infinity;
        for (const job of loaded.jobs) {
          first = Math.min(first, job.submitSec);
          last = Math.max(last, job.submitSec);
        }
        const range: TraceRange = {
          fileName: basename(file),
          sha256: loaded.sha256,
          jobCount: loaded.jobs.length,
          capacityNodes: overview.capacityNodes,
          firstSubmitSec: loaded.jobs.length ? first : null,
          lastSubmitSec: loaded.jobs.length ? last : null,
          series: overview.series,
        };
        ranges.set(key, range);
        return range;
      }, signal);
    },

    'runs.list': () => needRuns().runs.list(),
    'runs.get': ({ runId }) => needRuns().runs.get(runId),
    'runs.start': ({ config }) => {
      const { store: s, runs: r } = needRuns();
      refuseTooLarge(config, s.dir);
      return r.start(config);
    },
    'runs.resume': async ({ runId }) => {
      const { store: s, runs: r } = needRuns();
      // A run saved before limits existed (or on a larger machine) is refused here, not by the process dying.
      const parsed = PipelineConfigSchema.safeParse((await r.get(runId)).config);
      if (parsed.success) refuseTooLarge(parsed.data, s.dir);
      return r.resume(runId);
    },
    'runs.cancel': ({ runId }) => needRuns().runs.cancel(runId),
    'runs.delete': async ({ runId }) => ({ deleted: await needRuns().runs.remove(runId) }),
    'runs.annotate': ({ runId, annotation }) => needRuns().runs.annotate(runId, annotation),
    'runs.files': ({ runId }) => needRuns().runs.files(runId),
    'runs.file': async ({ runId, path }) => ({ path, text: await needRuns().runs.file(runId, path) }),

    'runs.export': async ({ runId, kind, chart }): Promise<ExportFile> => {
      const { runs: r } = needRuns();
      const detail = await r.get(runId);
      const name = detail.info.name;
      switch (kind) {
        case 'reward.log':
        case 'rewards.csv':
        case 'report.md':
          return { fileName: kind, mediaType: kind === 'rewards.csv' ? 'text/csv' : kind === 'report.md' ? 'text/markdown' : 'text/plain', text: await runFile(runId, kind) };
        case 'summary.json':
          return { fileName: kind, mediaType: 'application/json', text: await runFile(runId, kind) };
        case 'config.json':
          return { fileName: `${name}.json`, mediaType: 'application/json', text: JSON.stringify(detail.config, null, 2) + '\n' };
        case 'report.html': {
          const charts = new Map<string, string>();
          for (const file of detail.charts) charts.set(file, await runFile(runId, join('charts', file)));
          return { fileName: `${name}-report.html`, mediaType: 'text/html', text: reportToHtml(await runFile(runId, 'report.md'), charts, `Mirage experiment ${name}`) };
        }
        case 'chart': {
          if (!chart || !detail.charts.includes(chart)) throw new ServiceError('not-found', `run ${runId} has no chart ${chart ?? '(none named)'}`);
          return { fileName: `${name}-${chart}`, mediaType: 'image/svg+xml', text: await runFile(runId, join('charts', chart)) };
        }
      }
    },

    'runs.policy': async ({ runId }) => {
      const bundle = await runPolicyBundle(runId);
      return bundle && { dir: bundle.dir, provisionCommand: provisionCommand(bundle.dir), info: formatPolicyInfo(bundle), manifest: bundle.manifest };
    },
    'runs.exportPolicy': async ({ runId }) => {
      const bundle = await runPolicyBundle(runId);
      if (!bundle) throw new ServiceError('not-found', `run ${runId} has no policy bundle yet: it is written when the run finishes`);
      const name = `${(await needRuns().runs.get(runId)).info.name}-policy`;
      return { fileName: `${name}.tar`, mediaType: 'application/x-tar', base64: (await tarFolder(bundle.dir, name)).toString('base64') };
    },

    'compare.data': async ({ runIds }) => {
      const { store: s, runs: r } = needRuns();
      const inputs = [];
      for (const id of runIds) {
        const detail = await r.get(id);
        inputs.push({ id, name: detail.info.name, dir: s.runDir(id) });
      }
      return compareRuns(inputs);
    },

    'compare.timeline': async ({ runId, policy, index }) => {
      const { store: s, runs: r } = needRuns();
      const detail = await r.get(runId);
      const config = parsePipelineConfig(detail.config, `${runId}/config.json`);
      const records = await readRunRecords(s.runDir(runId)).catch(() => {
        throw new ServiceError('not-found', `run ${runId} has no validation results yet (rewards.csv)`);
      });
      const record = records.find((x) => x.policy === policy && x.index === index);
      if (!record) throw new ServiceError('not-found', `run ${runId} has no sample ${index} for ${policy}`);
      const workload = await workloadFor(resolveTrace(config.trace.path), config);
      const v = config.validation;
      const schedule = { startSec: parseClock(v.start), samples: v.samples, ...config.chain };
      const replay = replaySampleTimeline(workload, schedule, index, record.submitSec);
      return { runId, policy, index, ...replay, matchesRecord: replay.succStartSec === record.succStartSec && replay.sampleStartSec === record.sampleStartSec };
    },
  };

  return {
    handlers,
    runs,
    store,
    async keepUpload(fileName, sha256, text) {
      if (store) await store.keepUpload(fileName, sha256, text);
    },
  };
}

/** The default runs folder of `mirage serve`: ./runs when it exists there, else ~/.mirage/runs. */
export function defaultRunsDir(cwd: string, home: string): string {
  const local = join(cwd, 'runs');
  return existsSync(local) && statSync(local).isDirectory() ? local : join(home, '.mirage', 'runs');
}
