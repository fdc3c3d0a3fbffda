import { z } from 'zod';
import type { JobTuple } from './features.js';
import { percentileSorted } from './features.js';
import type { WorkOptions } from '../progress.js';
import { throwIfAborted } from '../progress.js';
import type { Job } from '../trace/index.js';
import type { SimConfig } from './config.js';
import { CHAIN_JOB_MINUTES, MAX_CHAIN_JOB_MINUTES, simConstants } from './config.js';
import type { EngineContext, SimEngine } from './engine.js';
import { FastEngine } from './fast-engine.js';
import { forecastWaitMinutes } from './forecast.js';
import type { QueueState } from './forecast.js';
import { MinuteEngine } from './minute-engine.js';
import { PriorityTable } from './priority.js';
import type { SampleJobs } from './sample-jobs.js';
import { buildSampleJobs } from './sample-jobs.js';
import type { SubmitRange, Workload } from './workload.js';
import { prepareWorkload as prepareTraceWorkload, selectJobs } from './workload.js';

/**
 * The job chain of one sample, as the reference builds it: the simulator
 * starts empty at the sample start and receives the trace jobs submitted in
 * the next `workloadDays` days; after `warmupDays` the predecessor is
 * submitted; a policy submits the successor; the reward is successor start
 * minus predecessor end.
 */

export const PRED_ID = '1000000';
export const SUCC_ID = '1000001';

export const ChainScheduleSchema = z.strictObject({
  /** First sample's start, cluster-clock seconds; whole minutes. */
  startSec: z.number().int().refine((s) => s % 60 === 0, 'the start must be a whole minute'),
  samples: z.number().int().min(1),
  /** Hours between two samples' starts. */
  intervalHours: z.number().positive().refine((h) => Number.isInteger(h * 60), 'the interval must be whole minutes'),
  /** Days from the sample start to the predecessor's submission. */
  warmupDays: z.number().nonnegative().refine((d) => Number.isInteger(d * 1440), 'the warm-up must be whole minutes'),
  /** Days of trace submissions each sample replays. */
  workloadDays: z.number().positive(),
  /** Size of each chain job, in the simulator's unit (nodes, or GPUs with `unit: 'gpus'`). */
  jobNodes: z.number().int().min(1),
  /** Limit and run time of each chain job, minutes (default 2880, the reference's; clusters with other caps differ). */
  jobMinutes: z.number().int().min(1).max(MAX_CHAIN_JOB_MINUTES).optional(),
  /** Samples starting in [fromSec, toSec) are skipped and jobs submitted there are left out (the reference's filter ranges). */
  exclude: z.array(z.strictObject({ fromSec: z.number().int(), toSec: z.number().int() })).optional(),
});
export type ChainSchedule = z.infer<typeof ChainScheduleSchema>;

export function sampleStartSec(schedule: ChainSchedule, index: number): number {
  return schedule.startSec + Math.round(index * schedule.intervalHours * 3600);
}

export function isSampleExcluded(schedule: ChainSchedule, index: number): boolean {
  const start = sampleStartSec(schedule, index);
  return (schedule.exclude ?? []).some((r) => r.fromSec <= start && start < r.toSec);
}

/** Indices of the samples a schedule simulates (the excluded ones left out), ascending. */
export function scheduledSamples(schedule: ChainSchedule): number[] {
  const out: number[] = [];
  for (let i = 0; i < schedule.samples; i++) if (!isSampleExcluded(schedule, i)) out.push(i);
  return out;
}

/** Prepared once per trace and config, shared by all samples (see workload.ts). */
export function prepareWorkload(jobs: readonly Job[], config: SimConfig): Workload {
  return prepareTraceWorkload(jobs, config);
}

/** What a learned policy sees at a decision point. */
export interface DecisionContext {
  /** Decision time, cluster-clock seconds. */
  timeSec: number;
  /** snapshotWindow x 42 features, row-major, oldest first; the pred and succ tuples are as of now. */
  features: Float32Array;
  pred: PredState;
  sampleIndex: number;
  /** The running and pending jobs now, for a model that reads the scheduler's start estimate (forecast.ts). */
  queue: () => QueueState;
}

