import type { JobRecord, SlurmClient, SubmitRequest } from '../client.js';
import { SlurmCommandError } from '../command.js';
import type { QueueJob } from '../squeue.js';

/**
 * A test double of a Slurm cluster on a virtual clock: each job starts
 * `waitSec` after its submission and runs `runSec`. `sleep` advances the
 * clock, so a provisioner driven by it runs hours of chain in milliseconds.
 */
export interface FakeJobSpec {
  submitSec: number;
  waitSec: number;
  runSec: number;
  limitMinutes?: number;
  nodes?: number;
  partition?: string;
  comment?: string;
}

interface FakeJob extends Required<FakeJobSpec> {
  id: string;
}

export type FakeFailure = 'unreachable' | 'lost-answer' | 'crash-after-submit';

export class FakeCluster implements SlurmClient {
  readonly submissions: Array<{ id: string; atSec: number; request: SubmitRequest }> = [];
  /** How long the next successors wait and run; the last value repeats. */
  successorWaits: number[] = [5];
  successorRunSec = 100;
  successorLimitMinutes = 2;
  /** Failures to inject, consumed in order, per operation. */
  readonly failures: Record<'queue' | 'jobs' | 'submit', FakeFailure[]> = { queue: [], jobs: [], submit: [] };
  private readonly jobsById = new Map<string, FakeJob>();
  private nextId = 100;

  constructor(public now: number) {}

  addJob(spec: FakeJobSpec): string {
    const id = String(this.nextId++);
    this.jobsById.set(id, { id, limitMinutes: 2, nodes: 1, partition: 'gpu', comment: '', ...spec });
    return id;
  }

  readonly sleep = async (ms: number): Promise<void> => {
    this.now += Math.round(ms / 1000);
  };

  nowSec(): number {
    return this.now;
  }

  async queue(partition?: string): Promise<QueueJob[]> {
    this.maybeFail('queue');
    return [...this.jobsById.values()]
      .filter((j) => partition === undefined || j.partition === partition)
      .map((j) => this.view(j))
      .filter((j) => j.state === 'PENDING' || j.state === 'RUNNING');
  }

  async jobs(ids: readonly string[]): Promise<JobRecord[]> {
    this.maybeFail('jobs');
    return ids.flatMap((id) => {
      const j = this.jobsById.get(id);
      return j && j.submitSec <= this.now ? [toRecord(this.view(j))] : [];
    });
  }

  async findByComment(comment: string): Promise<JobRecord[]> {
    return [...this.jobsById.values()].filter((j) => j.comment === comment).map((j) => toRecord(this.view(j)));
  }

  async submit(request: SubmitRequest): Promise<string> {
    const failure = this.maybeFail('submit', true);
    const comment = (request.options ?? []).find((o) => o.startsWith('--comment='))?.slice('--comment='.length) ?? '';
    const wait = this.successorWaits[Math.min(this.submissions.length, this.successorWaits.length - 1)];
    const id = this.addJob({ submitSec: this.now, waitSec: wait, runSec: this.successorRunSec, limitMinutes: this.successorLimitMinutes, comment });
    this.submissions.push({ id, atSec: this.now, request });
    if (failure === 'lost-answer') throw new SlurmCommandError('sbatch: error: Batch job submission failed: Socket timed out on send/recv operation', 'sbatch', [], 'Socket timed out', 1, true);
    if (failure === 'crash-after-submit') throw new Error('simulated crash of the provisioner right after sbatch');
    return id;
  }

  private maybeFail(op: 'queue' | 'jobs' | 'submit', afterSubmit = false): FakeFailure | undefined {
    const failure = this.failures[op].shift();
    if (failure === 'unreachable' || (failure !== undefined && !afterSubmit)) {
      throw new SlurmCommandError(`${op}: Unable to contact slurm controller (connect failure)`, op, [], 'Unable to contact slurm controller (connect failure)', 1, true);
    }
    return failure;
  }

  private view(j: FakeJob): QueueJob {
    const start = j.submitSec + j.waitSec;
    const end = start + j.runSec;
    const state = this.now < start ? 'PENDING' : this.now < end ? 'RUNNING' : 'COMPLETED';
    return {
      id: j.id,
      jobIdRaw: j.id,
      state,
      limitMinutes: j.limitMinutes,
      nodes: j.nodes,
      submitSec: j.submitSec,
      startSec: state === 'PENDING' ? null : start,
      endSec: state === 'PENDING' ? null : state === 'RUNNING' ? start + j.limitMinutes * 60 : end,
      partition: j.partition,
      user: 'test',
      comment: j.comment,
    };
  }
}

function toRecord(j: QueueJob): JobRecord {
  return { id: j.id, state: j.state, submitSec: j.submitSec, startSec: j.startSec, endSec: j.endSec, limitMinutes: j.limitMinutes, nodes: j.nodes, partition: j.partition, comment: j.comment };
}
