import type { CommandExec, RetryPolicy, SlurmCommandError } from './command.js';
import { NO_RETRY, runSlurmCommand } from './command.js';
import type { QueueJob } from './squeue.js';
import { SQUEUE_FORMAT, limitMinutesOrNull, parseSqueue } from './squeue.js';

/** One job's life as far as slurmctld or accounting knows it; times in epoch seconds. */
export interface JobRecord {
  id: string;
  state: string;
  submitSec: number | null;
  startSec: number | null;
  endSec: number | null;
  limitMinutes: number | null;
  nodes: number;
  partition: string;
  comment: string;
}

export interface SubmitRequest {
  /** Path of the batch script. */
  script: string;
  /** sbatch options placed before the script (`--dependency=...`, `--comment=...`). */
  options?: string[];
  /** Working directory of sbatch (where relative paths in the script resolve). */
  cwd?: string;
}

/**
 * What the provisioner, the array submitter and the trace importer need from a
 * cluster. The real one runs the Slurm client commands; tests use a fake.
 */
export interface SlurmClient {
  /** Pending and running jobs, one line per array task; one partition when given. */
  queue(partition?: string): Promise<QueueJob[]>;
  /** What is known of these jobs (squeue, then accounting for those slurmctld forgot); unknown ids are left out. */
  jobs(ids: readonly string[]): Promise<JobRecord[]>;
  /** This user's jobs, still known to slurmctld, whose `--comment` is exactly `comment`. */
  findByComment(comment: string): Promise<JobRecord[]>;
  /** Submits a batch script (never retried here: a timed-out sbatch may still have submitted). */
  submit(request: SubmitRequest): Promise<string>;
  /** Wall clock, epoch seconds. */
  nowSec(): number;
}

export interface CliSlurmClientOptions {
  /** Environment for the Slurm commands (SLURM_CONF...); default process.env. */
  env?: NodeJS.ProcessEnv;
  exec?: CommandExec;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (error: SlurmCommandError, attempt: number, delayMs: number) => void;
  /** 'auto' asks plain sacct and falls back to `sacct -c` (job-completion log) when accounting storage is off. */
  accounting?: 'auto' | 'slurmdbd' | 'jobcomp';
}

const SACCT_JOB_FIELDS = 'JobIDRaw,State,Submit,Start,End,Timelimit,NNodes,Partition';

/** The real cluster, through squeue / sacct / sbatch. */
export class CliSlurmClient implements SlurmClient {
  private readonly env: NodeJS.ProcessEnv;
  private accounting: 'auto' | 'slurmdbd' | 'jobcomp';

  constructor(private readonly options: CliSlurmClientOptions = {}) {
    // Epoch seconds from every command, whatever the user's own SLURM_TIME_FORMAT says.
    this.env = { ...(options.env ?? process.env), SLURM_TIME_FORMAT: '%s' };
    this.accounting = options.accounting ?? 'auto';
  }

  nowSec(): number {
    return Math.floor(Date.now() / 1000);
  }

  async queue(partition?: string): Promise<QueueJob[]> {
    const args = ['-h', '-r', '-t', 'PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED', '-o', SQUEUE_FORMAT];
    if (partition) args.push('-p', partition);
    return parseSqueue(await this.run('squeue', args), 'squeue');
  }

