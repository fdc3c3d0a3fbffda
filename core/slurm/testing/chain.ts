import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseRewardLog } from '../../validate/reward-log.js';
import type { JobRecord } from '../client.js';
import { CliSlurmClient } from '../client.js';
import type { TestCluster } from './cluster.js';

/** Helpers the real-Slurm chain tests share. */

/** A chain link job: the shortest Slurm limit (1 minute), done after `sleepSec`. */
export async function writeLinkScript(dir: string, sleepSec: number): Promise<string> {
  const path = join(dir, 'next-job.sbatch');
  await writeFile(path, `#!/bin/bash\n#SBATCH --job-name=chain-link\n#SBATCH --time=1\n#SBATCH --nodes=1\n#SBATCH --output=/dev/null\nsleep ${sleepSec}\n`);
  return path;
}

export function clusterClient(cluster: TestCluster): CliSlurmClient {
  return new CliSlurmClient({ env: cluster.env, retry: { attempts: 5, initialDelayMs: 500, maxDelayMs: 4000 } });
}

/** What the job-completion log (`sacct -c`) says of finished jobs, epoch seconds. */
export async function accountedJobs(cluster: TestCluster, ids: readonly string[]): Promise<Map<string, JobRecord>> {
  const client = new CliSlurmClient({ env: cluster.env, accounting: 'jobcomp' });
  const out = await client.sacct(['-X', '-n', '-P', '-a', '-j', ids.join(','), '-o', 'JobIDRaw,State,Start,End']);
  const map = new Map<string, JobRecord>();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const [id, state, start, end] = line.split('|');
    map.set(id, { id, state, submitSec: null, startSec: Number(start), endSec: Number(end), limitMinutes: null, nodes: 1, partition: '', comment: '' });
  }
  return map;
}

/**
 * Checks a live reward.log against accounting: one line per link, the chain's
 * jobs in order, and each actual reward equal to sacct's successor start minus
 * predecessor end.
 */
export async function expectRewardLogAgreesWithSacct(cluster: TestCluster, rewardLogText: string, chain: readonly string[]): Promise<number[]> {
  const log = parseRewardLog(rewardLogText);
  expect(log.rows.map((r) => [r.index, r.predJobId, r.succJobId])).toEqual(chain.slice(1).map((succ, k) => [k + 1, chain[k], succ]));
  // Accounting writes a job's record when it ends: wait for the last successor to finish.
  const acct = await waitFor(async () => {
    const m = await accountedJobs(cluster, chain);
    return m.size === chain.length ? m : null;
  }, 90_000);
  const rewardsSec: number[] = [];
  for (const row of log.rows) {
    const fromSacct = acct.get(row.succJobId)!.startSec! - acct.get(row.predJobId)!.endSec!;
    expect(row.actualRewardHours * 3600).toBeCloseTo(fromSacct, 6);
    rewardsSec.push(fromSacct);
  }
  return rewardsSec;
}

export async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
