import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, FEATURES_PER_SNAPSHOT } from '../sim/features.js';
import { initBackend } from '../model/backend.js';
import { PRED_ID, prepareWorkload, sampleStartSec } from '../sim/chain.js';
import type { ChainSchedule } from '../sim/chain.js';
import { parseSimConfig } from '../sim/config.js';
import { forecastWaitMinutes } from '../sim/forecast.js';
import type { QueueState } from '../sim/forecast.js';
import { engineContext } from '../sim/chain.js';
import type { Workload } from '../sim/workload.js';
import { loadModelPolicy } from '../slurm/provision/model-policy.js';
import type { ProvisionPolicy } from '../slurm/provision/policy.js';
import { Provisioner } from '../slurm/provision/provisioner.js';
import { queueFeatures, queueTuples } from '../slurm/provision/snapshot.js';
import { saveRing, saveState } from '../slurm/provision/state.js';
import type { SnapshotRingFile } from '../slurm/provision/state.js';
import { SimulatedCluster } from '../slurm/testing/sim-cluster.js';
import { loadTraceFile } from '../trace/index.js';
import { resolveTrainConfig } from '../train/config.js';
import { syntheticTrainingData } from '../train/synthetic.js';
import { trainModel } from '../train/train.js';
import type { DecisionRule } from '../validate/decide.js';
import { collectValidationOutcomes } from '../validate/run.js';
import { modelEvaluator } from '../validate/runner.js';
import { simulateOnlineSamples } from '../validate/simulate.js';
import { loadPolicyBundle, writePolicyBundle } from './bundle.js';
import type { PolicyBundle } from './bundle.js';
import { loadPolicyModel } from './model.js';
import { saveTestWaitModel, testWaitRiskModel } from './testing.js';
import { saveWaitModel } from '../model/wait-model.js';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';

/**
 * The policy a user validated is the policy provision runs: one validation
 * sample's cluster, replayed by the simulator behind the SlurmClient
 * interface (SimulatedCluster: what squeue would have shown each minute),
 * drives the live Provisioner with the bundle's model and rule. The
 * provisioner builds its model inputs from those squeue listings through its
 * own code (queueTuples, snapshot ring, predecessor tuple); every input must
 * equal validation's, and the successor must go in at the minute validation
 * submitted it, with the same reward.
 */

/**
 * The scheduler's start estimate on a queue, minutes, for a job of 64 of the 88 nodes: the chain's 1-node job
 * starts at once on these samples, a wide one only when the jobs ahead of it and their limits are right.
 */
const forecastOf = (queue: QueueState): number => forecastWaitMinutes(engineContext(workload.config), queue, { nodes: 64, limitMinutes: 2880 });

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const schedule: ChainSchedule = { startSec: Date.UTC(2023, 2, 1) / 1000, samples: 4, intervalHours: 4, warmupDays: 2, workloadDays: 5, jobNodes: 1 };
const INTERVAL_MIN = 10;

let root: string;
let workload: Workload;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mirage-same-decisions-'));
  workload = prepareWorkload((await loadTraceFile(TRACE)).jobs, parseSimConfig({}));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function bundleInput(modelDir: string, rule: DecisionRule) {
  return {
    modelDir,
    name: 'model-under-test',
    rule,
    ruleSource: 'calibrated' as const,
    cluster: { trace: { name: 'ls6-a100.log', sha256: '0'.repeat(64) }, unit: 'nodes' as const, nodes: 88, partition: null, jobNodes: 1, jobMinutes: 2880, decisionIntervalSec: 600 },
    evaluation: {},
  };
}

/** Validation's decisions on one sample: the outcome (the runner's own path) and every model input, in order. */
async function validated(bundle: PolicyBundle, index: number) {
  const collected = await collectValidationOutcomes(
    { tracePath: TRACE, schedule, policy: { kind: 'model', modelDir: bundle.modelDir, rule: bundle.rule }, outDir: root },
    { workers: 0, only: [index] },
  );
  const outcome = collected.outcomes[0].get(index)!;
  const model = await loadPolicyModel(bundle.modelDir);
  const evaluate = modelEvaluator(model, { kind: 'model', modelDir: bundle.modelDir, rule: bundle.rule });
  const windows: Float32Array[] = [];
  const forecasts: number[] = [];
  const [again] = await simulateOnlineSamples(
    workload,
    schedule,
    [index],
    (w, count, keys) => {
      windows.push(w.slice());
      forecasts.push(forecastOf(keys[0].queue!()));
      return evaluate(w, count, keys);
    },
    bundle.rule,
  );
  model.dispose();
  expect(again).toEqual(outcome);
  return { outcome, windows, forecasts };
}

