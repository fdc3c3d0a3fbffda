import { PRED_ID, SUCC_ID, engineContext, sampleStartSec } from '../../sim/chain.js';
import { CHAIN_JOB_MINUTES } from '../../sim/config.js';
import type { ChainSchedule } from '../../sim/chain.js';
import type { SimEngine } from '../../sim/engine.js';
import { FastEngine } from '../../sim/fast-engine.js';
import { buildSampleJobs } from '../../sim/sample-jobs.js';
import type { SampleJobs } from '../../sim/sample-jobs.js';
import { selectJobs } from '../../sim/workload.js';
import type { SubmitRange, Workload } from '../../sim/workload.js';
import type { JobRecord, SlurmClient, SubmitRequest } from '../client.js';
import type { QueueJob } from '../squeue.js';

/**
 * One validation sample's simulated cluster behind the SlurmClient interface:
 * what squeue would have shown at every minute of the sample, so the live
 * provisioner can be driven through the very chain validation simulates. The
 * sample is built as core/sim/chain.ts builds it (trace jobs of the workload
 * window, the predecessor submitted after the warm-up, the successor on
 * demand); the clock is the simulator's (cluster-clock seconds, whole
 * minutes) and sleeping advances the simulation.
 */
export class SimulatedCluster implements SlurmClient {
  /** The sample's jobs (trace jobs, then the predecessor and the successor). */
  readonly sample: SampleJobs;
  readonly engine: SimEngine;
  /** Minute the predecessor enters the queue. */
  readonly predSubmitMinute: number;
  readonly jobMinutes: number;
  private readonly pred: number;
  private readonly succ: number;
  private succSubmitted = false;
  /** Submissions: the minute each happened. */
  readonly submissions: number[] = [];

  constructor(workload: Workload, schedule: ChainSchedule, index: number) {
    const startSec = sampleStartSec(schedule, index);
    const origin = startSec / 60;
    this.predSubmitMinute = origin + Math.round(schedule.warmupDays * 1440);
    this.jobMinutes = schedule.jobMinutes ?? CHAIN_JOB_MINUTES;
    const chainJob = { nodes: schedule.jobNodes, durationSec: this.jobMinutes * 60, limitMinutes: this.jobMinutes };
    const selection = selectJobs(workload, startSec, startSec + schedule.workloadDays * 86400, (schedule.exclude ?? []) as SubmitRange[]);
    this.sample = buildSampleJobs(workload, selection, origin, [
      { id: PRED_ID, submitMinute: this.predSubmitMinute, viaQueue: true, ...chainJob },
      { id: SUCC_ID, submitMinute: this.predSubmitMinute, viaQueue: false, ...chainJob },
    ]);
    this.pred = this.sample.traceCount;
    this.succ = this.sample.traceCount + 1;
    this.engine = new FastEngine(engineContext(workload.config), this.sample, { snapshotsFrom: null });
  }

  /** Runs the simulation to the top of `minute`. */
  advanceTo(minute: number): void {
    if (minute < this.engine.minute) throw new Error(`the simulation is at minute ${this.engine.minute}; it cannot go back to ${minute}`);
    this.engine.advance(minute);
  }

  readonly sleep = async (ms: number): Promise<void> => {
    if (ms % 60_000 !== 0) throw new Error(`the simulated cluster moves in whole minutes; asked to sleep ${ms} ms`);
    this.advanceTo(this.engine.minute + ms / 60_000);
  };

  nowSec(): number {
    return this.engine.minute * 60;
  }

  private inQueue(j: number): boolean {
    return j !== this.succ || this.succSubmitted;
  }

  /** State at the top of the current minute: the steps before it have run, this minute's submissions not yet queued. */
  private stateOf(j: number): { state: string; startMinute: number | null; endMinute: number | null } {
    const t = this.engine.minute;
    const start = this.engine.startMinute(j);
    if (start < 0) return { state: 'PENDING', startMinute: null, endMinute: null };
    const end = start + this.sample.holdSteps[j];
    return t < end ? { state: 'RUNNING', startMinute: start, endMinute: null } : { state: 'COMPLETED', startMinute: start, endMinute: end };
  }

  private submitted(j: number): boolean {
    return this.inQueue(j) && this.engine.submitMinuteOf(j) < this.engine.minute;
  }

  async queue(): Promise<QueueJob[]> {
    const out: QueueJob[] = [];
    for (let j = 0; j < this.sample.count; j++) {
      if (!this.submitted(j)) continue;
      const s = this.stateOf(j);
      if (s.state === 'COMPLETED') continue;
      out.push({
        id: this.sample.ids[j],
        jobIdRaw: this.sample.ids[j],
        state: s.state,
        limitMinutes: this.sample.limitMinutes[j],
        nodes: this.sample.nodes[j],
        submitSec: this.engine.submitMinuteOf(j) * 60,
        startSec: s.startMinute === null ? null : s.startMinute * 60,
        endSec: null,
        partition: 'sim',
        user: 'sim',
        comment: j === this.succ ? this.comment : '',
      });
    }
    return out;
  }

  private comment = '';

  private record(j: number): JobRecord {
    const s = this.stateOf(j);
    return {
      id: this.sample.ids[j],
      state: s.state,
      submitSec: this.engine.submitMinuteOf(j) * 60,
      startSec: s.startMinute === null ? null : s.startMinute * 60,
      endSec: s.endMinute === null ? null : s.endMinute * 60,
      limitMinutes: this.sample.limitMinutes[j],
      nodes: this.sample.nodes[j],
      partition: 'sim',
      comment: j === this.succ ? this.comment : '',
    };
  }

  async jobs(ids: readonly string[]): Promise<JobRecord[]> {
    const chain = [this.pred, this.succ].filter((j) => this.submitted(j) || (j === this.succ && this.succSubmitted));
    return chain.filter((j) => ids.includes(this.sample.ids[j])).map((j) => this.record(j));
  }

  async findByComment(comment: string): Promise<JobRecord[]> {
    return this.succSubmitted && this.comment === comment ? [this.record(this.succ)] : [];
  }

  /** Submits the successor now, as the simulator's on-demand submission at the current minute. */
  async submit(request: SubmitRequest): Promise<string> {
    if (this.succSubmitted) throw new Error('the simulated chain has one successor; it was already submitted');
    this.comment = request.options?.find((o) => o.startsWith('--comment='))?.slice('--comment='.length) ?? '';
    this.engine.submitNow(this.succ);
    this.succSubmitted = true;
    this.submissions.push(this.engine.minute);
    return this.sample.ids[this.succ];
  }
}
