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
