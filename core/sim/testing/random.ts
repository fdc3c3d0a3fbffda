import type { Job } from '../../trace/job.js';
import type { ChainSchedule } from '../chain.js';
import type { SimConfig } from '../config.js';
import { parseSimConfig } from '../config.js';
import { T0 } from './jobs.js';

/** mulberry32: a tiny seeded generator, so every property-test case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomCase {
  seed: number;
  config: SimConfig;
  jobs: Job[];
  schedule: ChainSchedule;
}

/**
 * A small random cluster and trace built to hit the scheduler's corners:
 * queues that build up, reservations, zero-length and over-limit jobs,
 * limits of zero, jobs of zero nodes, ids of different lengths in the same minute, jobs wider
 * than the cluster, cluster sizes (8, 12) where priorities of different job
 * sizes tie exactly in real arithmetic, and non-default backfill settings.
 */
export function randomCase(seed: number): RandomCase {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rnd() * values.length)];
  const nodes = pick([1, 2, 3, 4, 6, 8, 8, 12, 12, 16]);
  const config = parseSimConfig({
    nodes,
    bfInterval: pick([1, 2, 5, 10, 10]),
    // (window minutes, resolution seconds): 60, 120, 60, 288 and 288 slots.
    ...pick([
      { bfWindowMinutes: 60, bfResolutionSec: 60 },
      { bfWindowMinutes: 600, bfResolutionSec: 300 },
      { bfWindowMinutes: 600, bfResolutionSec: 600 },
      { bfWindowMinutes: 2880, bfResolutionSec: 600 },
      { bfWindowMinutes: 2880, bfResolutionSec: 600 },
    ]),
    bfMaxJobTest: pick([1, 2, 5, 3000, 3000]),
    waitWindow: pick([1, 5, 100]),
    snapshotIntervalMinutes: pick([10, 10, 7]),
    snapshotWindow: pick([144, 30]),
    oversizedJobs: rnd() < 0.5 ? 'keep' : 'drop',
  });
  // Kept wide jobs that fill every slot a backfill pass tests would stall the cluster for ever (in the reference too).
  const allowWide = config.oversizedJobs === 'drop' || config.bfMaxJobTest === 3000;
  const workloadMinutes = pick([360, 1440, 2880]);
  const count = int(10, 100);
  const jobs: Job[] = [];
  const ids = new Set<string>();
  // Bursts: several jobs in the same minute, with ids of different lengths ("10" sorts before "9").
  let minute = 0;
  for (let k = 0; k < count; k++) {
    if (rnd() < 0.7) minute = int(0, workloadMinutes);
    let id: string;
    do id = String(int(1, pick([9, 99, 999, 99999]))); while (ids.has(id));
    ids.add(id);
    const limit = rnd() < 0.05 ? 0 : pick([1, 5, 10, 30, 60, 120, 240, 600]);
    const u = rnd();
    const run = u < 0.08 ? 0 : u < 0.12 ? -int(1, 600) : u < 0.2 ? limit * 60 + int(1, 3600) : int(0, limit * 60);
    const wide = allowWide && rnd() < 0.03;
    const jobNodes = wide ? nodes + int(1, 3) : rnd() < 0.01 ? 0 : rnd() < 0.6 ? 1 : int(1, nodes);
    const submitSec = T0 + minute * 60 + int(0, 59);
    jobs.push({
      id,
      name: 'r',
      user: 'u',
      partition: '',
      state: '',
      submitSec,
      startSec: submitSec,
      endSec: submitSec + run,
      limitMinutes: limit,
      nodes: jobNodes,
      priority: null,
      line: k + 1,
    });
  }
  const schedule: ChainSchedule = {
    startSec: T0,
    samples: 1,
    intervalHours: 4,
    warmupDays: pick([60, 240, 720]) / 1440,
    workloadDays: workloadMinutes / 1440,
    jobNodes: int(1, nodes),
    jobMinutes: pick([60, 240, 2880]),
  };
  return { seed, config, jobs, schedule };
}
