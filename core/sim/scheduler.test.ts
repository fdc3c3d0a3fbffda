import { describe, expect, it } from 'vitest';
import { parseSimConfig } from './config.js';
import { replayWindow } from './replay.js';
import type { JobSpec } from './testing/jobs.js';
import { T0, traceJob } from './testing/jobs.js';
import { prepareWorkload } from './workload.js';

const MIN = 60;

/** Start minute (after T0) of every job, by id, on both engines (which must agree). */
function startsOf(specs: JobSpec[], nodes: number): Record<string, number | null> {
  const workload = prepareWorkload(
    specs.map((s, i) => traceJob(s, i + 1)),
    parseSimConfig({ nodes }),
  );
  const results = (['minute', 'fast'] as const).map((engine) => {
    const r = replayWindow(workload, { fromSec: T0, toSec: T0 + 86400, engine });
    return Object.fromEntries(r.ids.map((id, j) => [id, r.startSec[j] === null ? null : (r.startSec[j]! - T0) / MIN]));
  });
  expect(results[1]).toEqual(results[0]);
  return results[0];
}

function backfilledOf(specs: JobSpec[], nodes: number): Record<string, number | null> {
  const workload = prepareWorkload(specs.map((s) => traceJob(s)), parseSimConfig({ nodes }));
  const r = replayWindow(workload, { fromSec: T0, toSec: T0 + 86400 });
  return Object.fromEntries(r.ids.map((id, j) => [id, r.backfillSec[j] === null ? null : (r.backfillSec[j]! - T0) / MIN]));
}

