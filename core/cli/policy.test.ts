import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { writePolicyBundle } from '../policy/index.js';
import { evaluationOf } from '../pipeline/policy.js';
import { saveTestWaitModel } from '../policy/testing.js';
import { readValidationSummary } from '../validate/output.js';
import { folderHashes } from '../testing/files.js';
import { mirage } from './testing.js';

/**
 * The bundle through the commands a user types: `validate --policy` runs its
 * model under its own rule (the same folder as `--model` with the same rule
 * spelt out in flags), `policy info` prints it, and the commands refuse what
 * is not a bundle or would silently change its rule.
 */

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'mirage-cli-policy-'));
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const schedule = ['--trace', TRACE, '--start', '2023-03-01T00:00:00', '--samples', '3', '--baselines', 'average', '--workers', '0'];
const modelDir = join(root, 'model');
const bundleDir = join(root, 'bundle');

describe('mirage validate --policy, mirage policy info', () => {
  it('validates a bundle exactly as its model with its rule spelt out in flags, and prints what it is', async () => {
    await saveTestWaitModel(modelDir, { bias: 1.5, log1p_pending_count: 0.25 });
    const byFlags = await mirage('validate', ...schedule, '--model', modelDir, '--interval', '-0.25,500', '--confirmations', '2', '--label', 'model-wait', '--out', join(root, 'by-flags'));
    expect(byFlags.exitCode, byFlags.stderr).toBe(0);
    const summary = await readValidationSummary(join(root, 'by-flags'));
    await writePolicyBundle(bundleDir, {
      modelDir,
      name: 'model-wait',
      rule: { kind: 'regressor', lowHours: -0.25, highHours: 500, confirmations: 2 },
      ruleSource: 'calibrated',
      cluster: { trace: { name: 'ls6-a100.log', sha256: String(summary.run.traceSha256) }, unit: 'nodes', nodes: 88, partition: null, jobNodes: 1, jobMinutes: 2880, decisionIntervalSec: 600 },
      evaluation: evaluationOf(summary, 'model-wait'),
    });

    const byBundle = await mirage('validate', ...schedule, '--policy', bundleDir, '--out', join(root, 'by-bundle'));
    expect(byBundle.exitCode, byBundle.stderr).toBe(0);
    // The run records where the model lives (a different folder), nothing else differs.
    const a = await folderHashes(join(root, 'by-flags'));
    const b = await folderHashes(join(root, 'by-bundle'));
    for (const file of ['reward.log', 'rewards.csv', 'charts/cdf.svg']) expect(b[file]).toBe(a[file]);
    expect((await readValidationSummary(join(root, 'by-bundle'))).policies).toEqual(summary.policies);

    const info = await mirage('policy', 'info', bundleDir);
    expect(info.exitCode, info.stderr).toBe(0);
    const mine = summary.policies.find((p) => p.policy === 'model-wait')!;
    expect(info.stdout).toContain(`model-wait  ${mine.meanAbsRewardHours.toFixed(3).padStart(15)}`);
    expect(info.stdout).toContain('once 2 consecutive decisions');
    const json = await mirage('policy', 'info', bundleDir, '--json');
    const parsed = JSON.parse(json.stdout) as { dir: string; provisionCommand: string; manifest: unknown };
    expect(parsed.dir).toBe(bundleDir);
    expect(parsed.manifest).toEqual(JSON.parse(await readFile(join(bundleDir, 'mirage-policy.json'), 'utf8')));
  });

  it('validates a bundle in the setup it was validated in, unless the command line says otherwise, and then notes it', async () => {
    // A bundle of 2-node, 12-h chain jobs on a 60-node cluster (its model and rule are the first test's).
    const setupDir = join(root, 'bundle-12h');
    const manifest = JSON.parse(await readFile(join(bundleDir, 'mirage-policy.json'), 'utf8')) as { cluster: { trace: { name: string; sha256: string } } } & Parameters<typeof writePolicyBundle>[1];
    await writePolicyBundle(setupDir, {
      modelDir,
      name: 'model-wait',
      rule: manifest.rule,
      ruleSource: 'calibrated',
      cluster: { ...manifest.cluster, nodes: 60, jobNodes: 2, jobMinutes: 720 },
      evaluation: manifest.evaluation,
    });
    const run = await mirage('validate', ...schedule, '--baselines', 'reactive', '--policy', setupDir, '--out', join(root, 'setup'));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('note:');
    const summary = await readValidationSummary(join(root, 'setup'));
    expect(summary.run).toMatchObject({ nodes: 60, jobNodes: 2, jobMinutes: 720 });
    // Reactive there is what `mirage chain` gives for the same setup spelt out in flags.
    const chain = await mirage('chain', ...schedule.slice(0, 6), '--nodes', '60', '--job-nodes', '2', '--job-minutes', '720', '--policy', 'reactive', '--json');
    const reactive = (JSON.parse(chain.stdout) as { samples: { runs: { rewardSeconds: number }[] }[] }).samples.map((x) => Math.max(x.runs[0].rewardSeconds, 0) / 3600);
    expect(summary.policies.find((p) => p.policy === 'reactive')!.meanInterruptionHours).toBeCloseTo(reactive.reduce((a, b) => a + b, 0) / reactive.length, 9);

    const other = await mirage('validate', ...schedule, '--baselines', 'reactive', '--policy', setupDir, '--job-nodes', '1', '--out', join(root, 'setup-other'));
    expect(other.exitCode, other.stderr).toBe(0);
    expect(other.stderr).toContain('note: --job-nodes 1: the bundle was validated with 2-node chain jobs');
    expect((await readValidationSummary(join(root, 'setup-other'))).run).toMatchObject({ nodes: 60, jobNodes: 1, jobMinutes: 720 });
  });

  it('refuses rule flags beside a bundle, and folders that are not bundles, on one line', async () => {
    const flagged = await mirage('validate', ...schedule, '--policy', bundleDir, '--confirmations', '1', '--out', join(root, 'x'));
    expect(flagged.exitCode).toBe(1);
    expect(flagged.stderr).toMatch(/^mirage validate: --policy .* validates the bundle with its own rule; --confirmations would change it/m);
    const notBundle = await mirage('validate', ...schedule, '--policy', modelDir, '--out', join(root, 'y'));
    expect(notBundle.stderr).toMatch(/^mirage validate: .*model: not a Mirage policy bundle \(no mirage-policy\.json\): it is a model folder/m);
    const info = await mirage('policy', 'info', join(root, 'missing'));
    expect(info.exitCode).toBe(1);
    expect(info.stderr).toMatch(/^mirage policy info: .*missing: no such policy bundle folder$/m);
  });

  it('provision: a baseline takes no rule flags; a bundle refuses flags of another rule kind', async () => {
    const script = join(root, 'next.sbatch');
    await writeFile(script, '#!/bin/bash\nsleep 1\n');
    const baseline = await mirage('provision', '--policy', 'reactive', '--script', script, '--after', '1', '--low', '0');
    expect(baseline.stderr).toMatch(/^mirage provision: --policy reactive is a baseline: it has no submit rule to set \(--low\)$/m);
    const wrong = await mirage('provision', '--policy', bundleDir, '--script', script, '--after', '1', '--policy-mode', 'greedy');
    expect(wrong.stderr).toMatch(/^mirage provision: --policy-mode and --seed are for a policy model's rule/m);
    const both = await mirage('provision', '--policy', bundleDir, '--model', modelDir, '--script', script, '--after', '1');
    expect(both.stderr).toMatch(/give either --policy/);
  });
});