export interface PredState {
  submitSec: number;
  /** null while it is still pending. */
  startSec: number | null;
  /** Waited so far (pending) or its whole wait (started), seconds. */
  waitSec: number;
  /** Run so far, seconds (its whole run time once ended). */
  runSec: number;
  ended: boolean;
}

export type ChainPolicy =
  | { kind: 'reactive' }
  | { kind: 'average' }
  /**
   * QBETS-style baseline (added for validation): submit the q-quantile (0..1)
   * of the recent waits before pred's end. The waits are the last
   * `config.waitWindow` ones, read when the average baseline reads its mean.
   */
  | { kind: 'quantile'; q: number }
  | { kind: 'probes'; probes: number }
  | { kind: 'online'; decide: (ctx: DecisionContext) => boolean; everyMinutes?: number };

export type FeatureMode = 'reference' | 'decision' | 'none';

export interface SimulateOptions {
  /**
   * Which 144 snapshots go with each run: 'reference' pairs the reward with the
   * snapshots up to the successor's start (as the reference's training data
   * do), 'decision' with those up to the submit decision (what a policy sees).
   */
  featureMode: FeatureMode;
  /** Also keep the decision-time window when featureMode is 'reference'. */
  keepDecisionFeatures?: boolean;
  /** 'fast' (default) or the minute-by-minute reference path. */
  engine?: 'fast' | 'minute';
  /**
   * Online runs (ChainRun): a successor not submitted by pred's end is
   * submitted at that very minute, as the reactive baseline is, instead of at
   * the first decision after it (the reference's online loop, which charges a
   * waiting policy up to one decision interval of interruption that reactive
   * never pays). A live provisioner can do the same: pred's end is its start
   * plus its limit.
   */
  submitAtPredEnd?: boolean;
}

export interface RunResult {
  submitSec: number;
  succStartSec: number;
  /** succ start - pred end: > 0 interruption, < 0 overlap. */
  rewardSeconds: number;
  /** When a backfill pass started succ while it was not the queue's head; null otherwise. */
  succBackfillSec: number | null;
  /** snapshotWindow x 42, row-major, oldest first, per featureMode. */
  features?: Float32Array;
  /** The decision-time window (featureMode 'decision', or 'reference' with keepDecisionFeatures). */
  decisionFeatures?: Float32Array;
  /** The scheduler's start estimate for the successor at its submission, seconds (not with featureMode 'none'). */
  forecastWaitSec?: number;
}

export interface SampleResult {
  index: number;
  sampleStartSec: number;
  predSubmitSec: number;
  predStartSec: number;
  predEndSec: number;
  /** Mean of the last waits, whole minutes, read after the reference's pre-simulation. */
  avgWaitMinutes: number;
  /** Pending jobs at that same moment. */
  queueLength: number;
  runs: RunResult[];
}

const contexts = new WeakMap<SimConfig, EngineContext>();

/** Constants and the priority table of a config, built once and shared by all its simulations. */
export function engineContext(config: SimConfig): EngineContext {
  let ctx = contexts.get(config);
  if (ctx === undefined) {
    const constants = simConstants(config);
    ctx = { constants, priorities: new PriorityTable(constants) };
    contexts.set(config, ctx);
  }
  return ctx;
}

/** Upper bound on how long a chain job may wait: reaching it means it can never start. */
const HORIZON_MINUTES = 366 * 1440;

/** One sample's chain: its jobs and the minutes that frame it. */
class SampleSetup {
  readonly origin: number;
  readonly predSubmit: number;
  readonly jobs: SampleJobs;
  readonly pred: number;
  readonly succ: number;
  readonly ctx: EngineContext;
  /** Limit and run time of each chain job. */
  readonly jobMinutes: number;

