import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../files/atomic.js';
import { QUEUE_FEATURES } from '../../sim/features.js';

/**
 * Everything the provisioner must remember to pick a chain up after its own
 * restart: the chain so far, a submission in flight, the measured links, the
 * recent waits the average policy uses. Written atomically after every change.
 */
export const STATE_FILE = 'state.json';
export const RING_FILE = 'snapshots.json';

const int = z.number().int();

export const ChainJobSchema = z.strictObject({
  id: z.string(),
  /** 0 for the job the user named with --after, k for the k-th successor. */
  link: int.min(0),
  /** Epoch seconds the provisioner submitted it; null for the user's own job. */
  submittedAtSec: int.nullable(),
  /** What the policy's inference returned at the submit decision (reward.log's expected_reward). */
  expected: z.number().nullable(),
  expectedIsInt: z.boolean(),
});
export type ChainJob = z.infer<typeof ChainJobSchema>;

export const MeasuredLinkSchema = z.strictObject({
  link: int.min(1),
  predId: z.string(),
  succId: z.string(),
  predEndSec: int,
  /** The predecessor left no end time (purged, cancelled): predEndSec is when it was first seen gone. */
  predEndEstimated: z.boolean(),
  succStartSec: int,
  submitSec: int,
  /** succ start - pred end: > 0 interruption, < 0 overlap. */
  rewardSec: int,
  expected: z.number().nullable(),
  expectedIsInt: z.boolean(),
});
export type MeasuredLink = z.infer<typeof MeasuredLinkSchema>;

export const ProvisionStateSchema = z.strictObject({
  schemaVersion: z.literal(1),
  /** Random id; submissions carry `--comment=mirage-chain:<chainId>:<link>`. */
  chainId: z.string().regex(/^[0-9a-f]{8,32}$/),
  after: z.string(),
  script: z.string(),
  links: int.min(1),
  policy: z.string(),
  jobs: z.array(ChainJobSchema).min(1),
  /** A submission that started and whose job id is not known yet (the process may have died in sbatch). */
  submitting: z.strictObject({ link: int.min(1), comment: z.string(), sinceSec: int }).nullable(),
  measured: z.array(MeasuredLinkSchema),
  /** Waits (s) of the last jobs seen starting, oldest first (the simulator's window of recent waits). */
  recentWaitsSec: z.array(int.min(0)),
  /** Latest start already counted, and the jobs that started in that second, so no job counts twice. */
  waitWatermark: z.strictObject({ sec: int, ids: z.array(z.string()) }).nullable(),
  done: z.boolean(),
  /**
   * Consecutive decisions for the next link whose output met the rule (a rule
   * with confirmations), kept so a restart does not start counting again.
   * Absent in states written before it existed: 0.
   */
  streak: int.min(0).optional(),
});
export type ProvisionState = z.infer<typeof ProvisionStateSchema>;

export const SnapshotRingFileSchema = z.strictObject({
  /** Oldest first; each the 34 queue features of one sample of squeue. */
  snapshots: z.array(z.strictObject({ atSec: int, queue: z.array(z.number()).length(QUEUE_FEATURES) })),
});
export type SnapshotRingFile = z.infer<typeof SnapshotRingFileSchema>;

export async function readJsonIfExists<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function loadState(dir: string): Promise<ProvisionState | null> {
  return readJsonIfExists(join(dir, STATE_FILE), ProvisionStateSchema);
}

export function saveState(dir: string, state: ProvisionState): Promise<void> {
  return writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(state, null, 1) + '\n');
}

export async function loadRing(dir: string): Promise<SnapshotRingFile> {
  return (await readJsonIfExists(join(dir, RING_FILE), SnapshotRingFileSchema)) ?? { snapshots: [] };
}

export function saveRing(dir: string, ring: SnapshotRingFile): Promise<void> {
  return writeFileAtomic(join(dir, RING_FILE), JSON.stringify(ring) + '\n');
}
