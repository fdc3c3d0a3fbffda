import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RunAnnotation, RunDetail, RunFile, RunInfo, RunStage, StageProgress } from '../../api/experiment.js';
import { RUN_LOG_FILE, RunLog, listRunFiles, readRunFile } from './files.js';
import { readModelFit, stageDirsOf } from './fit.js';
import { ServiceError } from '../../api/errors.js';
import type { PipelineConfig } from '../../pipeline/config.js';
import { parsePipelineConfig } from '../../pipeline/config.js';
import type * as PipelineRun from '../../pipeline/run.js';
import type { Progress } from '../../progress.js';
import type { TrainEvent } from '../../train/events.js';
import { TrainEventSchema } from '../../train/events.js';
import type { EventHub } from '../events.js';
import type { RunRecord, RunStore, StoredInfo } from './store.js';
import { policyHeadlines, publicInfo } from './store.js';

/** The pipeline module, loaded on first use: it brings TensorFlow.js, which the trace explorer never needs. */
type PipelineModule = typeof PipelineRun;
let pipelineModule: Promise<PipelineModule> | null = null;
const loadPipeline = (): Promise<PipelineModule> => (pipelineModule ??= import('../../pipeline/run.js'));

export interface RunManagerOptions {
  store: RunStore;
  events: EventHub;
  /** The trace file a config's trace.path names, as this host may read it (throws ServiceError otherwise). */
  resolveTrace: (path: string) => string;
  log?: (message: string) => void;
  /** Least time between two progress events of a run. */
  progressIntervalMs?: number;
  /** Training events are sent and written in batches this often. */
  trainFlushMs?: number;
}

interface ActiveRun {
  id: string;
  controller: AbortController;
  info: StoredInfo;
  /** Settles when the run has stopped and its state is written. */
  done: Promise<void>;
  /** Stopped because the host shuts down (resumable later), not by the user. */
  interrupting: boolean;
  pendingTrain: TrainEvent[];
  /** Sent, but perhaps not on disk yet (a reader adds them; repeats are harmless to the curves). */
  unwritten: TrainEvent[];
  trainWrite: Promise<void>;
  /** Stage output folders as the pipeline reports them (pipeline.json lists them only at the end). */
  stageDirs: Map<string, string>;
}

/** A stage's time left is estimated once this long and this share into it. */
const ETA_AFTER_SEC = 3;
const ETA_AFTER_SHARE = 0.05;

interface StageClock {
  name: string;
  firstDone: number;
  firstMs: number;
  lastTotal: number;
}

/**
 * Runs experiments in this process (the utility process on the desktop, the
 * `mirage serve` process in a browser), never in the UI: one at a time, each
 * kept on disk (RunStore) with its state, stages and training curves, and
 * reported to every connected UI through the run.* events.
 */
export class RunManager {
  /** Distinguishes this process's runs from those of a process that went away. */
  readonly hostId = randomUUID();
  private active: ActiveRun | null = null;
  private starting: Promise<void> = Promise.resolve();
  /** The TensorFlow.js backend the last training ran on (app.info shows it). */
  backend: string | null = null;

  constructor(private readonly options: RunManagerOptions) {}

  private get store(): RunStore {
    return this.options.store;
  }

  get activeId(): string | null {
    return this.active?.id ?? null;
  }

  async list(): Promise<RunInfo[]> {
    const infos: RunInfo[] = [];
    for (const id of await this.store.listIds()) {
      const info = await this.infoOf(id);
      if (info) infos.push(await this.annotated(info));
    }
    return infos.sort((a, b) => b.createdMs - a.createdMs || b.id.localeCompare(a.id));
  }

  /** The info with the user's tags and note. */
  private async annotated(info: RunInfo): Promise<RunInfo> {
    const annotation = await this.store.readAnnotation(info.id);
    return annotation ? { ...info, tags: annotation.tags, note: annotation.note } : info;
  }

