import { randomBytes } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../files/atomic.js';
import { FEATURES_PER_SNAPSHOT, QUEUE_FEATURES, tupleFeaturesInto } from '../../sim/features.js';
import { throwIfAborted } from '../../progress.js';
import { unixToClock } from '../../trace/index.js';
import type { RewardLogRow } from '../../validate/reward-log.js';
import { formatRewardLog } from '../../validate/reward-log.js';
import type { JobRecord, SlurmClient } from '../client.js';
import { SlurmCommandError, abortableSleep } from '../command.js';
import type { QueueJob } from '../squeue.js';
import { isRunningState } from '../squeue.js';
import { predEndSec } from './policy.js';
import type { PolicyDecision, ProvisionPolicy } from './policy.js';
import { isFinished, predecessorTuple, queueFeatures, queueState, queueTuples, successorTuple } from './snapshot.js';
import type { ChainJob, MeasuredLink, ProvisionState, SnapshotRingFile } from './state.js';
import { loadRing, loadState, saveRing, saveState } from './state.js';

export interface ProvisionerConfig {
  /** Where state.json and snapshots.json live (the chain survives a restart through them). */
  stateDir: string;
  /** Absolute path of the successor's batch script. */
  script: string;
  /** The running or pending job the chain starts from. */
  after: string;
  /** Successors to submit. */
  links: number;
  /** Seconds between two samples of the queue (reference: 600). */
  intervalSec: number;
  /** Cluster seconds -> model seconds (1 on a real cluster). */
  timeScale: number;
  /** Partition to sample; null: the predecessor's. */
  partition: string | null;
  /** Extra sbatch options for every successor (`--account=...`). */
  sbatchOptions: readonly string[];
  /** Decide and log, never submit; stops after the first decision to submit. */
  dryRun: boolean;
  rewardLog: string;
  eventLog: string;
  /** Snapshots kept (the model's window length; 144 in the reference). */
  historyLength: number;
  /** Recent waits the average policy averages (the simulator keeps 100). */
  waitWindow?: number;
  /** IANA zone of the cluster clock for reward.log times; default the host's. */
  timeZone?: string;
  /** What the run decides with (bundle, rule, overrides, checks of the cluster): logged as a 'policy' event at every start and resume. */
  policyInfo?: Record<string, unknown>;
}

export interface ProvisionerDeps {
  client: SlurmClient;
  policy: ProvisionPolicy;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Sees every event as it is logged (the CLI prints them). */
  onEvent?: (event: ProvisionEvent) => void;
  /** Consecutive ticks a chain job may be unknown to Slurm before the run gives up. */
  maxUnknownTicks?: number;
}

export interface ProvisionEvent {
  /** Epoch seconds. */
  t: number;
  event: string;
  [field: string]: unknown;
}

export interface ProvisionOutcome {
  state: ProvisionState;
  /** Dry run: the decision that would have submitted, if one came. */
  wouldSubmit: PolicyDecision | null;
}

export const COMMENT_PREFIX = 'mirage-chain';

/**
 * Keeps a chain of jobs alive on a real cluster: every interval it samples
 * the queue, asks the policy whether to submit the successor of the current
 * predecessor now, submits it when told, and measures each link
 * (successor start - predecessor end) once both are known. It never cancels
 * or changes a job; it only submits, each submission tagged with a comment
 * that lets a restarted run recognise it instead of submitting again.
 */
export class Provisioner {
  private state!: ProvisionState;
  private ring: SnapshotRingFile = { snapshots: [] };
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The current predecessor's limit end (start + limit), seconds, as last seen. */
  private predEnd: number | null = null;
  private readonly toClock: (unixSec: number) => number;
  private decisions = 0;
  private unknownTicks = new Map<string, number>();
  private goneSince = new Map<string, number>();
  private partition: string | null;

