import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { RunAnnotationSchema, RunIdSchema, RunInfoSchema } from '../../api/experiment.js';
import type { PolicyHeadline, RunAnnotation, RunInfo } from '../../api/experiment.js';
import { writeFileAtomic } from '../../files/atomic.js';
import type { PipelineConfig } from '../../pipeline/config.js';
import { TrainEventSchema } from '../../train/events.js';
import type { TrainEvent } from '../../train/events.js';

/**
 * The runs folder: one sub-folder per run started from the workbench, each
 * what `mirage run --config config.json --out <run>` writes (report.md,
 * summary.json, reward.log, rewards.csv, charts/, pipeline.json, stages/)
 * plus
 *
 *   config.json         the experiment, exactly as the CLI reads it
 *   run.json            state, stages, headline numbers, the process running it
 *   train-events.jsonl  every training event (the live curves, redrawn on reopen)
 *
 * Every run's stages/ links to one shared .stages/ folder, so a stage already
 * computed for the same inputs by any run is reused, as `mirage run` reuses
 * its own. Folders of `mirage run` found here (pipeline.json, no run.json) are
 * listed too, read-only.
 */

export const RUN_FILE = 'run.json';
export const CONFIG_FILE = 'config.json';
export const TRAIN_EVENTS_FILE = 'train-events.jsonl';
/** The user's tags and note: a file of its own, so a `mirage run` folder can carry them too. */
export const ANNOTATIONS_FILE = 'annotations.json';
export const SHARED_STAGES_DIR = '.stages';
export const UPLOADS_DIR = 'uploads';