  constructor(
    readonly workload: Workload,
    readonly schedule: ChainSchedule,
    readonly index: number,
  ) {
    const config = workload.config;
    if (schedule.jobNodes > config.nodes) {
      const unit = config.unit === 'gpus' ? 'GPU' : 'node';
      throw new RangeError(`chain jobs of ${schedule.jobNodes} ${unit}s can never start on a ${config.nodes}-${unit} cluster`);
    }
    const startSec = sampleStartSec(schedule, index);
    if (startSec % 60 !== 0) throw new RangeError(`sample ${index} starts at second ${startSec % 60} of a minute; starts must be whole minutes`);
    this.origin = startSec / 60;
    this.predSubmit = this.origin + Math.round(schedule.warmupDays * 1440);
    const selection = selectJobs(workload, startSec, startSec + schedule.workloadDays * 86400, (schedule.exclude ?? []) as SubmitRange[]);
    this.jobMinutes = schedule.jobMinutes ?? CHAIN_JOB_MINUTES;
    const chainJob = { nodes: schedule.jobNodes, durationSec: this.jobMinutes * 60, limitMinutes: this.jobMinutes };
    this.jobs = buildSampleJobs(workload, selection, this.origin, [
      { id: PRED_ID, submitMinute: this.predSubmit, viaQueue: true, ...chainJob },
      { id: SUCC_ID, submitMinute: this.predSubmit, viaQueue: false, ...chainJob },
    ]);
    this.pred = this.jobs.traceCount;
    this.succ = this.jobs.traceCount + 1;
    this.ctx = engineContext(config);
  }

  newEngine(kind: 'fast' | 'minute', withSnapshots: boolean): SimEngine {
    const snapshotsFrom = withSnapshots
      ? this.predSubmit + 1 - this.ctx.constants.snapshotWindow * this.ctx.constants.snapshotIntervalMinutes
      : null;
    return kind === 'minute' ? new MinuteEngine(this.ctx, this.jobs, { snapshotsFrom }) : new FastEngine(this.ctx, this.jobs, { snapshotsFrom });
  }

  /** Runs until `job` starts; throws when it never does. */
  runUntilStart(engine: SimEngine, job: number): number {
    if (!engine.advance(engine.minute + HORIZON_MINUTES, job)) {
      const wide = this.workload.oversized.length;
      const hint = wide > 0 && this.workload.config.oversizedJobs === 'keep' ? ` (the trace has ${wide} job(s) wider than the cluster, kept in the queue)` : '';
      throw new Error(`sample ${this.index}: job ${this.jobs.ids[job]} did not start within ${HORIZON_MINUTES / 1440} days${hint}`);
    }
    return engine.startMinute(job);
  }

  predState(engine: SimEngine, minute: number): PredState {
    const start = engine.startMinute(this.pred);
    const duration = this.jobs.durationSec[this.pred];
    if (start < 0) return { submitSec: this.predSubmit * 60, startSec: null, waitSec: (minute - this.predSubmit) * 60, runSec: 0, ended: false };
    const runSec = Math.min((minute - start) * 60, duration);
    return { submitSec: this.predSubmit * 60, startSec: start * 60, waitSec: (start - this.predSubmit) * 60, runSec, ended: minute - start >= this.jobs.holdSteps[this.pred] };
  }

  predTuple(state: PredState): JobTuple {
    return [this.jobMinutes, this.schedule.jobNodes, state.waitSec, state.runSec];
  }

  succTuple(): JobTuple {
    return [this.jobMinutes, this.schedule.jobNodes, 0, 0];
  }

  /** The scheduler's estimate of the successor's wait if submitted now, seconds. */
  forecastWaitSec(engine: SimEngine): number {
    return forecastWaitMinutes(this.ctx, engine.queueState(), { nodes: this.schedule.jobNodes, limitMinutes: this.jobMinutes }) * 60;
  }
}