  async files(id: string): Promise<RunFile[]> {
    if (!(await this.infoOf(id))) throw new ServiceError('not-found', `no run ${id} in ${this.store.dir}`);
    return listRunFiles(this.store.runDir(id));
  }

  async file(id: string, path: string): Promise<string> {
    if (!(await this.infoOf(id))) throw new ServiceError('not-found', `no run ${id} in ${this.store.dir}`);
    return readRunFile(this.store.runDir(id), path);
  }

  /** Sets a run's tags and note; the run as listed, told to every UI. */
  async annotate(id: string, annotation: RunAnnotation): Promise<RunInfo> {
    const info = await this.infoOf(id);
    if (!info) throw new ServiceError('not-found', `no run ${id} in ${this.store.dir}`);
    await this.store.writeAnnotation(id, annotation);
    const out = await this.annotated(info);
    this.options.events.emit('run.status', out);
    return out;
  }

  /** A run's info, with a run whose process went away marked interrupted (and written so). */
  private async infoOf(id: string): Promise<RunInfo | null> {
    if (this.active?.id === id) return publicInfo(this.active.info);
    const record = await this.store.readRecord(id);
    if (!record) return (await this.store.readCliRun(id))?.info ?? null;
    if (record.info.state === 'running' && !this.runningElsewhere(record)) {
      const info: StoredInfo = {
        ...record.info,
        state: 'interrupted',
        error: null,
        stages: record.info.stages.map((s) => (s.state === 'running' ? { ...s, state: 'cancelled', progress: null } : s)),
      };
      await this.store.writeRecord(id, { ...record, info, owner: null });
      return publicInfo(info);
    }
    return publicInfo(record.info);
  }