export const RunRecordSchema = z.object({
  kind: z.literal('mirage-workbench-run'),
  version: z.literal(1),
  info: RunInfoSchema.omit({ origin: true, resumable: true }),
  /** The process running it (null once it stopped): a run whose process is gone was interrupted. */
  owner: z.object({ pid: z.number().int(), hostId: z.string() }).nullable(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export type StoredInfo = RunRecord['info'];

/** The headline fields of each policy's summary (summary.json carries more). */
export function policyHeadlines(policies: readonly PolicyHeadline[]): PolicyHeadline[] {
  return policies.map((p) => ({
    policy: p.policy,
    n: p.n,
    meanAbsRewardHours: p.meanAbsRewardHours,
    meanInterruptionHours: p.meanInterruptionHours,
    meanOverlapHours: p.meanOverlapHours,
    zeroInterruptionShare: p.zeroInterruptionShare,
  }));
}

const RESUMABLE: ReadonlySet<RunInfo['state']> = new Set(['interrupted', 'cancelled', 'failed']);

export function publicInfo(info: StoredInfo, origin: RunInfo['origin'] = 'app'): RunInfo {
  return { ...info, origin, resumable: origin === 'app' && RESUMABLE.has(info.state) };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `20261129-170512-quick`: sorts by time, says what it is. */
export function runIdFor(name: string, nowMs: number): string {
  const d = new Date(nowMs);
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${stamp}-${name}`.slice(0, 120);
}

export class RunStore {
  /** Serialises writes of one run's run.json (the last written state wins, in order). */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  get stagesDir(): string {
    return join(this.dir, SHARED_STAGES_DIR);
  }

  get uploadsDir(): string {
    return join(this.dir, UPLOADS_DIR);
  }

  runDir(id: string): string {
    return join(this.dir, RunIdSchema.parse(id));
  }

  /** Makes a new run folder with its config.json and the link to the shared stages; returns its id. */
  async create(config: PipelineConfig, nowMs = Date.now()): Promise<string> {
    await mkdir(this.stagesDir, { recursive: true });
    let id = runIdFor(config.name, nowMs);
    for (let n = 2; existsSync(join(this.dir, id)); n++) id = `${runIdFor(config.name, nowMs)}-${n}`;
    const dir = join(this.dir, id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    // Relative, so the runs folder can move; a junction on Windows (no privilege needed). A file
    // system without links (FAT) gets the run's own stages/: it then reuses only its own stages.
    try {
      await symlink(process.platform === 'win32' ? this.stagesDir : join('..', SHARED_STAGES_DIR), join(dir, 'stages'), process.platform === 'win32' ? 'junction' : 'dir');
    } catch {
      await mkdir(join(dir, 'stages'), { recursive: true });
    }
    return id;
  }

  async readRecord(id: string): Promise<RunRecord | null> {
    try {
      const parsed = RunRecordSchema.safeParse(JSON.parse(await readFile(join(this.runDir(id), RUN_FILE), 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  writeRecord(id: string, record: RunRecord): Promise<void> {
    const text = JSON.stringify(record, null, 1) + '\n';
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => writeFileAtomic(join(this.runDir(id), RUN_FILE), text));
    this.writes.set(id, next);
    void next.finally(() => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    }).catch(() => {});
    return next;
  }

  async readConfig(id: string): Promise<Record<string, unknown>> {
    const value: unknown = JSON.parse(await readFile(join(this.runDir(id), CONFIG_FILE), 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${id}/${CONFIG_FILE}: not a JSON object`);
    return value as Record<string, unknown>;
  }

  async appendTrainEvents(id: string, events: readonly TrainEvent[]): Promise<void> {
    if (events.length === 0) return;
    await appendFile(join(this.runDir(id), TRAIN_EVENTS_FILE), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  /** The training events written so far; a torn last line (a crash mid-write) is skipped. */
  async readTrainEvents(id: string): Promise<TrainEvent[]> {
    let text: string;
    try {
      text = await readFile(join(this.runDir(id), TRAIN_EVENTS_FILE), 'utf8');
    } catch {
      return [];
    }
    const events: TrainEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const parsed = TrainEventSchema.safeParse(JSON.parse(line));
        if (parsed.success) events.push(parsed.data);
      } catch {
        // torn line
      }
    }
    return events;
  }

  /** Ids of the folders that hold a run (the workbench's or a `mirage run` output). */
  async listIds(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const ids: string[] = [];
    for (const name of names) {
      if (!RunIdSchema.safeParse(name).success) continue;
      const dir = join(this.dir, name);
      if (existsSync(join(dir, RUN_FILE)) || existsSync(join(dir, 'pipeline.json'))) ids.push(name);
    }
    return ids;
  }

  /** A `mirage run` output folder as a finished, read-only run. */
  async readCliRun(id: string): Promise<{ info: RunInfo; config: Record<string, unknown>; trainingDir: string | null } | null> {
    const dir = this.runDir(id);
    try {
      const pipeline = z
        .object({ config: z.record(z.string(), z.unknown()), stages: z.array(z.object({ stage: z.string(), dir: z.string() })) })
        .parse(JSON.parse(await readFile(join(dir, 'pipeline.json'), 'utf8')));
      const mtime = (await stat(join(dir, 'pipeline.json'))).mtimeMs;
      const summary = z
        .object({ policies: z.array(z.object({ policy: z.string(), n: z.number(), meanAbsRewardHours: z.number(), meanInterruptionHours: z.number(), meanOverlapHours: z.number(), zeroInterruptionShare: z.number() })) })
        .safeParse(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8').catch(() => 'null')));
      const training = pipeline.stages.find((s) => s.stage === 'training');
      const trace = (pipeline.config.trace as { path?: unknown } | undefined)?.path;
      const info: RunInfo = {
        id,
        name: typeof pipeline.config.name === 'string' ? pipeline.config.name : id,
        origin: 'cli',
        createdMs: mtime,
        updatedMs: mtime,
        finishedMs: mtime,
        state: 'done',
        error: null,
        stages: pipeline.stages.map((s) => ({ name: s.stage, state: 'done', seconds: null, progress: null })),
        traceName: typeof trace === 'string' ? (trace.split(/[\\/]/).pop() ?? trace) : '',
        backend: null,
        training: null,
        metrics: summary.success
          ? policyHeadlines(summary.data.policies)
          : null,
        resumable: false,
      };
      return { info, config: pipeline.config, trainingDir: training ? join(dir, training.dir) : null };
    } catch {
      return null;
    }
  }

  async readAnnotation(id: string): Promise<RunAnnotation | null> {
    try {
      const parsed = RunAnnotationSchema.safeParse(JSON.parse(await readFile(join(this.runDir(id), ANNOTATIONS_FILE), 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Writes (atomically) or, when empty, removes a run's tags and note. */
  async writeAnnotation(id: string, annotation: RunAnnotation): Promise<void> {
    const path = join(this.runDir(id), ANNOTATIONS_FILE);
    if (annotation.tags.length === 0 && annotation.note === '') await rm(path, { force: true });
    else await writeFileAtomic(path, JSON.stringify(annotation, null, 1) + '\n');
  }

  /** Removes a run's folder (its stages/ link, not the shared stages it points to). */
  async remove(id: string): Promise<void> {
    await rm(this.runDir(id), { recursive: true, force: true });
  }

  /** Keeps an uploaded trace next to the runs, so experiments can name it; returns its path. */
  async keepUpload(fileName: string, sha256: string, text: string): Promise<string> {
    await mkdir(this.uploadsDir, { recursive: true });
    const safe = fileName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 100) || 'trace.log';
    const path = join(this.uploadsDir, `${sha256.slice(0, 12)}-${safe}`);
    if (!existsSync(path)) await writeFile(path, text);
    return path;
  }
}