/** What the reference's pre-simulation yields. */
interface PreSimulation {
  predStart: number;
  avgWaitMinutes: number;
  queueLength: number;
  /** The recent waits at that reading, seconds, oldest first (for the quantile baseline). */
  recentWaitsSec: number[];
  /** The trunk, at the minute of the reading (no successor in it). */
  trunk: SimEngine;
}

/**
 * The reference's pre-simulation: submit pred alone and run until it starts.
 * It steps from one trace submission to the next, so when pred starts between
 * two submissions it still runs to the next one and enqueues that minute's
 * jobs before reading the mean wait and the queue length.
 */
function preSimulate(setup: SampleSetup, trunk: SimEngine): PreSimulation {
  const predStart = setup.runUntilStart(trunk, setup.pred);
  const { feed, feedMinute } = setup.jobs;
  let next = -1;
  for (let k = 0; k < feed.length; k++) {
    if (feedMinute[k] > predStart) {
      next = k;
      break;
    }
  }
  let queueLength: number;
  if (next < 0) {
    queueLength = trunk.pendingCount();
  } else {
    const readAt = feedMinute[next];
    trunk.advance(readAt);
    let batch = 0;
    for (let k = next; k < feed.length && feedMinute[k] === readAt; k++) batch++;
    queueLength = trunk.pendingCount() + batch;
  }
  const avgWaitMinutes = Math.trunc(trunk.meanRecentWaitSec() / 60);
  return { predStart, avgWaitMinutes, queueLength, recentWaitsSec: trunk.recentWaitsSec(), trunk };
}

/** Successor submit minutes of a non-interactive policy, in the policy's order. */
export function submitMinutes(
  policy: ChainPolicy,
  predSubmit: number,
  predEnd: number,
  avgWaitMinutes: number,
  recentWaitsSec: readonly number[] = [],
): number[] {
  const lower = predSubmit + 1;
  switch (policy.kind) {
    case 'reactive':
      return [predEnd];
    case 'average':
      // The reference never submits when this falls at or before pred's submission; submit as early as it could.
      return [Math.max(predEnd - avgWaitMinutes, lower)];
    case 'quantile': {
      if (!(policy.q >= 0 && policy.q <= 1)) throw new RangeError('quantile: q in 0..1');
      const sorted = [...recentWaitsSec].sort((a, b) => a - b);
      // Whole minutes, truncated, like the average baseline's mean; no waits yet: submit at pred's end.
      const waitMinutes = Math.trunc(percentileSorted(sorted, sorted.length, policy.q * 100) / 60);
      return [Math.max(predEnd - waitMinutes, lower)];
    }
    case 'probes': {
      if (!Number.isInteger(policy.probes) || policy.probes < 2) throw new RangeError('probes: at least 2');
      const intervalSec = ((predEnd - lower) * 60) / (policy.probes - 1);
      return Array.from({ length: policy.probes }, (_, j) => Math.floor((lower * 60 + intervalSec * j) / 60));
    }
    case 'online':
      throw new Error('an online policy has no fixed submit times');
  }
}

function runFrom(setup: SampleSetup, engine: SimEngine, predStart: number, options: SimulateOptions): RunResult {
  const submit = engine.minute;
  const wantDecision = options.featureMode === 'decision' || (options.featureMode === 'reference' && options.keepDecisionFeatures === true);
  // Datasets keep it beside the features (the wait models read it); baselines need none.
  const forecastWaitSec = options.featureMode === 'none' ? undefined : setup.forecastWaitSec(engine);
  engine.submitNow(setup.succ);
  const predEnd = predStart + setup.jobMinutes;
  const tuple = setup.predTuple(setup.predState(engine, submit));
  const decisionFeatures = wantDecision ? engine.snapshots!.window(tuple, setup.succTuple()) : undefined;
  const succStart = setup.runUntilStart(engine, setup.succ);
  const backfill = engine.backfillMinute(setup.succ);
  const run: RunResult = {
    submitSec: submit * 60,
    succStartSec: succStart * 60,
    rewardSeconds: (succStart - predEnd) * 60,
    succBackfillSec: backfill < 0 ? null : backfill * 60,
  };
  if (forecastWaitSec !== undefined) run.forecastWaitSec = forecastWaitSec;
  if (options.featureMode === 'reference') run.features = engine.snapshots!.window(tuple, setup.succTuple());
  else if (options.featureMode === 'decision') run.features = decisionFeatures;
  if (options.featureMode === 'reference' && decisionFeatures) run.decisionFeatures = decisionFeatures;
  return run;
}

