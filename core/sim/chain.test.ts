import { describe, expect, it } from 'vitest';
import type { ChainSchedule, DecisionContext } from './chain.js';
import { ChainRun, prepareWorkload, sampleStartSec, scheduledSamples, simulateSample, submitMinutes } from './chain.js';
import { parseSimConfig } from './config.js';
import type { JobSpec } from './testing/jobs.js';
import { T0, traceJob } from './testing/jobs.js';

const MIN = 60;
const DAY = 1440;
/** Pred is submitted one day after the sample start (minute 1440, on the 10-minute grids). */
const schedule: ChainSchedule = { startSec: T0, samples: 1, intervalHours: 4, warmupDays: 1, workloadDays: 3, jobNodes: 1 };
const P = T0 + DAY * MIN;

function workloadOf(specs: JobSpec[], nodes: number): ReturnType<typeof prepareWorkload> {
  return prepareWorkload(specs.map((s) => traceJob(s)), parseSimConfig({ nodes }));
}

describe('chain schedule', () => {
  it('starts sample i at start + i * interval and skips excluded starts', () => {
    const s: ChainSchedule = { ...schedule, samples: 5, exclude: [{ fromSec: T0 + 4 * 3600, toSec: T0 + 12 * 3600 }] };
    expect(sampleStartSec(s, 3)).toBe(T0 + 12 * 3600);
    expect(scheduledSamples(s)).toEqual([0, 3, 4]);
  });

  it('spaces probes evenly from pred submit + 1 min to pred end, truncated to the minute', () => {
    const p = P / MIN;
    expect(submitMinutes({ kind: 'probes', probes: 7 }, p, p + 2880, 0).map((m) => m - p)).toEqual([1, 480, 960, 1440, 1920, 2400, 2880]);
    expect(submitMinutes({ kind: 'probes', probes: 4 }, p, p + 2880, 0).map((m) => m - p)).toEqual([1, 960, 1920, 2880]);
    expect(submitMinutes({ kind: 'reactive' }, p, p + 2900, 7)).toEqual([p + 2900]);
    expect(submitMinutes({ kind: 'average' }, p, p + 2900, 7)).toEqual([p + 2893]);
    // The reference would never submit at or before pred's submission; we submit as early as it could.
    expect(submitMinutes({ kind: 'average' }, p, p + 2900, 5000)).toEqual([p + 1]);
  });
});

describe('one sample on a quiet cluster (hand-computed)', () => {
  // Only one short trace job: pred starts when submitted, succ whenever submitted.
  const quiet = workloadOf([{ id: 'a', nodes: 1, submit: 0, run: 10 * MIN, limitMinutes: 10 }], 4);

  it('gives the reactive, average and probe rewards', () => {
    const reactive = simulateSample(quiet, schedule, 0, { kind: 'reactive' }, { featureMode: 'none' });
    expect(reactive).toEqual({
      index: 0,
      sampleStartSec: T0,
      predSubmitSec: P,
      predStartSec: P,
      predEndSec: P + 2880 * MIN,
      avgWaitMinutes: 0,
      queueLength: 0,
      runs: [{ submitSec: P + 2880 * MIN, succStartSec: P + 2880 * MIN, rewardSeconds: 0, succBackfillSec: null }],
    });
    const probes = simulateSample(quiet, schedule, 0, { kind: 'probes', probes: 7 }, { featureMode: 'none' });
    expect(probes.runs.map((r) => r.rewardSeconds)).toEqual([-172740, -144000, -115200, -86400, -57600, -28800, 0]);
    expect(probes.runs.map((r) => r.succStartSec - r.submitSec)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('asks an online policy every 10 minutes after pred submit, with the window as of now', () => {
    const seen: DecisionContext[] = [];
    const first = simulateSample(quiet, schedule, 0, { kind: 'online', decide: (ctx) => (seen.push(ctx), true) }, { featureMode: 'decision' });
    expect(seen).toHaveLength(1);
    const ctx = seen[0];
    expect(ctx.timeSec).toBe(P + 10 * MIN);
    expect(ctx.pred).toEqual({ submitSec: P, startSec: P, waitSec: 0, runSec: 600, ended: false });
    const last = ctx.features.subarray(143 * 42, 144 * 42);
    expect(Array.from(last.subarray(34))).toEqual([2880, 1, 0, 600, 2880, 1, 0, 0]);
    expect([last[0], last[17], last[18]]).toEqual([0, 1, 1]); // nothing pending; pred alone running on 1 node
    expect(first.runs[0]).toMatchObject({ submitSec: P + 10 * MIN, succStartSec: P + 10 * MIN, rewardSeconds: -2870 * MIN });
    expect(first.runs[0].features).toEqual(ctx.features);

    let asked = 0;
    const never = simulateSample(quiet, schedule, 0, { kind: 'online', decide: () => (asked++, false) }, { featureMode: 'none' });
    // Decisions at pred submit + 10, 20, ..., 2870 min; at 2880 pred has ended and succ goes in unasked.
    expect(asked).toBe(287);
    expect(never.runs[0]).toMatchObject({ submitSec: P + 2880 * MIN, rewardSeconds: 0 });
  });

  it('lets a caller step several chains and answer in batches', () => {
    const runs = [0, 1, 2].map(() => new ChainRun(quiet, schedule, 0, { featureMode: 'none' }));
    const answerAt = [1, 3, 2];
    for (let round = 1; round <= 3; round++) {
      for (const [k, run] of runs.entries()) {
        const point = run.advanceToNextDecision();
        expect(point.kind).toBe(run.result() === null ? 'decision' : 'done');
        if (point.kind === 'decision' && answerAt[k] === round) run.submitSuccessor();
      }
    }
    expect(runs.map((r) => (r.result()!.runs[0].submitSec - P) / MIN)).toEqual([10, 30, 20]);
  });
});

describe('the pre-simulation reading (hand-computed)', () => {
  // 1 node. B runs from pred submit - 5 min for an hour; pred waits 55 min behind it.
  // D (pred submit + 20) and C (+ 70) queue behind pred for its 2 days.
  const busy = workloadOf(
    [
      { id: 'b', nodes: 1, submit: (DAY - 5) * MIN, run: 60 * MIN, limitMinutes: 60 },
      { id: 'd', nodes: 1, submit: (DAY + 20) * MIN, run: 10 * MIN, limitMinutes: 10 },
      { id: 'c', nodes: 1, submit: (DAY + 70) * MIN, run: 10 * MIN, limitMinutes: 10 },
    ],
    1,
  );

  it('reads the mean wait and the queue at the first submission after pred starts, that batch included', () => {
    const r = simulateSample(busy, schedule, 0, { kind: 'reactive' }, { featureMode: 'none' });
    expect((r.predStartSec - P) / MIN).toBe(55);
    // Waits: b 0, pred 55 min -> mean 27.5 min, truncated. Queue at pred submit + 70: d and c.
    expect(r.avgWaitMinutes).toBe(27);
    expect(r.queueLength).toBe(2);
    // Pred ends at +2935; d runs 10 min, then c, then succ: 20 minutes of interruption.
    expect(r.runs[0]).toMatchObject({ submitSec: P + 2935 * MIN, succStartSec: P + 2955 * MIN, rewardSeconds: 1200 });
    const average = simulateSample(busy, schedule, 0, { kind: 'average' }, { featureMode: 'none' });
    expect(average.runs[0].submitSec).toBe(P + (2935 - 27) * MIN);
  });
});