  private runningElsewhere(record: RunRecord): boolean {
    const owner = record.owner;
    if (!owner || owner.hostId === this.hostId || owner.pid === process.pid) return false;
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  async get(id: string): Promise<RunDetail> {
    const record = this.active?.id === id ? null : await this.store.readRecord(id);
    if (!record && this.active?.id !== id) {
      const cli = await this.store.readCliRun(id);
      if (!cli) throw new ServiceError('not-found', `no run ${id} in ${this.store.dir}`);
      const runDir = this.store.runDir(id);
      return {
        info: await this.annotated(cli.info),
        config: cli.config,
        trainEvents: cli.trainingDir ? await historyEvents(cli.trainingDir) : [],
        charts: await chartsOf(runDir),
        fit: await readModelFit(await stageDirsOf(runDir)),
      };
    }
    // Taken before reading the file: whatever is written meanwhile is then in one or both (repeats are harmless).
    const notOnDisk = this.active?.id === id ? [...this.active.unwritten, ...this.active.pendingTrain] : [];
    const info = await this.infoOf(id);
    const trainEvents = [...(await this.store.readTrainEvents(id)), ...notOnDisk];
    const runDir = this.store.runDir(id);
    // The stages' folders: as the running pipeline reports them, as run.json kept them, or from pipeline.json at the end.
    const known = new Map(this.active?.id === id ? this.active.stageDirs : []);
    for (const stage of info?.stages ?? []) {
      // Only a folder under the run's stages/ (run.json is a file on disk: never a path elsewhere).
      if (stage.dir && /^stages[\\/][A-Za-z0-9._-]+$/.test(stage.dir) && !stage.dir.includes('..') && !known.has(stage.name)) known.set(stage.name, join(runDir, stage.dir));
    }
    const fit = await readModelFit(await stageDirsOf(runDir, known));
    return { info: await this.annotated(info!), config: await this.store.readConfig(id), trainEvents, charts: await chartsOf(runDir), fit };
  }

  /** Starts and resumes one after another: a second request waits, then finds the first running. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.starting.then(work, work);
    this.starting = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  start(config: PipelineConfig): Promise<RunInfo> {
    return this.exclusive(() => this.startNow(config));
  }

  resume(id: string): Promise<RunInfo> {
    return this.exclusive(() => this.resumeNow(id));
  }

  private async startNow(config: PipelineConfig): Promise<RunInfo> {
    this.refuseIfBusy();
    const tracePath = this.options.resolveTrace(config.trace.path);
    const pipeline = await loadPipeline();
    this.refuseIfBusy();
    const id = await this.store.create(config);
    const now = Date.now();
    const info: StoredInfo = {
      id,
      name: config.name,
      createdMs: now,
      updatedMs: now,
      finishedMs: null,
      state: 'running',
      error: null,
      stages: pipeline.PIPELINE_STAGES.map((name) => ({ name, state: 'pending', seconds: null, progress: null })),
      traceName: config.trace.path.split(/[\\/]/).pop() ?? config.trace.path,
      backend: null,
      training: null,
      metrics: null,
    };
    return await this.launch(id, info, config, tracePath, pipeline);
  }

  private async resumeNow(id: string): Promise<RunInfo> {
    this.refuseIfBusy();
    const current = await this.infoOf(id);
    const record = await this.store.readRecord(id);
    if (!current || !record) throw new ServiceError('not-found', `no run ${id} started from the workbench in ${this.store.dir}`);
    if (!current.resumable) throw new ServiceError('conflict', `run ${id} is ${current.state}; only interrupted, cancelled or failed runs continue`);
    const config = parsePipelineConfig(await this.store.readConfig(id), `${id}/config.json`);
    const tracePath = this.options.resolveTrace(config.trace.path);
    const pipeline = await loadPipeline();
    this.refuseIfBusy();
    const info: StoredInfo = {
      ...record.info,
      state: 'running',
      error: null,
      finishedMs: null,
      updatedMs: Date.now(),
      stages: record.info.stages.map((s) => ({ ...s, state: 'pending', progress: null })),
    };
    return await this.launch(id, info, config, tracePath, pipeline);
  }

  async cancel(id: string): Promise<RunInfo> {
    const active = this.active;
    if (active?.id === id) {
      active.controller.abort(new DOMException('cancelled by the user', 'AbortError'));
      await active.done;
    }
    const info = await this.infoOf(id);
    if (!info) throw new ServiceError('not-found', `no run ${id}`);
    return info;
  }

  async remove(id: string): Promise<boolean> {
    if (this.active?.id === id) throw new ServiceError('conflict', `run ${id} is running; cancel it first`);
    if (!(await this.store.listIds()).includes(id)) return false;
    await this.store.remove(id);
    return true;
  }

  /** Stops the running run as an interruption (it stays resumable), for a host that is going away. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.interrupting = true;
    active.controller.abort(new DOMException('the back end is shutting down', 'AbortError'));
    await Promise.race([active.done, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  private refuseIfBusy(): void {
    if (this.active) throw new ServiceError('conflict', `run ${this.active.id} is running: wait for it or cancel it first`);
  }

  /** Takes the run (it is this process's from now), writes its record, and starts it in the background. */
  private async launch(id: string, info: StoredInfo, config: PipelineConfig, tracePath: string, pipeline: PipelineModule): Promise<RunInfo> {
    const controller = new AbortController();
    const active: ActiveRun = { id, controller, info, done: Promise.resolve(), interrupting: false, pendingTrain: [], unwritten: [], trainWrite: Promise.resolve(), stageDirs: new Map() };
    this.active = active;
    // On disk before anyone is told about it: a UI asking for it at once finds it.
    await this.store.writeRecord(id, { kind: 'mirage-workbench-run', version: 1, info, owner: { pid: process.pid, hostId: this.hostId } });
    active.done = this.execute(active, config, tracePath, pipeline);
    return publicInfo(info);
  }

  private async execute(active: ActiveRun, config: PipelineConfig, tracePath: string, pipeline: PipelineModule): Promise<void> {
    const { id, controller } = active;
    const progressIntervalMs = this.options.progressIntervalMs ?? 150;
    const trainFlushMs = this.options.trainFlushMs ?? 200;
    let clock: StageClock | null = null;
    const logPath = join(this.store.runDir(id), RUN_LOG_FILE);
    const runLog = new RunLog(logPath, (m) => this.log(`run ${id}: ${m}`));
    runLog.write(`${existsSync(logPath) ? 'resumed' : 'started'} ${config.name}: trace ${config.trace.path}, model ${config.training.model}`);
    let lastProgressMs = 0;
    let lastSavedMs = Date.now();

    const save = () => this.store.writeRecord(id, { kind: 'mirage-workbench-run', version: 1, info: active.info, owner: active.info.state === 'running' ? { pid: process.pid, hostId: this.hostId } : null });
    const update = (patch: Partial<StoredInfo>, persist = true) => {
      active.info = { ...active.info, ...patch, updatedMs: Date.now() };
      if (persist) {
        lastSavedMs = Date.now();
        void save().catch((error: unknown) => this.log(`run ${id}: cannot write run.json: ${String(error)}`));
      }
      this.options.events.emit('run.status', publicInfo(active.info));
    };
    const setStage = (name: string, patch: Partial<RunStage>) => {
      const stages = active.info.stages.some((s) => s.name === name)
        ? active.info.stages.map((s) => (s.name === name ? { ...s, ...patch } : s))
        : [...active.info.stages, { name, state: 'pending' as const, seconds: null, progress: null, ...patch }];
      update({ stages });
    };

    const flushTrain = () => {
      const batch = active.pendingTrain.splice(0);
      if (batch.length === 0) return;
      this.options.events.emit('run.train', { runId: id, events: batch });
      active.unwritten.push(...batch);
      active.trainWrite = active.trainWrite
        .then(() => this.store.appendTrainEvents(id, batch))
        .catch((error: unknown) => this.log(`run ${id}: cannot write training events: ${String(error)}`))
        .finally(() => active.unwritten.splice(0, batch.length));
    };
    const trainTimer = setInterval(flushTrain, trainFlushMs);

    const onProgress = (p: Progress) => {
      if (!clock) return;
      const now = Date.now();
      if (p.done < clock.firstDone || p.total !== clock.lastTotal) clock = { ...clock, firstDone: p.done, firstMs: now, lastTotal: p.total };
      const seconds = (now - clock.firstMs) / 1000;
      const ratePerSec = seconds > 0.2 ? (p.done - clock.firstDone) / seconds : 0;
      // No time left is said before the rate means something (3 s and 5 % into the part): early
      // estimates jumped from 2 min to 6 min and back.
      const settled = seconds >= ETA_AFTER_SEC && p.total > 0 && (p.done - clock.firstDone) / p.total >= ETA_AFTER_SHARE;
      const progress: StageProgress = {
        done: p.done,
        total: p.total,
        unit: p.unit,
        ratePerSec,
        etaSec: settled && ratePerSec > 0 ? Math.max(0, (p.total - p.done) / ratePerSec) : null,
      };
      const name = clock.name;
      active.info = { ...active.info, stages: active.info.stages.map((s) => (s.name === name ? { ...s, progress } : s)) };
      if (now - lastProgressMs >= progressIntervalMs || p.done >= p.total) {
        lastProgressMs = now;
        this.options.events.emit('run.progress', { runId: id, stage: name, progress });
      }
      // Now and then on disk too, so a list read after a crash shows where it was.
      if (now - lastSavedMs > 5000) {
        lastSavedMs = now;
        void save().catch(() => {});
      }
    };

    const onTrainEvent = (event: TrainEvent) => {
      active.pendingTrain.push(event);
      const t = active.info.training ?? { epoch: 0, epochs: 0, bestHeldOutLoss: null, samplesPerSec: null, etaSec: null };
      if (event.type === 'start') {
        this.backend = event.backend;
        update({ backend: event.backend, training: { ...t, epoch: event.resumedFromEpoch, epochs: event.epochs } });
      } else if (event.type === 'epoch') {
        const best = event.heldOutLoss !== null && (t.bestHeldOutLoss === null || event.heldOutLoss < t.bestHeldOutLoss) ? event.heldOutLoss : t.bestHeldOutLoss;
        update({ training: { epoch: event.epoch, epochs: event.epochs, bestHeldOutLoss: best, samplesPerSec: event.samplesPerSec, etaSec: event.etaSec } }, false);
      } else if (event.type === 'step') {
        active.info = { ...active.info, training: { ...t, samplesPerSec: event.samplesPerSec } };
      }
    };

    update({});
    let final: Partial<StoredInfo>;
    try {
      const result = await pipeline.runPipeline(config, {
        outDir: this.store.runDir(id),
        tracePath,
        signal: controller.signal,
        onProgress,
        onTrainEvent,
        onStage: (e) => {
          runLog.write(
            e.status === 'start'
              ? `${e.stage}: running`
              : `${e.stage}: ${e.status === 'reused' ? 'reused (same inputs as an earlier run)' : `done${e.seconds != null ? ` in ${e.seconds.toFixed(1)} s` : ''}`}`,
          );
          if (e.status === 'start') {
            clock = { name: e.stage, firstDone: 0, firstMs: Date.now(), lastTotal: -1 };
            setStage(e.stage, { state: 'running', progress: null, seconds: null });
          } else {
            if (e.dir) active.stageDirs.set(e.stage, e.dir);
            if (clock?.name === e.stage) clock = null;
            const dir = e.dir ? relative(this.store.runDir(id), e.dir) : undefined;
            setStage(e.stage, { state: e.status === 'reused' ? 'reused' : 'done', seconds: e.seconds ?? null, progress: null, ...(dir ? { dir } : {}) });
          }
        },
      });
      final = { state: 'done', metrics: policyHeadlines(result.summary.policies) };
    } catch (error) {
      const aborted = controller.signal.aborted;
      if (!aborted) this.log(`run ${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      final = {
        state: aborted ? (active.interrupting ? 'interrupted' : 'cancelled') : 'failed',
        error: aborted ? null : error instanceof Error ? error.message : String(error),
        stages: active.info.stages.map((s) => (s.state === 'running' ? { ...s, state: aborted ? 'cancelled' : 'failed', progress: null } : s)),
      };
    }
    runLog.write(
      final.state === 'done'
        ? `done: ${(final.metrics ?? []).map((m) => `${m.policy} ${m.meanAbsRewardHours.toFixed(3)} h`).join(', ')} (mean |reward|)`
        : final.state === 'failed'
          ? `failed: ${final.error}`
          : final.state === 'interrupted'
            ? 'interrupted: the back end stopped; Resume continues it'
            : 'cancelled by the user',
    );
    clearInterval(trainTimer);
    flushTrain();
    await Promise.all([active.trainWrite, runLog.flushed()]);
    // Free for the next run before anyone hears this one ended.
    if (this.active === active) this.active = null;
    const now = Date.now();
    active.info = { ...active.info, ...final, finishedMs: now, updatedMs: now };
    await save().catch((error: unknown) => this.log(`run ${id}: cannot write run.json: ${String(error)}`));
    this.options.events.emit('run.status', publicInfo(active.info));
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`mirage host: ${message}`);
  }
}

async function chartsOf(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, 'charts'))).filter((f) => /^[a-z0-9][a-z0-9-]*\.svg$/.test(f)).sort();
  } catch {
    return [];
  }
}

/** The epoch-level events a `mirage run` training stage kept in history.json. */
async function historyEvents(trainingDir: string): Promise<TrainEvent[]> {
  try {
    const history = JSON.parse(await readFile(join(trainingDir, 'history.json'), 'utf8')) as { events?: unknown[] };
    return (history.events ?? []).flatMap((e) => {
      const parsed = TrainEventSchema.safeParse(e);
      return parsed.success ? [parsed.data] : [];
    });
  } catch {
    return [];
  }
}