describe('scheduler rules (hand-computed, 10-minute backfill passes at minutes 0, 10, 20...)', () => {
  it('backfills a small job around the reservation of a blocked wide job, and not a long one', () => {
    // 4 nodes. A holds 3 until minute 60. B wants all 4: reserved at slot 5 (minute 60).
    // C (1 node, 30 min) fits before that reservation: backfilled at the pass of minute 10.
    // D (1 node, limit 120) would overlap B's reservation: it waits for B to end at 120.
    const specs: JobSpec[] = [
      { id: '1', nodes: 3, submit: 0, run: 60 * MIN, limitMinutes: 60 },
      { id: '2', nodes: 4, submit: 1 * MIN, run: 60 * MIN, limitMinutes: 60 },
      { id: '3', nodes: 1, submit: 2 * MIN, run: 30 * MIN, limitMinutes: 30 },
      { id: '4', nodes: 1, submit: 2 * MIN, run: 10 * MIN, limitMinutes: 120 },
    ];
    expect(startsOf(specs, 4)).toEqual({ '1': 0, '2': 60, '3': 10, '4': 120 });
    expect(backfilledOf(specs, 4)).toEqual({ '1': null, '2': null, '3': 10, '4': null });
  });

  it('blocks the queue behind its head between backfill passes', () => {
    // 1 node is free from minute 1, but the first-come passes stop at the 4-node head;
    // only the backfill pass of minute 10 lets the 1-node job start.
    const specs: JobSpec[] = [
      { id: '1', nodes: 3, submit: 0, run: 60 * MIN, limitMinutes: 60 },
      { id: '2', nodes: 4, submit: 1 * MIN, run: 60 * MIN, limitMinutes: 60 },
      { id: '3', nodes: 1, submit: 1 * MIN, run: 5 * MIN, limitMinutes: 5 },
    ];
    expect(startsOf(specs, 4)).toEqual({ '1': 0, '2': 60, '3': 10 });
  });

  it('lets an old small job pass a newer wide one through ageing', () => {
    // 4 nodes: A (2 nodes) runs 0..100, B (2 nodes) 0..200. Y (2 nodes, size priority 50)
    // arrives at minute 50. X (1 node, size priority 25) gains 0.6944 per minute pending:
    // submitted at minute 1 it has 59.0 when Y arrives and goes first; submitted at
    // minute 20 it has 45.8 and stays behind Y. At minute 100 two nodes free up.
    const base: JobSpec[] = [
      { id: 'A', nodes: 2, submit: 0, run: 100 * MIN, limitMinutes: 100 },
      { id: 'B', nodes: 2, submit: 0, run: 200 * MIN, limitMinutes: 200 },
      { id: 'Y', nodes: 2, submit: 50 * MIN, run: 100 * MIN, limitMinutes: 100 },
    ];
    const oldX: JobSpec = { id: 'X', nodes: 1, submit: 1 * MIN, run: 300 * MIN, limitMinutes: 300 };
    expect(startsOf([...base, oldX], 4)).toEqual({ A: 0, B: 0, X: 100, Y: 200 });
    const youngX: JobSpec = { ...oldX, submit: 20 * MIN };
    expect(startsOf([...base, youngX], 4)).toEqual({ A: 0, B: 0, X: 200, Y: 100 });
  });

  it('holds the node of a zero-length job for one step, of a 61-second job for two', () => {
    const zero: JobSpec[] = [
      { id: '1', nodes: 1, submit: 0, run: 0, limitMinutes: 5 },
      { id: '2', nodes: 1, submit: 0, run: 30, limitMinutes: 5 },
      { id: '3', nodes: 1, submit: 0, run: 61, limitMinutes: 5 },
      { id: '4', nodes: 1, submit: 0, run: 60, limitMinutes: 5 },
    ];
    // 1 node; minute 0 is a backfill pass (only the head fits), then first-come passes.
    expect(startsOf(zero, 1)).toEqual({ '1': 0, '2': 1, '3': 2, '4': 4 });
  });

  it('caps a job that ran longer than its limit at the limit', () => {
    const specs: JobSpec[] = [
      { id: '1', nodes: 1, submit: 0, run: 120 * MIN, limitMinutes: 60 },
      { id: '2', nodes: 1, submit: 1 * MIN, run: 10 * MIN, limitMinutes: 60 },
    ];
    expect(startsOf(specs, 1)).toEqual({ '1': 0, '2': 60 });
  });

  it('orders jobs of the same minute by id compared as strings, seconds truncated', () => {
    // "9" was submitted 40 s earlier, but both count as minute 0 and "10" < "9".
    const specs: JobSpec[] = [
      { id: '9', nodes: 1, submit: 10, run: 5 * MIN, limitMinutes: 5 },
      { id: '10', nodes: 1, submit: 50, run: 5 * MIN, limitMinutes: 5 },
    ];
    expect(startsOf(specs, 1)).toEqual({ '10': 0, '9': 5 });
  });

  it('reports a job wider than the cluster; kept, it heads the queue and blocks first-come passes', () => {
    const specs: JobSpec[] = [
      { id: '1', nodes: 2, submit: 0, run: 30 * MIN, limitMinutes: 30 },
      { id: 'wide', nodes: 5, submit: 1 * MIN, run: 10 * MIN, limitMinutes: 10 },
      { id: '3', nodes: 1, submit: 2 * MIN, run: 10 * MIN, limitMinutes: 10 },
    ];
    const kept = prepareWorkload(specs.map((s) => traceJob(s, 7)), parseSimConfig({ nodes: 4 }));
    expect(kept.oversized).toEqual([{ id: 'wide', nodes: 5, submitSec: T0 + 60, line: 7 }]);
    expect(kept.count).toBe(3);
    // Job 3 could start at minute 2 on the 2 free nodes but waits for the backfill pass of minute 10.
    expect(startsOf(specs, 4)).toEqual({ '1': 0, wide: null, '3': 10 });

    const dropped = prepareWorkload(specs.map((s) => traceJob(s)), parseSimConfig({ nodes: 4, oversizedJobs: 'drop' }));
    expect(dropped.oversized.map((j) => j.id)).toEqual(['wide']);
    expect(dropped.count).toBe(2);
    const r = replayWindow(dropped, { fromSec: T0, toSec: T0 + 3600 });
    expect(r.startSec.map((s) => (s! - T0) / MIN)).toEqual([0, 2]);
  });
});
