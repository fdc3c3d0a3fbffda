import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEATURES_PER_SNAPSHOT, QUEUE_FEATURES } from '../../sim/features.js';
import { parseRewardLog } from '../../validate/reward-log.js';
import { FakeCluster } from '../testing/fake-cluster.js';
import type { ProvisionPolicy } from './policy.js';
import { averagePolicy, modelPolicy, reactivePolicy } from './policy.js';
import type { ProvisionEvent, ProvisionerConfig } from './provisioner.js';
import { Provisioner } from './provisioner.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mirage-provision-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(after: string, extra: Partial<ProvisionerConfig> = {}): ProvisionerConfig {
  return {
    stateDir: join(dir, 'state'),
    script: '/abs/next-job.sbatch',
    after,
    links: 3,
    intervalSec: 10,
    timeScale: 1,
    partition: null,
    sbatchOptions: [],
    dryRun: false,
    rewardLog: join(dir, 'reward.log'),
    eventLog: join(dir, 'events.jsonl'),
    historyLength: 144,
    timeZone: 'UTC',
    ...extra,
  };
}

async function run(cluster: FakeCluster, cfg: ProvisionerConfig, policy: ProvisionPolicy = reactivePolicy(), signal?: AbortSignal, onEvent?: (e: ProvisionEvent) => void) {
  return new Provisioner(cfg, { client: cluster, policy, sleep: cluster.sleep, signal, onEvent }).run();
}