/**
 * Simulates sample `index` of a schedule under a policy. The pre-simulation
 * and every run share one simulated prefix: the trunk runs to pred's start
 * (the pre-simulation's reading), a checkpoint taken just after pred's
 * submission serves submit times before that, and each run forks from
 * whichever is at or before its submit time.
 */
export function simulateSample(workload: Workload, schedule: ChainSchedule, index: number, policy: ChainPolicy, options: SimulateOptions): SampleResult {
  if (policy.kind === 'online') {
    const run = new ChainRun(workload, schedule, index, options, policy.everyMinutes);
    for (let point = run.advanceToNextDecision(); point.kind === 'decision'; point = run.advanceToNextDecision()) {
      if (policy.decide(point.context)) run.submitSuccessor();
    }
    return run.result()!;
  }
  const setup = new SampleSetup(workload, schedule, index);
  const kind = options.engine ?? 'fast';
  const engine = setup.newEngine(kind, options.featureMode !== 'none');
  engine.advance(setup.predSubmit + 1);
  let early: SimEngine | null = engine.clone();
  const pre = preSimulate(setup, engine);
  const predEnd = pre.predStart + setup.jobMinutes;
  const minutes = submitMinutes(policy, setup.predSubmit, predEnd, pre.avgWaitMinutes, pre.recentWaitsSec);

  const order = minutes.map((m, k) => ({ m, k })).sort((a, b) => a.m - b.m || a.k - b.k);
  const runs = new Array<RunResult>(minutes.length);
  order.forEach(({ m, k }, pos) => {
    const last = pos === order.length - 1;
    let base: SimEngine;
    if (m >= pre.trunk.minute) {
      base = pre.trunk;
      early = null;
    } else {
      base = early!;
    }
    base.advance(m);
    const fork = last ? base : base.clone();
    runs[k] = runFrom(setup, fork, pre.predStart, options);
  });
  return {
    index,
    sampleStartSec: setup.origin * 60,
    predSubmitSec: setup.predSubmit * 60,
    predStartSec: pre.predStart * 60,
    predEndSec: predEnd * 60,
    avgWaitMinutes: pre.avgWaitMinutes,
    queueLength: pre.queueLength,
    runs,
  };
}

/** Every sample of a schedule (the excluded ones skipped), one after another, reporting progress per sample. */
export function simulateSchedule(
  workload: Workload,
  schedule: ChainSchedule,
  policy: ChainPolicy,
  options: SimulateOptions & WorkOptions,
): SampleResult[] {
  const indices = scheduledSamples(schedule);
  const results: SampleResult[] = [];
  for (const index of indices) {
    throwIfAborted(options.signal);
    results.push(simulateSample(workload, schedule, index, policy, options));
    options.onProgress?.({ stage: 'simulate', done: results.length, total: indices.length, unit: 'samples' });
  }
  return results;
}

export interface DecisionPoint {
  kind: 'decision';
  context: DecisionContext;
}

export interface ChainDone {
  kind: 'done';
  result: SampleResult;
}

/**
 * One sample's chain driven step by step by an online policy: call
 * advanceToNextDecision(), look at the decision point (possibly batched with
 * other chains' points), call submitSuccessor() to submit now, repeat until it
 * answers 'done'. Decisions come every `everyMinutes` minutes on the snapshot
 * grid, once pred was submitted before now and a full window of snapshots
 * exists; when pred has ended the successor is submitted at once, unasked (the
 * reference's online validation does the same).
 */
