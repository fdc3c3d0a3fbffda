import { describe, expect, it } from 'vitest';
import type { Job } from '../trace/job.js';
import type { ChainSchedule } from './chain.js';
import { prepareWorkload, simulateSample } from './chain.js';
import { parseSimConfig } from './config.js';
import { replayWindow } from './replay.js';
import type { JobSpec } from './testing/jobs.js';
import { T0, traceJob } from './testing/jobs.js';
import { labelledScheduleWarnings, scheduleWarnings } from './warnings.js';

const MIN = 60;
const DAY = 86400;

/** A trace job holding `gpus` GPUs on its nodes. */
const gpuJob = (spec: JobSpec, gpus: number | undefined): Job => ({ ...traceJob(spec), ...(gpus === undefined ? {} : { gpus }) });

/** Start minute (after T0) of every job, on both engines (which must agree). */
function startsOf(jobs: Job[], config: Parameters<typeof parseSimConfig>[0]): Record<string, number | null> {
  const workload = prepareWorkload(jobs, parseSimConfig(config));
  const results = (['minute', 'fast'] as const).map((engine) => {
    const r = replayWindow(workload, { fromSec: T0, toSec: T0 + DAY, engine });
    return Object.fromEntries(r.ids.map((id, j) => [id, r.startSec[j] === null ? null : (r.startSec[j]! - T0) / MIN]));
  });
  expect(results[1]).toEqual(results[0]);
  return results[0];
}

describe('the simulator counting GPUs (hand-computed)', () => {
  // Two 4-GPU nodes. A and B hold 2 GPUs each on their own node, from minute 0 to 60.
  // C (4 GPUs, 30 min) arrives at minute 1, D (1 GPU, 30 min) at minute 2.
  const jobs = [
    gpuJob({ id: 'A', nodes: 1, submit: 0, run: 60 * MIN, limitMinutes: 60 }, 2),
    gpuJob({ id: 'B', nodes: 1, submit: 0, run: 60 * MIN, limitMinutes: 60 }, 2),
    gpuJob({ id: 'C', nodes: 1, submit: 1 * MIN, run: 30 * MIN, limitMinutes: 30 }, 4),
    gpuJob({ id: 'D', nodes: 1, submit: 2 * MIN, run: 30 * MIN, limitMinutes: 30 }, 1),
  ];

  it('counting whole nodes, C and D wait for A and B to free their nodes at minute 60', () => {
    expect(startsOf(jobs, { nodes: 2 })).toEqual({ A: 0, B: 0, C: 60, D: 60 });
  });

  it('counting GPUs, C takes the 4 free GPUs at once and D the ones C frees at minute 31', () => {
    // Minute 1: 8 - 2 - 2 = 4 GPUs free, C fits (first-come pass). Minute 2: none free for D.
    // C holds its GPUs for 30 one-minute steps, from 1 to 31; D starts then.
    expect(startsOf(jobs, { nodes: 8, unit: 'gpus' })).toEqual({ A: 0, B: 0, C: 1, D: 31 });
  });

  it('leaves out, and says why, jobs without a GPU count or holding none', () => {
    const workload = prepareWorkload(
      [...jobs, gpuJob({ id: 'E', nodes: 1, submit: 0, run: 60, limitMinutes: 5 }, 0), gpuJob({ id: 'F', nodes: 1, submit: 0, run: 60, limitMinutes: 5 }, undefined)],
      parseSimConfig({ nodes: 8, unit: 'gpus' }),
    );
    expect(workload.ids).toEqual(['A', 'B', 'C', 'D']);
    expect(workload.unusable.map((u) => [u.id, u.reason])).toEqual([
      ['E', 'holds no GPU'],
      ['F', 'no GPU count in the trace (sacct AllocTRES gres/gpu)'],
    ]);
    // Counting nodes, the same jobs are all kept: the unit changes nothing else.
    expect(prepareWorkload([...jobs, gpuJob({ id: 'E', nodes: 1, submit: 0, run: 60, limitMinutes: 5 }, 0)], parseSimConfig({ nodes: 2 })).count).toBe(5);
  });

  it('sizes the chain job in GPUs too', () => {
    const workload = prepareWorkload(jobs, parseSimConfig({ nodes: 8, unit: 'gpus' }));
    // Pred (4 GPUs, the queue's head by size) is submitted at minute 5, when A, B and C hold all 8 GPUs;
    // C frees 4 at minute 31 and pred starts then. Warm-up 12 h: the sample starts 715 minutes before T0.
    const schedule: ChainSchedule = { startSec: T0 - 715 * MIN, samples: 1, intervalHours: 4, warmupDays: 0.5, workloadDays: 1, jobNodes: 4, jobMinutes: 60 };
    const r = simulateSample(workload, schedule, 0, { kind: 'reactive' }, { featureMode: 'none' });
    expect([(r.predSubmitSec - T0) / MIN, (r.predStartSec - T0) / MIN]).toEqual([5, 31]);
    expect(() => simulateSample(workload, { ...schedule, jobNodes: 9 }, 0, { kind: 'reactive' }, { featureMode: 'none' })).toThrow(
      'chain jobs of 9 GPUs can never start on a 8-GPU cluster',
    );
  });
});