  async jobs(ids: readonly string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const found = new Map<string, JobRecord>();
    for (const id of ids) {
      // One id a call: squeue fails the whole call when any id was purged.
      const out = await this.run('squeue', ['-h', '-t', 'all', '-j', id, '-o', SQUEUE_FORMAT], { invalidIdIsEmpty: true });
      for (const j of parseSqueue(out, `squeue -j ${id}`)) if (j.id === id || j.jobIdRaw === id) found.set(id, fromQueueJob(j));
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) for (const r of await this.sacctJobs(missing)) found.set(r.id, r);
    return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async findByComment(comment: string): Promise<JobRecord[]> {
    // Only this user's jobs: the provisioner's submissions are its own.
    const out = await this.run('squeue', ['-h', '--me', '-t', 'all', '-o', SQUEUE_FORMAT]);
    return parseSqueue(out, 'squeue').filter((j) => j.comment === comment).map(fromQueueJob);
  }

  async submit(request: SubmitRequest): Promise<string> {
    const out = await runSlurmCommand('sbatch', ['--parsable', ...(request.options ?? []), request.script], {
      exec: this.options.exec,
      env: this.env,
      retry: NO_RETRY,
      signal: this.options.signal,
      cwd: request.cwd,
    });
    return parseSbatchParsable(out);
  }

  /** Runs sacct with the right accounting source; args exclude `-c`. */
  async sacct(args: readonly string[], env: NodeJS.ProcessEnv = this.env): Promise<string> {
    if (this.accounting === 'jobcomp') return this.run('sacct', ['-c', ...args], { env });
    try {
      return await this.run('sacct', args, { env });
    } catch (error) {
      if (this.accounting === 'auto' && /accounting storage is disabled/i.test((error as SlurmCommandError).stderr ?? '')) {
        this.accounting = 'jobcomp';
        return this.run('sacct', ['-c', ...args], { env });
      }
      throw error;
    }
  }

  /**
   * A partition's name and node count (TotalNodes), the default partition's
   * when none is named; null when scontrol knows no such partition.
   */
  async partitionNodes(partition?: string): Promise<{ name: string; nodes: number } | null> {
    const out = await this.run('scontrol', ['show', 'partition', '-o', ...(partition ? [partition] : [])]);
    for (const line of out.split('\n')) {
      const field = (key: string): string | undefined => new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(line)?.[1];
      const name = field('PartitionName');
      const nodes = Number(field('TotalNodes'));
      if (name === undefined || !Number.isInteger(nodes)) continue;
      if (partition ? name === partition : field('Default') === 'YES') return { name, nodes };
    }
    return null;
  }

  /** `scontrol show config` as key -> value. */
  async showConfig(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const line of (await this.run('scontrol', ['show', 'config'])).split('\n')) {
      const m = /^(\S+)\s*=\s?(.*)$/.exec(line.trim());
      if (m) map.set(m[1], m[2].trim());
    }
    return map;
  }

  /** The environment every command runs with. */
  get environment(): NodeJS.ProcessEnv {
    return this.env;
  }

  /** Which accounting source sacct reads, once a call has found out. */
  get accountingSource(): 'auto' | 'slurmdbd' | 'jobcomp' {
    return this.accounting;
  }

  private async sacctJobs(ids: readonly string[]): Promise<JobRecord[]> {
    const out = await this.sacct(['-X', '-n', '-P', '-a', '-j', ids.join(','), '-o', SACCT_JOB_FIELDS]);
    const records: JobRecord[] = [];
    for (const line of out.split('\n')) {
      if (line.trim() === '') continue;
      const [id, state, submit, start, end, limit, nodes, partition] = line.split('|');
      records.push({
        id,
        state: state.split(' ')[0],
        submitSec: epochOrNull(submit),
        startSec: epochOrNull(start),
        endSec: epochOrNull(end),
        limitMinutes: limitMinutesOrNull(limit, `sacct -j ${id}`),
        nodes: Number(nodes),
        partition: partition ?? '',
        comment: '',
      });
    }
    return records;
  }

  private run(command: string, args: readonly string[], extra: { invalidIdIsEmpty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    return runSlurmCommand(command, args, {
      exec: this.options.exec,
      env: extra.env ?? this.env,
      retry: this.options.retry,
      signal: this.options.signal,
      onRetry: this.options.onRetry,
    }).catch((error: unknown) => {
      if (extra.invalidIdIsEmpty && /invalid job id/i.test((error as SlurmCommandError).stderr ?? '')) return '';
      throw error;
    });
  }
}

/** `sbatch --parsable` prints `ID` or `ID;cluster`. */
export function parseSbatchParsable(stdout: string): string {
  const first = stdout.trim().split('\n').pop() ?? '';
  const id = first.split(';')[0].trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: '${stdout.trim()}'`);
  return id;
}

function fromQueueJob(j: QueueJob): JobRecord {
  return {
    id: j.id,
    state: j.state,
    submitSec: j.submitSec,
    startSec: j.startSec,
    endSec: j.endSec,
    limitMinutes: j.limitMinutes,
    nodes: j.nodes,
    partition: j.partition,
    comment: j.comment === '(null)' ? '' : j.comment,
  };
}

function epochOrNull(text: string): number | null {
  return /^\d+$/.test(text.trim()) && text.trim() !== '0' ? Number(text.trim()) : null;
}