  constructor(
    private readonly config: ProvisionerConfig,
    private readonly deps: ProvisionerDeps,
  ) {
    this.sleep = deps.sleep ?? abortableSleep;
    this.toClock = unixToClock(config.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
    this.partition = config.partition;
  }

  async run(): Promise<ProvisionOutcome> {
    const { config, deps } = this;
    await mkdir(config.stateDir, { recursive: true });
    let started = false;
    let wouldSubmit: PolicyDecision | null = null;
    for (;;) {
      throwIfAborted(deps.signal);
      const tickStart = deps.client.nowSec();
      try {
        if (!started) {
          await this.startOrResume();
          started = true;
        }
        if (!this.state.done) wouldSubmit = await this.tick();
      } catch (error) {
        // slurmctld down or restarting: the Slurm commands already retried; try again next interval.
        if (!(error instanceof SlurmCommandError) || !error.transient) throw error;
        await this.log('slurm-unreachable', { error: error.message, retryInSec: config.intervalSec });
      }
      if (started && (wouldSubmit !== null || this.state.done)) break;
      // Wake on the predecessor's limit end if it comes before the next sample: a model submits on it, as in validation.
      const now = deps.client.nowSec();
      const wake = this.predEnd !== null && this.predEnd > now ? Math.min(tickStart + config.intervalSec, this.predEnd) : tickStart + config.intervalSec;
      const waitSec = Math.max(0, wake - now);
      await this.sleep(waitSec * 1000, deps.signal);
    }
    await this.log(wouldSubmit ? 'dry-run-done' : 'done', { links: this.state.measured.length });
    return { state: this.state, wouldSubmit };
  }

  private async startOrResume(): Promise<void> {
    const { config } = this;
    const saved = config.dryRun ? null : await loadState(config.stateDir);
    if (saved) {
      if (saved.after !== config.after || saved.script !== config.script) {
        throw new Error(
          `${config.stateDir} holds the chain after job ${saved.after} with ${saved.script}; ` +
            `this run asks for job ${config.after} with ${config.script}: use another --state-dir`,
        );
      }
      this.state = { ...saved, links: config.links, policy: this.deps.policy.name, done: saved.done && saved.links === config.links };
      this.ring = await loadRing(config.stateDir);
      await this.log('resume', { jobs: saved.jobs.map((j) => j.id), measured: saved.measured.length, submitting: saved.submitting });
      if (config.policyInfo) await this.log('policy', config.policyInfo);
      if (this.state.submitting) await this.recoverSubmission();
      await this.writeRewardLog();
      return;
    }
    const [pred] = await this.deps.client.jobs([config.after]);
    if (!pred) throw new Error(`job ${config.after} is unknown to Slurm (squeue and sacct): name a pending or running job with --after`);
    this.state = {
      schemaVersion: 1,
      chainId: randomBytes(6).toString('hex'),
      after: config.after,
      script: config.script,
      links: config.links,
      policy: this.deps.policy.name,
      jobs: [{ id: pred.id, link: 0, submittedAtSec: null, expected: null, expectedIsInt: false }],
      submitting: null,
      measured: [],
      recentWaitsSec: [],
      waitWatermark: null,
      done: false,
    };
    await this.save();
    await this.writeRewardLog();
    await this.log('start', { after: pred.id, state: pred.state, links: config.links, policy: this.deps.policy.name, dryRun: config.dryRun, chainId: this.state.chainId });
    if (config.policyInfo) await this.log('policy', config.policyInfo);
  }

  /** One sample: observe, measure finished links, decide. Returns the decision a dry run stops at. */
  private async tick(): Promise<PolicyDecision | null> {
    const { client } = this.deps;
    const chainIds = this.jobsToWatch();
    const records = new Map((await client.jobs(chainIds)).map((r) => [r.id, r]));
    const nowSec = client.nowSec();
    await this.checkUnknown(chainIds, records);
    const last = this.state.jobs[this.state.jobs.length - 1];
    const pred = records.get(last.id);
    this.predEnd = pred ? predEndSec(pred) : null;
    if (this.partition === null && pred) this.partition = pred.partition.split(',')[0] || null;

    const queue = await client.queue(this.partition ?? undefined);
    this.observeQueue(queue, nowSec);
    if (!this.config.dryRun) await saveRing(this.config.stateDir, this.ring);
    await this.log('sample', { pending: queue.filter((j) => !isRunningState(j.state)).length, running: queue.filter((j) => isRunningState(j.state)).length, history: this.ring.snapshots.length });

    await this.measureLinks(records, nowSec);
    const nextLink = this.state.jobs.length;
    if (nextLink > this.state.links) {
      this.state.done = this.state.measured.length >= this.state.links;
      await this.save();
      return null;
    }
    if (!pred || this.state.submitting) return null;

    const decision = await this.deps.policy.decide({
      nowSec,
      pred,
      link: nextLink,
      decisionNumber: this.decisions++,
      historySize: this.ring.snapshots.length,
      window: (seqLen) => this.window(seqLen, pred, nowSec),
      recentWaitsSec: this.state.recentWaitsSec,
      streak: this.state.streak ?? 0,
      queue: () => queueState(queue, nowSec, this.config.timeScale),
    });
    if (decision.streak !== undefined && decision.streak !== (this.state.streak ?? 0)) {
      this.state.streak = decision.streak;
      await this.save();
    }
    await this.log('decision', { link: nextLink, pred: pred.id, predState: pred.state, submit: decision.submit, expected: decision.expected, reason: decision.reason });
    if (!decision.submit) return null;
    if (this.config.dryRun) {
      await this.log('would-submit', { link: nextLink, script: this.config.script });
      return decision;
    }
    await this.submit(nextLink, decision);
    return null;
  }

  private async submit(link: number, decision: PolicyDecision): Promise<void> {
    const nowSec = this.deps.client.nowSec();
    const comment = `${COMMENT_PREFIX}:${this.state.chainId}:${link}`;
    this.state.submitting = { link, comment, sinceSec: nowSec };
    await this.save();
    let id: string;
    try {
      id = await this.deps.client.submit({ script: this.config.script, options: [`--comment=${comment}`, ...this.config.sbatchOptions], cwd: dirname(this.config.script) });
    } catch (error) {
      if (!(error instanceof SlurmCommandError) || !error.transient) throw error;
      // sbatch may have got through before the answer was lost: look before trying again.
      await this.log('submit-uncertain', { link, error: error.message });
      await this.recoverSubmission();
      return;
    }
    await this.adopt(link, id, nowSec, decision);
    await this.log('submit', { link, job: id, expected: decision.expected, comment });
  }

  /** After a crash or a lost sbatch answer: adopt the job if it reached Slurm, else forget the attempt. */
  private async recoverSubmission(): Promise<void> {
    const pending = this.state.submitting;
    if (!pending) return;
    const found = await this.deps.client.findByComment(pending.comment);
    if (found.length > 0) {
      const job = found.sort((a, b) => Number(a.id) - Number(b.id))[0];
      await this.adopt(pending.link, job.id, job.submitSec ?? pending.sinceSec, null);
      await this.log('adopted', { link: pending.link, job: job.id, comment: pending.comment, duplicates: found.length - 1 });
    } else {
      this.state.submitting = null;
      await this.save();
      await this.log('submission-not-found', { link: pending.link, comment: pending.comment });
    }
  }

  private async adopt(link: number, id: string, submittedAtSec: number, decision: PolicyDecision | null): Promise<void> {
    const job: ChainJob = { id, link, submittedAtSec, expected: decision?.expected ?? null, expectedIsInt: decision?.expectedIsInt ?? false };
    this.state.jobs.push(job);
    this.state.submitting = null;
    // Confirmations count afresh for the next link.
    this.state.streak = 0;
    await this.save();
  }

  private observeQueue(queue: readonly QueueJob[], nowSec: number): void {
    const capacity = this.config.historyLength;
    this.ring.snapshots.push({ atSec: nowSec, queue: queueFeatures(queueTuples(queue, nowSec, this.config.timeScale)) });
    if (this.ring.snapshots.length > capacity) this.ring.snapshots.splice(0, this.ring.snapshots.length - capacity);

    // Waits of jobs seen started since the last count, in start order.
    const mark = this.state.waitWatermark;
    const started = queue
      .filter((j) => isRunningState(j.state) && j.startSec !== null)
      .filter((j) => mark === null || j.startSec! > mark.sec || (j.startSec === mark.sec && !mark.ids.includes(j.id)))
      .sort((a, b) => a.startSec! - b.startSec! || a.id.localeCompare(b.id));
    if (started.length === 0) return;
    for (const j of started) this.state.recentWaitsSec.push(Math.max(0, j.startSec! - j.submitSec));
    const keep = this.config.waitWindow ?? 100;
    if (this.state.recentWaitsSec.length > keep) this.state.recentWaitsSec.splice(0, this.state.recentWaitsSec.length - keep);
    const top = started[started.length - 1].startSec!;
    const sameSecond = started.filter((j) => j.startSec === top).map((j) => j.id);
    this.state.waitWatermark = { sec: top, ids: mark !== null && mark.sec === top ? [...mark.ids, ...sameSecond] : sameSecond };
  }

  private window(seqLen: number, pred: JobRecord, nowSec: number): Float32Array {
    const scale = this.config.timeScale;
    const predT = predecessorTuple(pred, nowSec, scale);
    const succT = successorTuple(pred, scale);
    const out = new Float32Array(seqLen * FEATURES_PER_SNAPSHOT);
    const rows = this.ring.snapshots.slice(-seqLen);
    const missing = seqLen - rows.length;
    rows.forEach((snap, r) => {
      const at = (missing + r) * FEATURES_PER_SNAPSHOT;
      out.set(snap.queue, at);
      tupleFeaturesInto(predT, succT, out, at + QUEUE_FEATURES);
    });
    return out;
  }

  /** The current predecessor and both ends of every link not measured yet. */
  private jobsToWatch(): string[] {
    const jobs = this.state.jobs;
    const ids = new Set<string>();
    for (let k = 1; k < jobs.length; k++) {
      if (this.state.measured.some((m) => m.link === k)) continue;
      ids.add(jobs[k - 1].id).add(jobs[k].id);
    }
    ids.add(jobs[jobs.length - 1].id);
    return [...ids];
  }

  /** Records every link whose predecessor has ended and whose successor has started. */
  private async measureLinks(records: Map<string, JobRecord>, nowSec: number): Promise<void> {
    const jobs = this.state.jobs;
    for (let k = 1; k < jobs.length; k++) {
      if (this.state.measured.some((m) => m.link === k)) continue;
      const pred = records.get(jobs[k - 1].id);
      const succ = records.get(jobs[k].id);
      if (pred && isFinished(pred) && !this.goneSince.has(pred.id)) this.goneSince.set(pred.id, nowSec);
      if (!pred || !succ || !isFinished(pred)) continue;
      if (succ.startSec === null) {
        if (isFinished(succ)) throw new Error(`successor ${succ.id} (link ${k}) ended without starting (${succ.state}): the chain is broken; stopping`);
        continue;
      }
      const predEndEstimated = pred.endSec === null;
      const predEndSec = pred.endSec ?? this.goneSince.get(pred.id)!;
      const link: MeasuredLink = {
        link: k,
        predId: pred.id,
        succId: succ.id,
        predEndSec,
        predEndEstimated,
        succStartSec: succ.startSec,
        submitSec: jobs[k].submittedAtSec ?? succ.submitSec ?? succ.startSec,
        rewardSec: succ.startSec - predEndSec,
        expected: jobs[k].expected,
        expectedIsInt: jobs[k].expectedIsInt,
      };
      this.state.measured.push(link);
      await this.save();
      await this.writeRewardLog();
      const kind = link.rewardSec > 0 ? 'interruption' : link.rewardSec < 0 ? 'overlap' : 'seamless';
      await this.log('link', { ...link, kind, rewardHours: link.rewardSec / 3600 });
    }
  }

  private async checkUnknown(ids: readonly string[], records: Map<string, JobRecord>): Promise<void> {
    for (const id of ids) {
      if (records.has(id)) {
        this.unknownTicks.delete(id);
        continue;
      }
      const n = (this.unknownTicks.get(id) ?? 0) + 1;
      this.unknownTicks.set(id, n);
      await this.log('job-unknown', { job: id, ticks: n });
      if (n >= (this.deps.maxUnknownTicks ?? 10)) throw new Error(`job ${id} of the chain has been unknown to squeue and sacct for ${n} samples; stopping`);
    }
  }

  private async writeRewardLog(): Promise<void> {
    if (this.config.dryRun) return;
    const rows: RewardLogRow[] = this.state.measured.map((m) => ({
      predJobId: m.predId,
      succJobId: m.succId,
      expectedReward: m.expected ?? 0,
      expectedRewardIsInt: m.expectedIsInt,
      actualRewardHours: m.rewardSec / 3600,
      succStartSec: this.toClock(m.succStartSec),
      index: m.link,
      // Slurm's client tools do not say whether backfill started a job.
      backfillSec: null,
      submitSec: this.toClock(m.submitSec),
    }));
    await mkdir(dirname(this.config.rewardLog), { recursive: true });
    await writeFileAtomic(this.config.rewardLog, formatRewardLog(rows));
  }

  private async save(): Promise<void> {
    if (!this.config.dryRun) await saveState(this.config.stateDir, this.state);
  }

  private async log(event: string, fields: Record<string, unknown>): Promise<void> {
    const entry: ProvisionEvent = { t: this.deps.client.nowSec(), event, ...(this.config.dryRun ? { dryRun: true } : {}), ...fields };
    await mkdir(dirname(this.config.eventLog), { recursive: true });
    await appendFile(this.config.eventLog, JSON.stringify(entry) + '\n');
    this.deps.onEvent?.(entry);
  }
}
