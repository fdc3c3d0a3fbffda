import { describe, expect, it } from 'vitest';
import type { ChainPolicy, SampleResult } from './chain.js';
import { ChainRun, engineContext, prepareWorkload, simulateSample } from './chain.js';
import { FastEngine } from './fast-engine.js';
import { MinuteEngine } from './minute-engine.js';
import { replayWindow } from './replay.js';
import { buildSampleJobs } from './sample-jobs.js';
import { randomCase, seededRandom } from './testing/random.js';
import { selectJobs } from './workload.js';

/**
 * The fast path must give exactly what the minute-by-minute path gives: every
 * job's start, every chain result and feature, on random small workloads
 * (seeded: a failing seed replays with randomCase(seed)).
 */

const SEEDS = Array.from({ length: 240 }, (_, i) => 1000 + i);

/** Typed arrays as text: the same comparison, much faster for vitest to diff. */
function comparable(value: unknown): unknown {
  if (value instanceof Float32Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

describe('fast path == minute path on random workloads', () => {
  it('starts every job at the same minute (plain replay)', () => {
    for (const seed of SEEDS) {
      const c = randomCase(seed);
      const workload = prepareWorkload(c.jobs, c.config);
      const window = { fromSec: c.schedule.startSec, toSec: c.schedule.startSec + c.schedule.workloadDays * 86400 };
      const minute = replayWindow(workload, { ...window, engine: 'minute' });
      const fast = replayWindow(workload, { ...window, engine: 'fast' });
      expect({ seed, ...fast }).toEqual({ seed, ...minute });
    }
  });

  it('starts every job at the same minute with the chain jobs, forking at random minutes', () => {
    for (const seed of SEEDS) {
      const c = randomCase(seed);
      const rnd = seededRandom(seed * 7 + 1);
      const workload = prepareWorkload(c.jobs, c.config);
      const origin = c.schedule.startSec / 60;
      const predSubmit = origin + Math.round(c.schedule.warmupDays * 1440);
      const selection = selectJobs(workload, c.schedule.startSec, c.schedule.startSec + c.schedule.workloadDays * 86400);
      const chainJob = { nodes: c.schedule.jobNodes, durationSec: c.schedule.jobMinutes! * 60, limitMinutes: c.schedule.jobMinutes! };
      const jobs = buildSampleJobs(workload, selection, origin, [
        { id: '1000000', submitMinute: predSubmit, viaQueue: true, ...chainJob },
        { id: '1000001', submitMinute: predSubmit, viaQueue: false, ...chainJob },
      ]);
      const ctx = engineContext(workload.config);
      const options = { snapshotsFrom: origin };
      const engines = [new MinuteEngine(ctx, jobs, options), new FastEngine(ctx, jobs, options)];
      const forkAt = predSubmit + 1 + Math.floor(rnd() * 600);
      const end = forkAt + 1440;
      const outcomes = engines.map((engine) => {
        engine.advance(forkAt);
        const fork = engine.clone();
        fork.submitNow(jobs.count - 1);
        fork.advance(end);
        engine.advance(end);
        const starts = (e: typeof engine): number[] => Array.from({ length: jobs.count }, (_, j) => e.startMinute(j));
        const backfills = (e: typeof engine): number[] => Array.from({ length: jobs.count }, (_, j) => e.backfillMinute(j));
        return {
          seed,
          trunk: starts(engine),
          fork: starts(fork),
          forkBackfill: backfills(fork),
          pending: [engine.pendingCount(), fork.pendingCount()],
          meanWait: [engine.meanRecentWaitSec(), fork.meanRecentWaitSec()],
          snapshots: comparable(fork.snapshots!.window([1, 2, 3, 4], [5, 6, 7, 8])),
        };
      });
      expect(outcomes[1]).toEqual(outcomes[0]);
    }
  });

  it('gives the same chain results, rewards and features for every policy', () => {
    const policies: ChainPolicy[] = [{ kind: 'reactive' }, { kind: 'average' }, { kind: 'probes', probes: 3 }, { kind: 'probes', probes: 7 }];
    for (const seed of SEEDS.slice(0, 200)) {
      const c = randomCase(seed);
      const workload = prepareWorkload(c.jobs, c.config);
      const policy = policies[seed % policies.length];
      const featureMode = seed % 3 === 0 ? 'none' : seed % 3 === 1 ? 'reference' : 'decision';
      const run = (engine: 'fast' | 'minute'): SampleResult =>
        simulateSample(workload, c.schedule, 0, policy, { featureMode, keepDecisionFeatures: true, engine });
      expect(comparable({ seed, ...run('fast') })).toEqual(comparable({ seed, ...run('minute') }));
    }
  });

  it('gives the same online chains (a seeded policy answering at each decision point)', () => {
    for (const seed of SEEDS.slice(0, 60)) {
      const c = randomCase(seed);
      const workload = prepareWorkload(c.jobs, c.config);
      const results = (['minute', 'fast'] as const).map((engine) => {
        const rnd = seededRandom(seed);
        const times: number[] = [];
        const run = new ChainRun(workload, c.schedule, 0, { featureMode: 'decision', engine }, seed % 2 === 0 ? 10 : 60);
        for (let p = run.advanceToNextDecision(); p.kind === 'decision'; p = run.advanceToNextDecision()) {
          times.push(p.context.timeSec, p.context.features.reduce((s, v) => s + v, 0));
          if (rnd() < 0.02) run.submitSuccessor();
        }
        return comparable({ seed, times, result: run.result() });
      });
      expect(results[1]).toEqual(results[0]);
    }
  });
});
