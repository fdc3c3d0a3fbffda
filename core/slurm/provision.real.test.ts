import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQUEUE_FORMAT, parseSqueue } from './squeue.js';
import { runSlurmCommand } from './command.js';
import { loadPolicyBundle } from '../policy/bundle.js';
import { reactivePolicy } from './provision/policy.js';
import type { ProvisionPolicy } from './provision/policy.js';
import type { ProvisionEvent, ProvisionerConfig } from './provision/provisioner.js';
import { COMMENT_PREFIX, Provisioner } from './provision/provisioner.js';
import { ProvisionStateSchema } from './provision/state.js';
import { clusterClient, expectRewardLogAgreesWithSacct, waitFor, writeLinkScript } from './testing/chain.js';
import type { TestCluster } from './testing/cluster.js';
import { realSlurmSkipReason, startTestCluster } from './testing/cluster.js';

// Chain links sleep 6 s inside the shortest Slurm limit (1 minute); the queue is sampled every second.
const LINK_SLEEP_SEC = 6;
const skip = realSlurmSkipReason();

describe.skipIf(skip !== null).concurrent('mirage provision on a real Slurm', () => {
  let cluster: TestCluster;
  let work: string;
  let script: string;

  beforeAll(async () => {
    cluster = await startTestCluster('provision');
    work = await mkdtemp(join(tmpdir(), 'mirage-provision-real-'));
    script = await writeLinkScript(work, LINK_SLEEP_SEC);
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function firstJob(): Promise<string> {
    return clusterClient(cluster).submit({ script, cwd: work });
  }

  function config(name: string, after: string, extra: Partial<ProvisionerConfig> = {}): ProvisionerConfig {
    const stateDir = join(work, name);
    return {
      stateDir,
      script,
      after,
      links: 3,
      intervalSec: 1,
      timeScale: 1,
      partition: null,
      sbatchOptions: [],
      dryRun: false,
      rewardLog: join(stateDir, 'reward.log'),
      eventLog: join(stateDir, 'events.jsonl'),
      historyLength: 144,
      ...extra,
    };
  }

  async function runChain(name: string, policy: ProvisionPolicy, extra: Partial<ProvisionerConfig> = {}) {
    const cfg = config(name, await firstJob(), extra);
    const events: ProvisionEvent[] = [];
    const outcome = await new Provisioner(cfg, { client: clusterClient(cluster), policy, onEvent: (e) => events.push(e) }).run();
    const chain = outcome.state.jobs.map((j) => j.id);
    const rewards = await expectRewardLogAgreesWithSacct(cluster, await readFile(cfg.rewardLog, 'utf8'), chain);
    return { outcome, events, chain, rewards };
  }

  it('runs a 3-link chain under the reactive policy; reward.log agrees with sacct', { timeout: 180_000 }, async () => {
    const { outcome, chain, rewards } = await runChain('reactive', reactivePolicy());
    expect(chain).toHaveLength(4);
    expect(new Set(chain).size).toBe(4);
    // Submitted only once the predecessor has ended: never an overlap, and at most a few samples late.
    for (const r of rewards) {
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(20);
    }
    expect(outcome.state.measured.map((m) => m.rewardSec)).toEqual(rewards);
  });

  it(
    'runs the bundle `mirage run --preset quick` wrote: a 3-link chain, each link submitted once across a kill mid-chain',
    { timeout: 900_000 },
    async () => {
      // The whole path a user takes: the pipeline writes OUT/policy, provision runs it as validated.
      const out = join(work, 'quick');
      const run = startCli(['run', '--preset', 'quick', '--out', out]);
      expect(await run.done).toBe(0);
      const bundleDir = join(out, 'policy');
      const bundle = await loadPolicyBundle(bundleDir);

      const after = await firstJob();
      const stateDir = join(work, 'bundle');
      // Seconds-long links stand for hours (--time-scale 60); 3 samples of history stand for the model's day.
      const args = ['provision', '--policy', bundleDir, '--script', script, '--after', after, '--links', '3', '--interval', '1', '--time-scale', '60', '--min-history', '3', '--state-dir', stateDir];
      const first = startCli(args);
      await waitFor(async () => ((await readEvents(stateDir)).some((e) => e.event === 'submit' && e.link === 1) ? true : null), 120_000, 200);
      first.kill('SIGKILL');
      await first.done;
      const second = startCli(args);
      expect(await second.done).toBe(0);

      const state = ProvisionStateSchema.parse(JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')));
      const chain = state.jobs.map((j) => j.id);
      expect(chain).toHaveLength(4);
      const queue = parseSqueue(await runSlurmCommand('squeue', ['-h', '-t', 'all', '-o', SQUEUE_FORMAT], { env: { ...cluster.env, SLURM_TIME_FORMAT: '%s' } }));
      const ours = queue.filter((j) => j.comment.startsWith(`${COMMENT_PREFIX}:${state.chainId}:`));
      expect(ours.map((j) => j.comment.split(':')[2]).sort()).toEqual(['1', '2', '3']);
      expect(ours.map((j) => j.id).sort()).toEqual(chain.slice(1).sort());
      await expectRewardLogAgreesWithSacct(cluster, await readFile(join(stateDir, 'reward.log'), 'utf8'), chain);

      const events = await readEvents(stateDir);
      // Both runs say what decides: the bundle's model under its validated rule, no flag overriding it, and how this cluster differs.
      const said = events.filter((e) => e.event === 'policy');
      expect(said).toHaveLength(2);
      for (const e of said) {
        expect(e.bundle).toBe(bundle.dir);
        expect(e.rule).toEqual(bundle.rule);
        expect(e.overridden).toEqual([]);
        expect(e.clusterWarnings).toContain(`partition ${cluster.partition} has ${cluster.nodes} nodes; the policy was trained and validated on a ${bundle.manifest.cluster.nodes}-node cluster`);
      }
      // The model was asked once the history existed.
      const predictions = events.filter((e) => e.event === 'decision' && /^(predicted reward|chance that submitting now)/.test(String(e.reason)));
      expect(predictions.length).toBeGreaterThan(0);
      for (const e of predictions) expect(Number.isFinite(e.expected)).toBe(true);
    },
  );

  it('continues the chain after the provisioner is killed, without a duplicate submission', { timeout: 240_000 }, async () => {
    const after = await firstJob();
    const stateDir = join(work, 'killed');
    const args = ['provision', '--script', script, '--after', after, '--policy', 'reactive', '--links', '3', '--interval', '1', '--state-dir', stateDir];
    const first = startCli(args);
    // Kill -9 right after the first successor is submitted, mid-chain.
    await waitFor(async () => ((await readEvents(stateDir)).some((e) => e.event === 'submit' && e.link === 1) ? true : null), 60_000, 200);
    first.kill('SIGKILL');
    await first.done;
    const second = startCli(args);
    expect(await second.done).toBe(0);

    const state = ProvisionStateSchema.parse(JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')));
    const chain = state.jobs.map((j) => j.id);
    expect(chain).toHaveLength(4);
    const events = await readEvents(stateDir);
    expect(events.filter((e) => e.event === 'resume')).toHaveLength(1);
    // Slurm knows exactly one job per link carrying this chain's comment.
    const queue = parseSqueue(await runSlurmCommand('squeue', ['-h', '-t', 'all', '-o', SQUEUE_FORMAT], { env: { ...cluster.env, SLURM_TIME_FORMAT: '%s' } }));
    const ours = queue.filter((j) => j.comment.startsWith(`${COMMENT_PREFIX}:${state.chainId}:`));
    expect(ours.map((j) => j.comment.split(':')[2]).sort()).toEqual(['1', '2', '3']);
    expect(ours.map((j) => j.id).sort()).toEqual(chain.slice(1).sort());
    await expectRewardLogAgreesWithSacct(cluster, await readFile(join(stateDir, 'reward.log'), 'utf8'), chain);
  });

  function startCli(args: string[]): { kill: (signal: NodeJS.Signals) => void; done: Promise<number | null> } {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'cli', 'testing-entry.ts'), ...args], {
      env: cluster.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { kill: (signal) => child.kill(signal), done };
  }
});

async function readEvents(stateDir: string): Promise<ProvisionEvent[]> {
  const text = await readFile(join(stateDir, 'events.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ProvisionEvent);
}