async function events(): Promise<ProvisionEvent[]> {
  return (await readFile(join(dir, 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ProvisionEvent);
}

describe('Provisioner on a fake cluster', () => {
  it('keeps a 3-link chain alive under the reactive policy and logs each link', async () => {
    const cluster = new FakeCluster(1000);
    // The user's job: submitted at 990, starts at 1000, runs 100 s. Successors wait 5 s, run 100 s.
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100 });
    const outcome = await run(cluster, config(first));

    // Hand-computed: samples every 10 s from 1000. Job 1 ends at 1100 -> submitted at 1100, starts 1105 (reward 5 s),
    // ends 1205 -> next sample 1210 submits, starts 1215 (reward 10 s); ends 1315 -> 1320, starts 1325 (10 s).
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1100, 1210, 1320]);
    expect(outcome.state.measured.map((m) => m.rewardSec)).toEqual([5, 10, 10]);
    expect(outcome.state.done).toBe(true);

    const log = parseRewardLog(await readFile(join(dir, 'reward.log'), 'utf8'));
    expect(log.rows.map((r) => [r.predJobId, r.succJobId, r.index, Math.round(r.actualRewardHours * 3600)])).toEqual([
      [first, cluster.submissions[0].id, 1, 5],
      [cluster.submissions[0].id, cluster.submissions[1].id, 2, 10],
      [cluster.submissions[1].id, cluster.submissions[2].id, 3, 10],
    ]);
    expect(log.rows[0].submitSec).toBe(1100);
    expect(log.rows[0].succStartSec).toBe(1105);
    // Every submission carries the chain's comment, one per link.
    const comments = cluster.submissions.map((s) => s.request.options?.find((o) => o.startsWith('--comment=')));
    expect(new Set(comments).size).toBe(3);
    const kinds = (await events()).filter((e) => e.event === 'link').map((e) => e.kind);
    expect(kinds).toEqual(['interruption', 'interruption', 'interruption']);
  });

  it('submits the mean recent wait before the limit end under the average policy', async () => {
    const cluster = new FakeCluster(1000);
    // Two other jobs running, having waited 20 s and 40 s.
    cluster.addJob({ submitSec: 900, waitSec: 20, runSec: 10_000 });
    cluster.addJob({ submitSec: 900, waitSec: 40, runSec: 10_000 });
    // Predecessor: no wait, starts at 1000, runs its whole 2-minute limit. Mean wait of the three: 20 s.
    const first = cluster.addJob({ submitSec: 1000, waitSec: 0, runSec: 120 });
    const outcome = await run(cluster, config(first, { links: 1 }), averagePolicy());
    // Aim: 1000 + 120 - 20 = 1100: submitted at the 1100 sample, starts 1105, predecessor ends 1120: 15 s overlap.
    // The successor, once seen running, adds its own 5 s wait.
    expect(outcome.state.recentWaitsSec).toEqual([20, 40, 0, 5]);
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1100]);
    expect(outcome.state.measured[0].rewardSec).toBe(-15);
    expect(outcome.state.jobs[1].expected).toBeCloseTo(20 / 3600);
  });

  it('picks the chain up after its own restart without submitting twice', async () => {
    const cluster = new FakeCluster(1000);
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100 });
    const stop = new AbortController();
    await expect(
      run(cluster, config(first), reactivePolicy(), stop.signal, (e) => {
        if (e.event === 'submit' && e.link === 1) stop.abort();
      }),
    ).rejects.toThrow();
    expect(cluster.submissions).toHaveLength(1);

    const outcome = await run(cluster, config(first));
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1100, 1210, 1320]);
    expect(outcome.state.jobs.map((j) => j.id)).toEqual([first, ...cluster.submissions.map((s) => s.id)]);
    expect((await events()).some((e) => e.event === 'resume')).toBe(true);
  });

  it('adopts a job whose sbatch answer was lost, and one submitted just before a crash', async () => {
    const cluster = new FakeCluster(1000);
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100 });
    cluster.failures.submit.push('lost-answer', 'crash-after-submit');
    // The crash surfaces as an error out of run(); the state on disk still says "submitting link 2".
    await expect(run(cluster, config(first))).rejects.toThrow('simulated crash');
    expect(cluster.submissions).toHaveLength(2);
    const outcome = await run(cluster, config(first));
    expect(cluster.submissions).toHaveLength(3);
    expect(outcome.state.jobs.map((j) => j.id)).toEqual([first, ...cluster.submissions.map((s) => s.id)]);
    const names = (await events()).map((e) => e.event);
    expect(names.filter((n) => n === 'adopted')).toHaveLength(2);
  });

  it('waits out an unreachable slurmctld and carries on', async () => {
    const cluster = new FakeCluster(1000);
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100 });
    cluster.failures.jobs.push('unreachable', 'unreachable');
    cluster.failures.submit.push('unreachable');
    const outcome = await run(cluster, config(first, { links: 1 }));
    expect(outcome.state.measured).toHaveLength(1);
    // The refused sbatch created nothing; the retry at the next sample did: one job, 10 s later than otherwise.
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1110]);
    const names = (await events()).map((e) => e.event);
    expect(names.filter((n) => n === 'slurm-unreachable').length).toBe(2);
    expect(names).toContain('submission-not-found');
  });

  it('only logs in a dry run', async () => {
    const cluster = new FakeCluster(1000);
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100 });
    const outcome = await run(cluster, config(first, { dryRun: true }));
    expect(cluster.submissions).toHaveLength(0);
    expect(outcome.wouldSubmit?.submit).toBe(true);
    await expect(stat(join(dir, 'state', 'state.json'))).rejects.toThrow();
    await expect(stat(join(dir, 'reward.log'))).rejects.toThrow();
    const last = (await events()).filter((e) => e.event === 'would-submit');
    expect(last).toHaveLength(1);
    expect(last[0].t).toBe(1100);
  });

  it('feeds a model the snapshot window with the predecessor tuple, and submits inside [-0.5, 500] h', async () => {
    const cluster = new FakeCluster(1000);
    cluster.addJob({ submitSec: 900, waitSec: 0, runSec: 10_000, limitMinutes: 300, nodes: 2 });
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 100, limitMinutes: 2 });
    const seen: Float32Array[] = [];
    // A stub regressor: "submitting now gives -1 h" (overlap, outside the range) until the predecessor has run 60 s.
    const stub = {
      kind: 'transformer' as const,
      seqLen: 4,
      predictHours(windows: Float32Array) {
        seen.push(windows.slice());
        const predRun = windows[3 * FEATURES_PER_SNAPSHOT + QUEUE_FEATURES + 3];
        return Float32Array.of(predRun >= 60 ? 0.25 : -1);
      },
    };
    const policy = modelPolicy({ kind: stub.kind, seqLen: stub.seqLen, evaluate: (w) => stub.predictHours(w) }, { rule: { kind: 'regressor', lowHours: -0.5, highHours: 500 }, minHistory: 2, timeScale: 1 });
    const outcome = await run(cluster, config(first, { links: 1, historyLength: 4 }), policy);
    // Samples at 1000 (history 1: no decision), 1010 (run 10 s), ..., 1060 (run 60 s: submit).
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1060]);
    expect(outcome.state.jobs[1].expected).toBeCloseTo(0.25);
    // First decision at 1010 with 2 snapshots: two zero rows in front, then rows whose running count is 2.
    const w = seen[0];
    expect(w.length).toBe(4 * FEATURES_PER_SNAPSHOT);
    expect(w.subarray(0, 2 * FEATURES_PER_SNAPSHOT).every((x) => x === 0)).toBe(true);
    const row = w.subarray(3 * FEATURES_PER_SNAPSHOT, 4 * FEATURES_PER_SNAPSHOT);
    expect(row[17]).toBe(2); // running jobs
    expect(row[18]).toBe(3); // running nodes
    expect(Array.from(row.subarray(QUEUE_FEATURES))).toEqual([2, 1, 10, 10, 2, 1, 0, 0]);
  });
  it('counts confirmations across samples, and across its own restart', async () => {
    const cluster = new FakeCluster(1000);
    const first = cluster.addJob({ submitSec: 990, waitSec: 10, runSec: 1000, limitMinutes: 20 });
    // Always inside the interval: the rule submits at the third consecutive decision.
    const model = { kind: 'wait-linear', seqLen: 2, evaluate: () => Float32Array.of(0.25) };
    const policy = modelPolicy(model, { rule: { kind: 'regressor', lowHours: -0.5, highHours: 500, confirmations: 3 }, minHistory: 2, timeScale: 1 });
    const stop = new AbortController();
    await expect(
      run(cluster, config(first, { links: 1, historyLength: 2 }), policy, stop.signal, (e) => {
        if (e.event === 'decision' && e.t === 1020) stop.abort();
      }),
    ).rejects.toThrow();
    // Decisions at 1010 (1/3) and 1020 (2/3); the restart goes on from 2/3 and submits at its first decision.
    const outcome = await run(cluster, config(first, { links: 1, historyLength: 2 }), policy);
    expect(cluster.submissions.map((s) => s.atSec)).toEqual([1030]);
    expect(outcome.state.streak).toBe(0);
    const reasons = (await events()).filter((e) => e.event === 'decision').map((e) => String(e.reason));
    expect(reasons.map((r) => r.replace(/^.*, (\d\/3) in .*: (\w+)$/, '$1 $2'))).toEqual(['history 1/2 snapshots', '1/3 wait', '2/3 wait', '3/3 submit']);
  });
});
