import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareWorkload, simulateSample } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import type { Workload } from '../sim/workload.js';
import { loadTraceFile, parseClock } from '../trace/index.js';
import { createRng } from '../model/rng.js';
import { chainEpisodeEnv, REFERENCE_EPISODES } from './chain-env.js';
import type { EnvStep } from './policy.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const FROM = parseClock('2022-11-01T00:00:00');
const TO = parseClock('2022-11-20T00:00:00');

let workload: Workload;
beforeAll(async () => {
  const trace = await loadTraceFile(TRACE, { format: 'auto' });
  workload = prepareWorkload(trace.jobs, parseSimConfig({}));
});

/** The episode start the env draws for a seed (it mirrors chain-env's draw). */
function startFor(seed: number): number {
  return FROM + Math.floor(createRng(seed, 'episode-start').next() * Math.floor((TO - FROM) / 60)) * 60;
}

describe('policy episodes in the simulator', () => {
  it('a submit at the first decision earns what the online chain gives for the same start', () => {
    const env = chainEpisodeEnv(workload, { fromSec: FROM, toSec: TO, ...REFERENCE_EPISODES });
    const first = env.reset(7);
    expect(first.done).toBe(false);
    expect((first as { window: Float32Array }).window).toHaveLength(144 * 42);
    const end = env.step(true);
    expect(end.done).toBe(true);

    const schedule = { startSec: startFor(7), samples: 1, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
    const expected = simulateSample(workload, schedule, 0, { kind: 'online', decide: () => true, everyMinutes: 60 }, { featureMode: 'none' });
    expect((end as { rewardHours: number }).rewardHours).toBeCloseTo(expected.runs[0].rewardSeconds / 3600, 9);
  });

  it('an agent that always waits is asked about once an hour until the predecessor ends, then the chain ends', () => {
    const env = chainEpisodeEnv(workload, { fromSec: FROM, toSec: TO, ...REFERENCE_EPISODES });
    let step: EnvStep = env.reset(11);
    let decisions = 0;
    while (!step.done) {
      decisions++;
      step = env.step(false);
    }
    // pred runs 48 h after its wait; asked every 60 minutes from its submission on
    expect(decisions).toBeGreaterThanOrEqual(47);
    expect(decisions).toBeLessThan(48 + 24 * 7);
    // submitted when pred ended: never an overlap
    expect(step.rewardHours).toBeGreaterThanOrEqual(0);
    expect(() => env.step(false)).toThrow(/call reset/);
  });

  it('with submitAtPredEnd, an agent that always waits earns what reactive earns on the same start, as validation charges it', () => {
    // Busy late January, 8-node jobs: preds wait, so their ends fall between hourly decisions.
    const from = parseClock('2023-01-20T00:00:00');
    const to = parseClock('2023-01-30T00:00:00');
    const waiting = (submitAtPredEnd: boolean, seed: number): number => {
      const env = chainEpisodeEnv(workload, { fromSec: from, toSec: to, ...REFERENCE_EPISODES, jobNodes: 8, submitAtPredEnd });
      let step: EnvStep = env.reset(seed);
      while (!step.done) step = env.step(false);
      return step.rewardHours;
    };
    for (const seed of [11, 12, 13, 14]) {
      const startSec = from + Math.floor(createRng(seed, 'episode-start').next() * Math.floor((to - from) / 60)) * 60;
      const schedule = { startSec, samples: 1, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 8 };
      const reactive = simulateSample(workload, schedule, 0, { kind: 'reactive' }, { featureMode: 'none' });
      expect(waiting(true, seed)).toBe(reactive.runs[0].rewardSeconds / 3600);
    }
    // The reference's episodes charge the wait until the next decision: 25 minutes here, where reactive pays none.
    expect(waiting(false, 13)).toBeCloseTo(25 / 60, 9);
    expect(waiting(true, 13)).toBe(0);
  });
});
