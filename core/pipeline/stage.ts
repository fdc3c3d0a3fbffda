import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removeStaleTemps, writeFileAtomic } from '../files/atomic.js';
import { stableJson } from '../dataset/manifest.js';
import { acquireLock, describeOwner } from '../files/lock.js';

/**
 * A pipeline stage's output folder is named by a hash of everything that
 * decides its content (its configuration, the keys of the stages it reads,
 * the tool version). A folder whose marker carries the same key is finished
 * work: it is reused, not redone. Work happens in `<dir>.partial` and is
 * renamed into place only when complete, so an interrupted run leaves no
 * folder that looks finished.
 */

export const STAGE_MARKER = 'stage.json';

const MarkerSchema = z.object({
  stage: z.string(),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.unknown(),
});
export type StageMarker = z.infer<typeof MarkerSchema>;

/** sha256 (hex) of the canonical JSON of a stage's inputs: key order does not matter. */
export function stageKey(stage: string, inputs: unknown): string {
  return createHash('sha256').update(stableJson({ stage, inputs })).digest('hex');
}

export function stageDir(root: string, stage: string, key: string): string {
  return join(root, `${stage}-${key.slice(0, 12)}`);
}

/** The marker of a finished stage folder, or null when the folder is missing, unfinished or made from other inputs. */
export function finishedStage(dir: string, key: string): StageMarker | null {
  const path = join(dir, STAGE_MARKER);
  if (!existsSync(path)) return null;
  try {
    const marker = MarkerSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    return marker.key === key ? marker : null;
  } catch {
    return null;
  }
}

export interface StageOutcome {
  stage: string;
  key: string;
  dir: string;
  /** True when a finished folder with the same key was found and nothing ran. */
  reused: boolean;
}

export interface StageOptions {
  /** The work resumes itself from what an interrupted run left in tmpDir (else tmpDir is cleared first). */
  keepPartial?: boolean;
  /** Stops the work, and a wait for another process working on the same stage. */
  signal?: AbortSignal;
  /** Told when another process is working on this stage and this one waits for it. */
  onWait?: (holder: string) => void;
}

/**
 * Runs `work(tmpDir)` unless the stage is already finished for these inputs.
 * `work` writes its whole output into tmpDir (left over from an interrupted
 * run it is cleared first, unless `keepPartial` says the work resumes itself).
 *
 * Runs sharing a stages folder (two `mirage run` into one folder, the
 * workbench's runs sharing their stages) take the stage's lock: the second
 * waits, then finds the stage finished and reuses it, so the two never write
 * one tmpDir at once and a marker is only written over complete work.
 */
export async function runStage(
  root: string,
  stage: string,
  inputs: unknown,
  work: (tmpDir: string) => Promise<void>,
  options: StageOptions = {},
): Promise<StageOutcome> {
  const key = stageKey(stage, inputs);
  const dir = stageDir(root, stage, key);
  if (finishedStage(dir, key)) return { stage, key, dir, reused: true };
  await mkdir(root, { recursive: true });
  const lock = await acquireLock(`${dir}.lock`, {
    what: `mirage stage ${stage}`,
    wait: true,
    signal: options.signal,
    onWait: (owner) => options.onWait?.(describeOwner(owner)),
  });
  try {
    if (finishedStage(dir, key)) return { stage, key, dir, reused: true };
    const tmp = `${dir}.partial`;
    if (!options.keepPartial) await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await work(tmp);
    // Temp files of writes a killed process never finished (resumed work leaves them behind).
    await removeStaleTemps(tmp, { recursive: true });
    await writeFileAtomic(join(tmp, STAGE_MARKER), stableJson({ stage, key, inputs }));
    // A folder of the same name without a valid marker is an unfinished leftover.
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return { stage, key, dir, reused: false };
  } finally {
    await lock.release();
  }
}
