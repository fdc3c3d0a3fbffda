import { describe, expect, it } from 'vitest';
import { engineContext, prepareWorkload } from './chain.js';
import { parseSimConfig } from './config.js';
import { FastEngine } from './fast-engine.js';
import { FORECAST_HORIZON_MINUTES, forecastWaitMinutes } from './forecast.js';
import { buildSampleJobs } from './sample-jobs.js';
import { T0 } from './testing/jobs.js';
import { seededRandom } from './testing/random.js';
import type { Job } from '../trace/job.js';
import { selectJobs } from './workload.js';

// 10 nodes; backfill every 10 minutes on 10-minute slots (the defaults but the size).
const ctx = engineContext(parseSimConfig({ nodes: 10 }));
const NOW = 30;

describe('the scheduler start estimate (hand-computed queues)', () => {
  it('an idle cluster starts the job at once', () => {
    expect(forecastWaitMinutes(ctx, { minute: NOW, running: [], pending: [] }, { nodes: 4, limitMinutes: 60 })).toBe(0);
  });

  it('waits for a running job to reach its limit', () => {
    // 8 of 10 nodes busy until minute 60: a 4-node job waits 30 minutes.
    const running = [{ nodes: 8, limitMinutes: 60, startMinute: 0 }];
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending: [] }, { nodes: 4, limitMinutes: 60 })).toBe(30);
    // Two free nodes are enough for a 2-node job.
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending: [] }, { nodes: 2, limitMinutes: 60 })).toBe(0);
  });

  it('queues behind an older, wider job: it runs first, to its limit', () => {
    // All 10 nodes busy until 60; A (10 nodes, 120 min, older) starts at 60 and holds them until 180.
    const running = [{ nodes: 10, limitMinutes: 60, startMinute: 0 }];
    const pending = [{ nodes: 10, limitMinutes: 120, submitMinute: 20 }];
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending }, { nodes: 5, limitMinutes: 30 })).toBe(150);
  });

  it('backfills a short job that ends before the reserved start, not a long one', () => {
    // 6 nodes busy until 60; A needs all 10 from 60 for 100 minutes. 4 nodes are free for 30 minutes.
    const running = [{ nodes: 6, limitMinutes: 60, startMinute: 0 }];
    const pending = [{ nodes: 10, limitMinutes: 100, submitMinute: 20 }];
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending }, { nodes: 4, limitMinutes: 20 })).toBe(0);
    // 40 minutes would overrun A's reservation: it starts when A ends, at 160.
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending }, { nodes: 4, limitMinutes: 40 })).toBe(130);
  });

  it('counts a running job past its limit as ended, and a job wider than the cluster as never starting', () => {
    const running = [{ nodes: 10, limitMinutes: 10, startMinute: 0 }];
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending: [] }, { nodes: 10, limitMinutes: 10 })).toBe(0);
    expect(forecastWaitMinutes(ctx, { minute: NOW, running: [], pending: [] }, { nodes: 11, limitMinutes: 10 })).toBe(FORECAST_HORIZON_MINUTES);
  });

  it('orders the pending jobs by priority whatever order they are given in', () => {
    const running = [{ nodes: 10, limitMinutes: 60, startMinute: 0 }];
    const a = { nodes: 10, limitMinutes: 120, submitMinute: 20 };
    const b = { nodes: 2, limitMinutes: 30, submitMinute: 25 };
    const job = { nodes: 5, limitMinutes: 30 };
    expect(forecastWaitMinutes(ctx, { minute: NOW, running, pending: [a, b] }, job)).toBe(forecastWaitMinutes(ctx, { minute: NOW, running, pending: [b, a] }, job));
  });
});

/**
 * Where the estimate's assumptions hold (every job runs to its limit, nothing
 * is submitted after now), it is the simulator's own answer: a job submitted
 * now starts exactly when the estimate says.
 */
describe('the estimate equals the simulation when jobs run to their limits', () => {
  it('on random queues', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = seededRandom(seed);
      const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
      const nodes = int(4, 40);
      const config = parseSimConfig({ nodes });
      const submitMinutes = 600;
      const jobs: Job[] = Array.from({ length: int(5, 80) }, (_, k) => {
        const limit = [5, 10, 30, 60, 120, 240, 600][int(0, 6)];
        const submitSec = T0 + int(0, submitMinutes - 1) * 60;
        return { id: String(k + 1), name: 'r', user: 'u', partition: '', state: '', submitSec, startSec: submitSec, endSec: submitSec + limit * 60, limitMinutes: limit, nodes: int(1, nodes), priority: null, line: k + 1 };
      });
      const workload = prepareWorkload(jobs, config);
      const origin = T0 / 60;
      const job = { nodes: int(1, nodes), limitMinutes: [10, 60, 240][int(0, 2)] };
      const sampleJobs = buildSampleJobs(workload, selectJobs(workload, T0, T0 + submitMinutes * 60), origin, [
        { id: '1000001', submitMinute: origin, viaQueue: false, durationSec: job.limitMinutes * 60, ...job },
      ]);
      const succ = sampleJobs.count - 1;
      const engine = new FastEngine(engineContext(config), sampleJobs, { snapshotsFrom: null });
      // On the backfill grid, as the estimate's own passes are.
      const now = origin + submitMinutes + 10 * int(0, 30);
      engine.advance(now);
      const forecast = forecastWaitMinutes(engineContext(config), engine.queueState(), job);
      engine.submitNow(succ);
      engine.advance(now + FORECAST_HORIZON_MINUTES, succ);
      expect({ seed, wait: forecast }).toEqual({ seed, wait: engine.startMinute(succ) - now });
    }
  });
});
