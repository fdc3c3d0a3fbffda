import type { ChainSchedule } from '../sim/chain.js';
import { isSampleExcluded } from '../sim/chain.js';
import type { Shard } from './manifest.js';

/**
 * The sample indices a run generates, ascending: every index of the schedule
 * whose start is not excluded and, for a shard K/N, whose index i has
 * i % N == K. Round-robin keeps every shard spread over the whole period, so
 * shards take about the same time even when the load varies over the months.
 */
export function plannedSamples(schedule: ChainSchedule, shard: Shard | null): { indices: number[]; excluded: number } {
  const indices: number[] = [];
  let excluded = 0;
  for (let i = 0; i < schedule.samples; i++) {
    if (shard && i % shard.count !== shard.index) continue;
    if (isSampleExcluded(schedule, i)) excluded++;
    else indices.push(i);
  }
  return { indices, excluded };
}

/** Parses `K/N` (0 <= K < N, K as Slurm's 0-based SLURM_ARRAY_TASK_ID). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`--shard: expected K/N such as 0/4, got '${text}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new Error(`--shard: K must be in 0..N-1 and N >= 1, got '${text}'`);
  return { index, count };
}
