import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliSlurmClient } from './client.js';
import { reactivePolicy } from './provision/policy.js';
import type { ProvisionEvent } from './provision/provisioner.js';
import { Provisioner } from './provision/provisioner.js';
import { expectRewardLogAgreesWithSacct, waitFor, writeLinkScript } from './testing/chain.js';
import type { TestCluster } from './testing/cluster.js';
import { realSlurmSkipReason, startTestCluster } from './testing/cluster.js';

const skip = realSlurmSkipReason();

describe.skipIf(skip !== null)('mirage provision while slurmctld is down', () => {
  let cluster: TestCluster;
  let work: string;

  beforeAll(async () => {
    cluster = await startTestCluster('outage');
    work = await mkdtemp(join(tmpdir(), 'mirage-outage-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('retries with back-off through a slurmctld restart and completes the chain', { timeout: 180_000 }, async () => {
    const script = await writeLinkScript(work, 12);
    const retries: string[] = [];
    const client = new CliSlurmClient({ env: cluster.env, retry: { attempts: 3, initialDelayMs: 500, maxDelayMs: 2000 }, onRetry: (e) => retries.push(e.message) });
    const first = await client.submit({ script, cwd: work });
    const stateDir = join(work, 'state');
    const events: ProvisionEvent[] = [];
    const running = new Provisioner(
      { stateDir, script, after: first, links: 1, intervalSec: 1, timeScale: 1, partition: null, sbatchOptions: [], dryRun: false, rewardLog: join(stateDir, 'reward.log'), eventLog: join(stateDir, 'events.jsonl'), historyLength: 144 },
      { client, policy: reactivePolicy(), onEvent: (e) => events.push(e) },
    ).run();

    // While the predecessor runs, stop slurmctld (by pid) for longer than a Slurm client keeps
    // trying to connect on its own (about 9 s), so a command fails and is retried, then start it again on its saved state.
    await waitFor(async () => (events.filter((e) => e.event === 'decision').length >= 2 ? true : null), 30_000, 200);
    const pidFile = join(cluster.dir, 'run', 'slurmctld.pid');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await waitFor(async () => (isAlive(pid) ? null : true), 30_000, 100);
    await new Promise((r) => setTimeout(r, 25_000));
    await promisify(execFile)('/usr/sbin/slurmctld', [], { env: cluster.env });

    const outcome = await running;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.some((m) => /Unable to contact slurm controller/i.test(m))).toBe(true);
    expect(outcome.state.jobs).toHaveLength(2);
    await expectRewardLogAgreesWithSacct(cluster, await readFile(join(stateDir, 'reward.log'), 'utf8'), outcome.state.jobs.map((j) => j.id));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