describe('warnings where results would mean nothing', () => {
  const day = (d: number, spec: Omit<JobSpec, 'submit'>): JobSpec => ({ ...spec, submit: d * DAY });
  /** One 1-node job an hour for 10 days on a 4-node cluster, mean load 1 node. */
  const steady = Array.from({ length: 240 }, (_, h) => traceJob({ id: `j${h}`, nodes: 1, submit: h * 3600, run: 3600, limitMinutes: 60 }));
  const base: ChainSchedule = { startSec: T0, samples: 1, intervalHours: 24, warmupDays: 1, workloadDays: 2, jobNodes: 1 };

  it('says nothing about a schedule inside the trace on a cluster that holds its load', () => {
    expect(scheduleWarnings(prepareWorkload(steady, parseSimConfig({ nodes: 4 })), base, steady)).toEqual([]);
  });

  it('says when no job can be simulated, and why', () => {
    const pending: Job = { ...traceJob(day(0, { id: 'p', nodes: 1, run: 60, limitMinutes: 5 })), startSec: null, endSec: null };
    const unlimited: Job = { ...traceJob(day(0, { id: 'u', nodes: 1, run: 60, limitMinutes: 5 })), limitMinutes: null };
    const warnings = scheduleWarnings(prepareWorkload([pending, unlimited], parseSimConfig({ nodes: 4 })), base);
    expect(warnings).toEqual([
      {
        code: 'no-jobs',
        message:
          'no job of the trace can be simulated: 2 jobs left out (1 never started: the trace has no run time for it; 1 no time limit); every sample replays an empty cluster',
      },
    ]);
  });

  it('names the samples outside the trace: before it, past its end, and with no job at all', () => {
    const workload = prepareWorkload(steady, parseSimConfig({ nodes: 4 }));
    // Samples a day apart from 2 days before the trace's start: 0-1 start before it; pred ends 3 days after
    // the sample start, past the last submission (day 9, 23:00) from sample 9 on; 12-14 hold no job.
    const schedule: ChainSchedule = { ...base, startSec: T0 - 2 * DAY, samples: 15 };
    const warnings = scheduleWarnings(workload, schedule, steady);
    expect(warnings.map((w) => w.code)).toEqual(['empty-samples', 'before-trace', 'after-trace']);
    expect(warnings[0].message).toMatch(/^3 samples of 15 samples \(12-14\) replay no trace job: their windows lie outside the trace's submissions \(2023-03-01T00:00:00 \.\. 2023-03-10T23:00:00\)/);
    expect(warnings[1].message).toMatch(/^2 samples of 15 samples \(0-1\) start before the trace's first submission \(2023-03-01T00:00:00\)/);
    expect(warnings[2].message).toMatch(/^3 samples of 15 samples \(9-11\) have their predecessor end after the trace's last submission/);
  });

  it('says when the chain job seldom fits beside the recorded load, or the trace ran more than the cluster holds', () => {
    // Mean load 1 node of 4: a 3-node chain job fits every hour, a 4-node one none.
    const workload = prepareWorkload(steady, parseSimConfig({ nodes: 4 }));
    expect(scheduleWarnings(workload, { ...base, jobNodes: 3 }, steady)).toEqual([]);
    const [tooBig] = scheduleWarnings(workload, { ...base, jobNodes: 4 }, steady);
    expect(tooBig).toEqual({
      code: 'job-size',
      message:
        // 241 hours: the series ends with the hour the last job ends in (idle), the one hour the job fits.
        'a chain job of 4 nodes fits beside the trace\'s recorded load in only 0.4 % of its 241 hours (cluster of 4 nodes): the chain mostly waits for the cluster to drain, so its rewards say little about this trace',
    });
    const wide = [...steady, traceJob({ id: 'w', nodes: 3, submit: 0, run: 600, limitMinutes: 10 }), traceJob({ id: 'x', nodes: 6, submit: 0, run: 600, limitMinutes: 10 })];
    const codes = scheduleWarnings(prepareWorkload(wide, parseSimConfig({ nodes: 4 })), base, wide).map((w) => w.code);
    expect(codes).toEqual(['oversized-jobs', 'capacity']);
  });

  it('labels the warnings of an experiment\'s schedules, and says a trace-wide one once', () => {
    const config = parseSimConfig({ nodes: 4 });
    const late: ChainSchedule = { ...base, startSec: T0 + 20 * DAY };
    expect(labelledScheduleWarnings(steady, config, [{ label: 'training', schedule: base }, { label: 'validation', schedule: late }])).toEqual([
      { code: 'empty-samples', message: expect.stringMatching(/^validation: 1 sample of 1 sample \(0\) replay no trace job/) },
    ]);
    const none: Job[] = [{ ...traceJob({ id: 'p', nodes: 1, submit: 0, run: 60, limitMinutes: 5 }), startSec: null, endSec: null }];
    const both = labelledScheduleWarnings(none, config, [{ label: 'training', schedule: base }, { label: 'validation', schedule: late }]);
    expect(both.map((w) => w.code)).toEqual(['no-jobs']);
  });
});