/** The live provisioner on the simulated cluster, started at the sample's first decision with the 24 h of squeue samples before it. */
async function provisioned(bundle: PolicyBundle, index: number, name: string) {
  const loaded = await loadModelPolicy(bundle.modelDir, bundle.rule, { timeScale: 1 });
  const windows: Float32Array[] = [];
  const forecasts: number[] = [];
  const policy: ProvisionPolicy = {
    name: loaded.policy.name,
    decide: (ctx) =>
      loaded.policy.decide({
        ...ctx,
        window: (n) => {
          const w = ctx.window(n);
          windows.push(w);
          forecasts.push(forecastOf(ctx.queue()));
          return w;
        },
      }),
  };
  const cluster = new SimulatedCluster(workload, schedule, index);
  const origin = sampleStartSec(schedule, index) / 60;
  const firstDecision = origin + (Math.floor((cluster.predSubmitMinute - origin) / INTERVAL_MIN) + 1) * INTERVAL_MIN;
  // The provisioner had been sampling squeue for a day when the decisions began (as validation's snapshot window has).
  const ring: SnapshotRingFile = { snapshots: [] };
  for (let m = firstDecision - loaded.historyLength * INTERVAL_MIN; m < firstDecision; m += INTERVAL_MIN) {
    cluster.advanceTo(m);
    ring.snapshots.push({ atSec: m * 60, queue: queueFeatures(queueTuples(await cluster.queue(), m * 60, 1)) });
  }
  cluster.advanceTo(firstDecision);
  const stateDir = join(root, name);
  const script = '/abs/next-link.sbatch';
  await mkdir(stateDir, { recursive: true });
  await saveRing(stateDir, ring);
  await saveState(stateDir, {
    schemaVersion: 1,
    chainId: '0123456789ab',
    after: PRED_ID,
    script,
    links: 1,
    policy: policy.name,
    jobs: [{ id: PRED_ID, link: 0, submittedAtSec: null, expected: null, expectedIsInt: false }],
    submitting: null,
    measured: [],
    recentWaitsSec: [],
    waitWatermark: null,
    done: false,
  });
  const outcome = await new Provisioner(
    {
      stateDir,
      script,
      after: PRED_ID,
      links: 1,
      intervalSec: INTERVAL_MIN * 60,
      timeScale: 1,
      partition: null,
      sbatchOptions: [],
      dryRun: false,
      rewardLog: join(stateDir, 'reward.log'),
      eventLog: join(stateDir, 'events.jsonl'),
      historyLength: loaded.historyLength,
      timeZone: 'UTC',
    },
    { client: cluster, policy, sleep: cluster.sleep },
  ).run();
  loaded.model.dispose();
  return { cluster, outcome, windows, forecasts };
}

async function expectSameDecisions(bundle: PolicyBundle, index: number, name: string) {
  const v = await validated(bundle, index);
  const p = await provisioned(bundle, index, name);
  // The same inputs, decision by decision: snapshot features from squeue listings equal the simulator's.
  expect(p.windows.length).toBe(v.windows.length);
  expect(p.windows.length).toBeGreaterThan(0);
  p.windows.forEach((w, i) => {
    expect(w.length).toBe(v.windows[i].length);
    expect(Array.from(w)).toEqual(Array.from(v.windows[i]));
  });
  // And the same scheduler's start estimates, from squeue's jobs as from the simulator's queue.
  expect(p.forecasts).toEqual(v.forecasts);
  expect(v.forecasts.some((f) => f > 0)).toBe(true);
  // The same submit minute and, the cluster being the same, the same reward.
  expect(p.cluster.submissions.map((m) => m * 60)).toEqual([v.outcome.submitSec]);
  expect(p.outcome.state.measured.map((m) => [m.submitSec, m.predEndSec, m.succStartSec, m.rewardSec])).toEqual([
    [v.outcome.submitSec, v.outcome.predEndSec, v.outcome.succStartSec, v.outcome.rewardSeconds],
  ]);
  return v.outcome;
}

