import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_FEATURE_NAMES } from '../model/wait-model.js';
import { ruleWithOverrides, scriptJobSize, clusterMismatches } from '../slurm/provision/bundle-check.js';
import type { PolicyBundleInput } from './bundle.js';
import { loadPolicyBundle, writePolicyBundle } from './bundle.js';
import { formatPolicyInfo } from './info.js';
import { POLICY_MANIFEST_FILE } from './manifest.js';
import { saveWaitModel } from '../model/wait-model.js';
import { saveTestWaitModel, testWaitRiskModel } from './testing.js';

let root: string;
let modelDir: string;

const input = (over: Partial<PolicyBundleInput> = {}): PolicyBundleInput => ({
  modelDir,
  name: 'model-wait-linear',
  rule: { kind: 'regressor', lowHours: -0.25, highHours: 500, confirmations: 3 },
  ruleSource: 'calibrated',
  cluster: { trace: { name: 'ls6-a100.log', sha256: 'ab'.repeat(32) }, unit: 'nodes', nodes: 88, partition: null, jobNodes: 1, jobMinutes: 2880, decisionIntervalSec: 600 },
  evaluation: {
    policy: 'model-wait-linear',
    samples: 12,
    validationStart: '2023-03-01T00:00:00',
    policies: {
      'model-wait-linear': { meanAbsRewardHours: 0.5, meanInterruptionHours: 0.25, meanOverlapHours: 0.25, zeroInterruptionShare: 0.75 },
      reactive: { meanAbsRewardHours: 1.5, meanInterruptionHours: 1.5, meanOverlapHours: 0, zeroInterruptionShare: 0.25 },
    },
  },
  ...over,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mirage-policy-'));
  modelDir = join(root, 'trained');
  await saveTestWaitModel(modelDir, Object.fromEntries(WAIT_FEATURE_NAMES.map((n) => [n, 0.1])));
  // A training leftover that is not part of the model: the bundle leaves it out.
  await mkdir(join(modelDir, 'checkpoints'));
  await writeFile(join(modelDir, 'checkpoints', 'last.json'), '{}');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('policy bundles', () => {
  it('round-trips: the manifest, the rule and a copy of the model; same input, same bytes', async () => {
    const dir = join(root, 'bundle');
    const written = await writePolicyBundle(dir, input());
    const first = await readFile(join(dir, POLICY_MANIFEST_FILE), 'utf8');
    expect((await readdir(dir)).sort()).toEqual(['mirage-policy.json', 'model']);
    expect(await readdir(join(dir, 'model'))).toEqual(['mirage-wait-model.json']);
    const bundle = await loadPolicyBundle(dir);
    expect(bundle.manifest).toEqual(written);
    expect(bundle.rule).toEqual({ kind: 'regressor', lowHours: -0.25, highHours: 500, confirmations: 3 });
    expect(bundle.manifest.model).toEqual({ dir: 'model', kind: 'wait-linear', seqLen: 144, featureMode: 'decision', features: 42 });
    expect(bundle.manifest.cost).toBe(1);
    // Written again over itself: the same bytes, no temporary folder left behind.
    await writePolicyBundle(dir, input());
    expect(await readFile(join(dir, POLICY_MANIFEST_FILE), 'utf8')).toBe(first);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('says what a bundle is and how it scored', async () => {
    const dir = join(root, 'info');
    await writePolicyBundle(dir, input({ cost: 2 }));
    const text = formatPolicyInfo(await loadPolicyBundle(dir));
    expect(text).toContain('submit when the predicted reward lies in [-0.25, 500] h, once 3 consecutive decisions (10 minutes apart) agree (calibrated)');
    expect(text).toContain('as much as 2 h of overlap');
    expect(text).toMatch(/model-wait-linear\s+0\.500\s+0\.250\s+0\.250\s+75\.0%/);
    expect(text).toMatch(/reactive\s+1\.500\s+1\.500\s+0\.000\s+25\.0%/);
    expect(text).toContain(`mirage provision --policy ${dir} --script`);
  });

  it('carries a wait-risk model\'s hold-back by the start estimate, says it, and refuses a manifest that disagrees with the model', async () => {
    const riskDir = join(root, 'risk-trained');
    await saveWaitModel(riskDir, { ...testWaitRiskModel(), schemaVersion: 3, waitShareOfEstimate: 0.25 });
    const dir = join(root, 'risk-bundle');
    await writePolicyBundle(dir, input({ modelDir: riskDir, name: 'model-wait-risk', rule: { kind: 'risk', threshold: 0.5, confirmations: 1 } }));
    const bundle = await loadPolicyBundle(dir);
    expect(bundle.manifest.model).toEqual({ dir: 'model', kind: 'wait-risk', seqLen: 144, featureMode: 'decision', features: 42, waitShareOfEstimate: 0.25 });
    expect(formatPolicyInfo(bundle)).toContain("hold-back no submission while the predecessor's end is further away than 0.250 x the scheduler's start estimate");
    // A model without a hold-back (wait-linear, above) prints no such line.
    await writePolicyBundle(join(root, 'no-hold'), input());
    expect(formatPolicyInfo(await loadPolicyBundle(join(root, 'no-hold')))).not.toContain('hold-back');
    const file = join(dir, POLICY_MANIFEST_FILE);
    const good = JSON.parse(await readFile(file, 'utf8')) as { model: object };
    await writeFile(file, JSON.stringify({ ...good, model: { ...good.model, waitShareOfEstimate: 0.5 } }));
    await expect(loadPolicyBundle(dir)).rejects.toThrow(/model\.waitShareOfEstimate is 0\.5 but .* holds a model with waitShareOfEstimate 0\.25/);
  });

  it('refuses a missing, foreign, old or damaged bundle, naming the file and the reason', async () => {
    await expect(loadPolicyBundle(join(root, 'nowhere'))).rejects.toThrow(/nowhere: no such policy bundle folder/);
    await expect(loadPolicyBundle(modelDir)).rejects.toThrow(/trained: not a Mirage policy bundle \(no mirage-policy\.json\): it is a model folder \(mirage-wait-model\.json\)/);

    await mkdir(join(root, 'run-out'));
    await writePolicyBundle(join(root, 'run-out', 'policy'), input());
    await expect(loadPolicyBundle(join(root, 'run-out'))).rejects.toThrow(/run-out: not a Mirage policy bundle .* its bundle is .*run-out\/policy/);

    const dir = join(root, 'damaged');
    await writePolicyBundle(dir, input());
    const file = join(dir, POLICY_MANIFEST_FILE);
    const good = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, kind: 'something-else' }, /mirage-policy\.json: not a Mirage policy manifest \(kind "something-else"/],
      [{ ...good, schemaVersion: 2, createdBy: 'mirage 9.0.0' }, /mirage-policy\.json: schema version 2, written by mirage 9\.0\.0; this mirage .* reads version 1/],
      [{ ...good, rule: { kind: 'regressor', lowHours: 1, highHours: 0 } }, /mirage-policy\.json: rule: lowHours must not exceed highHours/],
      [{ ...good, rule: { kind: 'regressor', lowHours: 0, highHours: 1, confirmation: 2 } }, /mirage-policy\.json: rule: Unrecognized key: "confirmation"/],
      [{ ...good, cost: -1 }, /mirage-policy\.json: cost: /],
      [{ ...good, model: { ...(good.model as object), seqLen: 6 } }, /model\.seqLen is 6 but .* holds a model with seqLen 144/],
      [{ ...good, rule: { kind: 'policy', mode: 'greedy', seed: 0 } }, /rule\.kind is 'policy' .* wait-linear regressor/],
    ];
    for (const [manifest, error] of cases) {
      await writeFile(file, JSON.stringify(manifest));
      await expect(loadPolicyBundle(dir)).rejects.toThrow(error);
    }
    await writeFile(file, '{"kind": "mirage-pol');
    await expect(loadPolicyBundle(dir)).rejects.toThrow(/mirage-policy\.json: not valid JSON/);
    await writeFile(file, JSON.stringify(good));
    await rm(join(dir, 'model'), { recursive: true });
    await expect(loadPolicyBundle(dir)).rejects.toThrow(/damaged: its model folder cannot be read/);
  });
});

describe('provision against a bundle', () => {
  const rule = { kind: 'regressor' as const, lowHours: -0.25, highHours: 500, confirmations: 3 };

  it('runs the rule as validated unless flags override it, and says which fields they changed', () => {
    expect(ruleWithOverrides(rule, {})).toEqual({ rule, overridden: [] });
    // A flag equal to the bundle's value changes nothing.
    expect(ruleWithOverrides(rule, { confirmations: 3 }).overridden).toEqual([]);
    expect(ruleWithOverrides(rule, { low: -0.5, confirmations: 1 })).toEqual({
      rule: { kind: 'regressor', lowHours: -0.5, highHours: 500, confirmations: 1 },
      overridden: ['--low -0.25 -> -0.5', '--confirmations 3 -> 1'],
    });
    expect(() => ruleWithOverrides(rule, { low: 600 })).toThrow('--low 600 lies above --high 500');
    expect(() => ruleWithOverrides(rule, { seed: 1 })).toThrow(/--policy-mode and --seed are for a policy model/);
    expect(ruleWithOverrides({ kind: 'policy', mode: 'greedy', seed: 0 }, { policyMode: 'sample' }).overridden).toEqual(['--policy-mode "greedy" -> "sample"']);
  });

  it("reads a script's job size from its #SBATCH lines, the command line's options winning", () => {
    const script = ['#!/bin/bash', '#SBATCH -N 2', '#SBATCH --time=2-00:00:00  # two days', '#SBATCH --job-name=x', 'srun work', '#SBATCH --nodes=9'].join('\n');
    expect(scriptJobSize(script)).toEqual({ nodes: 2, minutes: 2880 });
    expect(scriptJobSize(script, ['--nodes=4', '-t', '90'])).toEqual({ nodes: 4, minutes: 90 });
    expect(scriptJobSize('#!/bin/sh\nsleep 1\n')).toEqual({ nodes: null, minutes: null });
    expect(scriptJobSize('#SBATCH -N2-4 -t1:00:00')).toEqual({ nodes: 2, minutes: 60 });
  });

  it('warns where the live cluster differs from the one the policy was validated on', async () => {
    const dir = join(root, 'check');
    const manifest = await writePolicyBundle(dir, input());
    const same = { partition: 'gpu-a100', partitionNodes: 88, predecessor: { id: '7', nodes: 1, limitMinutes: 2880 }, script: { nodes: 1, minutes: 2880 } };
    expect(clusterMismatches(manifest, same)).toEqual([]);
    const other = clusterMismatches(manifest, { partition: 'debug', partitionNodes: 4, predecessor: { id: '7', nodes: 2, limitMinutes: 1 }, script: { nodes: 1, minutes: 1 } });
    expect(other).toEqual([
      'partition debug has 4 nodes; the policy was trained and validated on a 88-node cluster',
      'the script asks for 1 minutes; the policy was validated with chain jobs of 1 node(s) and 2880 minutes',
      'job 7 (the predecessor) has 2 node(s); the policy was validated with chain jobs of 1 node(s) and 2880 minutes',
      'job 7 (the predecessor) has a limit of 1 minutes; the policy was validated with chain jobs of 1 node(s) and 2880 minutes',
    ]);
    // Seconds-long test jobs at --time-scale 2880 look like the validated 2-day jobs to the model.
    expect(clusterMismatches(manifest, { ...same, script: { nodes: 1, minutes: 1 }, predecessor: { id: '7', nodes: 1, limitMinutes: 2 }, timeScale: 2880 })).toEqual([
      'job 7 (the predecessor) has a limit of 2 minutes (5760 at --time-scale 2880); the policy was validated with chain jobs of 1 node(s) and 2880 minutes',
    ]);
    expect(clusterMismatches(manifest, { ...same, partitionNodes: null })).toEqual(['could not read the node count of partition gpu-a100; the policy was validated on 88 nodes']);
    // A policy sized in GPUs: node counts do not compare, times still do.
    const gpus = { ...manifest, cluster: { ...manifest.cluster, unit: 'gpus' as const, nodes: 32, jobNodes: 4 } };
    expect(clusterMismatches(gpus, { ...same, script: { nodes: 1, minutes: 60 } })).toEqual([
      'the policy counts GPUs (32 on its cluster, 4 per chain job): check by hand that partition gpu-a100 and the script match',
      'the script asks for 60 minutes; the policy was validated with chain jobs of 4 GPU(s) and 2880 minutes',
    ]);
  });
});