export class ChainRun {
  private readonly setup: SampleSetup;
  private readonly engine: SimEngine;
  private readonly pre: PreSimulation;
  private readonly everyMinutes: number;
  private nextDecision: number;
  private done: SampleResult | null = null;

  constructor(
    workload: Workload,
    schedule: ChainSchedule,
    readonly index: number,
    private readonly options: SimulateOptions = { featureMode: 'decision' },
    everyMinutes?: number,
  ) {
    this.setup = new SampleSetup(workload, schedule, index);
    this.everyMinutes = everyMinutes ?? this.setup.ctx.constants.snapshotIntervalMinutes;
    if (!Number.isInteger(this.everyMinutes) || this.everyMinutes < 1) throw new RangeError('everyMinutes: a whole number of minutes >= 1');
    const { origin, predSubmit } = this.setup;
    // The reference asks at origin + k * every (k >= 1) once pred was submitted before that minute.
    this.nextDecision = origin + (Math.floor((predSubmit - origin) / this.everyMinutes) + 1) * this.everyMinutes;
    const engine = this.setup.newEngine(options.engine ?? 'fast', true);
    engine.advance(predSubmit + 1);
    this.engine = engine.clone();
    // The pre-simulation is not part of an online run; it only yields the sample's summary numbers.
    this.pre = preSimulate(this.setup, engine);
  }

  /** Runs to the next decision point, or to the end of the chain. */
  advanceToNextDecision(): DecisionPoint | ChainDone {
    const window = this.setup.ctx.constants.snapshotWindow;
    while (this.done === null) {
      const minute = this.nextDecision;
      if (this.options.submitAtPredEnd) {
        const predStart = this.engine.startMinute(this.setup.pred);
        const predEnd = predStart + this.setup.jobMinutes;
        if (predStart >= 0 && predEnd <= minute) {
          this.engine.advance(predEnd);
          this.submitSuccessor();
          break;
        }
      }
      this.nextDecision += this.everyMinutes;
      this.engine.advance(minute);
      const pred = this.setup.predState(this.engine, minute);
      if (pred.ended) {
        this.submitSuccessor();
        break;
      }
      if (this.engine.snapshots!.size < window) continue;
      const features = this.engine.snapshots!.window(this.setup.predTuple(pred), this.setup.succTuple());
      // Read on demand, at this decision only: the engine moves on once the round is decided.
      const engine = this.engine;
      const at = engine.minute;
      const queue = (): QueueState => {
        if (engine.minute !== at) throw new Error('the queue of a past decision point was asked for');
        return engine.queueState();
      };
      return { kind: 'decision', context: { timeSec: minute * 60, features, pred, sampleIndex: this.index, queue } };
    }
    return { kind: 'done', result: this.done! };
  }

  /** Submits the successor now (at the decision point just returned) and runs the chain to its end. */
  submitSuccessor(): void {
    if (this.done) throw new Error('the successor was already submitted');
    this.done = this.resultOf(runFrom(this.setup, this.engine, this.pre.predStart, this.options));
  }

  /**
   * What submitting the successor now would give, leaving this chain
   * unsubmitted: the simulator forks here (as the probes do), so one path
   * scores every rule that would submit at this decision point.
   */
  forkSubmit(): SampleResult {
    if (this.done) throw new Error('the successor was already submitted');
    return this.resultOf(runFrom(this.setup, this.engine.clone(), this.pre.predStart, this.options));
  }

  private resultOf(run: RunResult): SampleResult {
    return {
      index: this.index,
      sampleStartSec: this.setup.origin * 60,
      predSubmitSec: this.setup.predSubmit * 60,
      predStartSec: this.pre.predStart * 60,
      predEndSec: (this.pre.predStart + this.setup.jobMinutes) * 60,
      avgWaitMinutes: this.pre.avgWaitMinutes,
      queueLength: this.pre.queueLength,
      runs: [run],
    };
  }

  /** The finished sample, or null while the successor is not submitted. */
  result(): SampleResult | null {
    return this.done;
  }
}