describe('a bundle decides live as it did in validation', () => {
  it('wait-based bundle with confirmations', { timeout: TEST_TIMEOUTS.test }, async () => {
    // Hand-set weights: the wait grows with the queue; reward = max(0, wait) - time left until pred ends.
    const modelDir = join(root, 'wait-model');
    await saveTestWaitModel(modelDir, { bias: 1.5, log1p_pending_count: 0.25, log1p_pending_nodes: 0.1, free_node_share: -0.6 });
    const dir = join(root, 'wait-bundle');
    await writePolicyBundle(dir, bundleInput(modelDir, { kind: 'regressor', lowHours: -0.25, highHours: 500, confirmations: 2 }));
    const bundle = await loadPolicyBundle(dir);
    const outcome = await expectSameDecisions(bundle, 1, 'wait');
    // The model, not the predecessor's end, decided: two in-interval predictions, before pred ended.
    expect(outcome.decisions).toBeGreaterThan(2);
    expect(outcome.submitSec).toBeLessThan(outcome.predEndSec);
  });

  it('wait-risk bundle with confirmations and a cap on how early it may submit', { timeout: TEST_TIMEOUTS.test }, async () => {
    // Hand-set weights: a high risk that grows with the queue, a full cluster and the scheduler's start estimate
    // (made live from squeue's jobs, in validation from the simulator's), so the cap decides when it may act.
    const modelDir = join(root, 'risk-model');
    await saveWaitModel(modelDir, testWaitRiskModel({ bias: 4, log1p_pending_count: 0.8, no_free_node: 1.5, free_node_share: -4, log1p_forecast_wait_h: 1 }));
    const dir = join(root, 'risk-bundle');
    await writePolicyBundle(dir, bundleInput(modelDir, { kind: 'risk', threshold: 0.3, confirmations: 2, maxLeadHours: 6 }));
    const outcome = await expectSameDecisions(await loadPolicyBundle(dir), 1, 'risk');
    // The model decided (before pred's end), and never more than 6 h before it.
    expect(outcome.submitSec).toBeLessThan(outcome.predEndSec);
    expect(outcome.predEndSec - outcome.submitSec).toBeLessThanOrEqual(6 * 3600);
  });

  it('wait-risk bundle held back by its share of the start estimate', { timeout: TEST_TIMEOUTS.test }, async () => {
    // The weights of the test above, no cap: the risk is high at once, but on this March morning a 1-node job would
    // start at once (an estimate shorter than the time left at every decision), so the model's share holds it back.
    const weights = { bias: 4, log1p_pending_count: 0.8, no_free_node: 1.5, free_node_share: -4, log1p_forecast_wait_h: 1 };
    const rule = { kind: 'risk' as const, threshold: 0.3, confirmations: 1 };
    const bundleOf = async (name: string, share?: number, leadMarginHours?: number) => {
      const modelDir = join(root, `${name}-model`);
      const base = testWaitRiskModel(weights);
      await saveWaitModel(
        modelDir,
        share === undefined ? base : leadMarginHours === undefined ? { ...base, schemaVersion: 3, waitShareOfEstimate: share } : { ...base, schemaVersion: 4, waitShareOfEstimate: share, leadMarginHours },
      );
      await writePolicyBundle(join(root, `${name}-bundle`), bundleInput(modelDir, rule));
      return loadPolicyBundle(join(root, `${name}-bundle`));
    };
    const free = (await validated(await bundleOf('unheld'), 1)).outcome;
    const held = await expectSameDecisions(await bundleOf('held', 1), 1, 'held');
    // A version 2 model (no share) submits hours early; held back, it waits for pred's end like reactive, live as in validation.
    expect(free.predEndSec - free.submitSec).toBeGreaterThan(3600);
    expect(held.submitSec).toBe(held.predEndSec);
    expect(held.decisions).toBeGreaterThan(free.decisions);
    // With a 20-minute margin it reads pred's end 20 minutes nearer: it submits within 20 minutes of it, live as in validation.
    const margin = await expectSameDecisions(await bundleOf('margin', 1, 1 / 3), 1, 'margin');
    expect(margin.submitSec).toBeLessThan(margin.predEndSec);
    expect(margin.predEndSec - margin.submitSec).toBeLessThanOrEqual(20 * 60);
  });

  it('neural bundle', { timeout: TEST_TIMEOUTS.pipeline }, async () => {
    await initBackend('wasm');
    const data = { ...syntheticTrainingData({ samples: 8, probes: 2, seqLen: 144, featureCount: FEATURES_PER_SNAPSHOT, seed: 3 }), featureNames: [...FEATURE_NAMES] };
    const config = resolveTrainConfig('default', null, 1, { seqLen: 144, inFeatures: FEATURES_PER_SNAPSHOT }, { epochs: 1, dModel: 8, heads: 1, ffDim: 8, layers: 1, patience: null });
    const modelDir = join(root, 'neural-model');
    await trainModel(data, { kind: 'default', config, outDir: modelDir });

    // A low end the model's outputs first reach mid-way: the first new maximum after the first decision.
    const index = 2;
    const model = await loadPolicyModel(modelDir);
    // The model's outputs along the sample's path when it never submits (the chain submits when pred ends).
    const never: DecisionRule = { kind: 'regressor', lowHours: Infinity, highHours: Infinity };
    const evaluate = modelEvaluator(model, { kind: 'model', modelDir, rule: never });
    const path: number[] = [];
    await simulateOnlineSamples(workload, schedule, [index], (w, count) => {
      const out = evaluate(w, count);
      path.push(out[0]);
      return out;
    }, never);
    model.dispose();
    let k = 0;
    for (let d = 1, best = path[0]; d < path.length; d++) {
      if (path[d] > best && (k === 0 || Math.abs(d - path.length / 2) < Math.abs(k - path.length / 2))) k = d;
      best = Math.max(best, path[d]);
    }
    expect(k).toBeGreaterThan(0);
    const lowHours = (path[k] + Math.max(...path.slice(0, k))) / 2;

    const dir = join(root, 'neural-bundle');
    await writePolicyBundle(dir, bundleInput(modelDir, { kind: 'regressor', lowHours, highHours: 500, confirmations: 1 }));
    const outcome = await expectSameDecisions(await loadPolicyBundle(dir), index, 'neural');
    expect(outcome.decisions).toBe(k + 1);
  });
});
