/**
 * The policy agent's episodes in the simulator, as the reference's env.py:
 * a random start time in the training range (whole minutes), the trace jobs
 * of the next `workloadDays` days, the predecessor after `warmupDays`, and a
 * decision every `everyMinutes` (60) once a full window of snapshots exists.
 * When the predecessor ends before the agent submits, the successor is
 * submitted at the next decision point (the reference), or at pred's end on
 * the minute with `submitAtPredEnd` (as validation runs a model's chain), and
 * the episode ends.
 */
import type { ChainSchedule } from '../sim/chain.js';
import { ChainRun } from '../sim/chain.js';
import type { Workload } from '../sim/workload.js';
import { createRng } from '../model/rng.js';
import type { EnvStep, EpisodeEnv } from './policy.js';

export interface ChainEnvOptions {
  /** Episode starts are drawn uniformly from [fromSec, toSec), whole minutes. */
  fromSec: number;
  toSec: number;
  warmupDays: number;
  workloadDays: number;
  jobNodes: number;
  /** Limit and run time of each chain job, minutes (default: the reference's 2880). */
  jobMinutes?: number;
  everyMinutes: number;
  exclude?: ChainSchedule['exclude'];
  /**
   * A successor still unsubmitted at pred's end goes in on that minute, as in
   * validation (core/validate/simulate.ts), instead of at the next decision;
   * otherwise waiting costs up to `everyMinutes` of interruption in training
   * that it does not cost when validated, and the agent learns to submit early.
   */
  submitAtPredEnd?: boolean;
}

export const REFERENCE_EPISODES = { warmupDays: 2, workloadDays: 5, jobNodes: 1, everyMinutes: 60 } as const;

export function chainEpisodeEnv(workload: Workload, options: ChainEnvOptions): EpisodeEnv {
  const spanMinutes = Math.floor((options.toSec - options.fromSec) / 60);
  if (spanMinutes < 1) throw new Error('the episode start range is empty');
  let run: ChainRun | null = null;

  const advance = (): EnvStep => {
    const point = run!.advanceToNextDecision();
    if (point.kind === 'decision') return { done: false, window: point.context.features };
    const reward = point.result.runs[0].rewardSeconds;
    run = null;
    return { done: true, rewardHours: reward / 3600 };
  };

  return {
    reset(seed) {
      const offsetMinutes = Math.floor(createRng(seed, 'episode-start').next() * spanMinutes);
      const startSec = Math.floor(options.fromSec / 60) * 60 + offsetMinutes * 60;
      const schedule: ChainSchedule = {
        startSec,
        samples: 1,
        intervalHours: 4,
        warmupDays: options.warmupDays,
        workloadDays: options.workloadDays,
        jobNodes: options.jobNodes,
        ...(options.jobMinutes !== undefined ? { jobMinutes: options.jobMinutes } : {}),
        ...(options.exclude ? { exclude: options.exclude } : {}),
      };
      run = new ChainRun(workload, schedule, 0, { featureMode: 'none', submitAtPredEnd: options.submitAtPredEnd ?? false }, options.everyMinutes);
      return advance();
    },
    step(submit) {
      if (!run) throw new Error('the episode has ended: call reset');
      if (submit) run.submitSuccessor();
      return advance();
    },
  };
}
