import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyArchiveSchema, PolicyBundleViewSchema } from '../api/experiment.js';
import { loadPolicyBundle, writePolicyBundle } from '../policy/index.js';
import { PIPELINE_POLICY_DIR } from '../pipeline/policy.js';
import { saveTestWaitModel } from '../policy/testing.js';
import type { TestHost } from './runs/testing.js';
import { startTestHost } from './runs/testing.js';

/**
 * A run's policy bundle through the service API, as the run page offers it:
 * where it is, the exact provision command, and the folder as one tar archive
 * that unpacks into a bundle the same loader reads.
 */

let host: TestHost;
let scratch: string;
const RUN = '20261130-120000-bundle';
const BARE = '20261130-120000-bare';

/** A `mirage run` output folder, as the runs folder lists it (pipeline.json), with or without OUT/policy. */
async function cliRun(id: string, withBundle: boolean): Promise<void> {
  const dir = join(host.runsDir, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pipeline.json'), JSON.stringify({ config: { name: id.slice(16) }, stages: [] }));
  if (!withBundle) return;
  const modelDir = join(scratch, `model-${id}`);
  await saveTestWaitModel(modelDir);
  await writePolicyBundle(join(dir, PIPELINE_POLICY_DIR), {
    modelDir,
    name: 'model-wait-linear',
    rule: { kind: 'regressor', lowHours: 0, highHours: 500, confirmations: 2 },
    ruleSource: 'calibrated',
    cluster: { trace: { name: 't.log', sha256: 'cd'.repeat(32) }, unit: 'nodes', nodes: 88, partition: null, jobNodes: 1, jobMinutes: 2880, decisionIntervalSec: 600 },
    evaluation: { samples: 3 },
  });
}

beforeAll(async () => {
  host = await startTestHost();
  scratch = await mkdtemp(join(tmpdir(), 'mirage-policy-api-'));
  await cliRun(RUN, true);
  await cliRun(BARE, false);
});
afterAll(async () => {
  host?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("a run's policy bundle through the API", () => {
  it('tells where the bundle is and the command that runs it; null for a run without one', async () => {
    const view = PolicyBundleViewSchema.parse(await host.client.call('runs.policy', { runId: RUN }));
    const dir = join(host.runsDir, RUN, 'policy');
    expect(view.dir).toBe(dir);
    expect(view.provisionCommand).toBe(`mirage provision --policy ${dir} --script <next-job.sbatch> --after <running-job-id>`);
    expect(view.info).toContain('once 2 consecutive decisions');
    expect(view.manifest.rule).toEqual({ kind: 'regressor', lowHours: 0, highHours: 500, confirmations: 2 });
    expect(await host.client.call('runs.policy', { runId: BARE })).toBeNull();
    await expect(host.client.call('runs.exportPolicy', { runId: BARE })).rejects.toMatchObject({ code: 'not-found' });
    await expect(host.client.call('runs.policy', { runId: '20261130-000000-none' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('exports the bundle as a tar archive that unpacks into the same bundle', async () => {
    const archive = PolicyArchiveSchema.parse(await host.client.call('runs.exportPolicy', { runId: RUN }));
    expect(archive.fileName).toBe('bundle-policy.tar');
    const tarFile = join(scratch, archive.fileName);
    await writeFile(tarFile, Buffer.from(archive.base64, 'base64'));
    const out = join(scratch, 'unpacked');
    await mkdir(out);
    const { stdout } = await promisify(execFile)('tar', ['-tvf', tarFile]);
    expect(stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).pop())).toEqual([
      'bundle-policy/',
      'bundle-policy/mirage-policy.json',
      'bundle-policy/model/',
      'bundle-policy/model/mirage-wait-model.json',
    ]);
    await promisify(execFile)('tar', ['-xf', tarFile, '-C', out]);
    const unpacked = await loadPolicyBundle(join(out, 'bundle-policy'));
    const original = await loadPolicyBundle(join(host.runsDir, RUN, 'policy'));
    expect(unpacked.manifest).toEqual(original.manifest);
    // Same bundle, same archive bytes.
    const again = PolicyArchiveSchema.parse(await host.client.call('runs.exportPolicy', { runId: RUN }));
    expect(again.base64).toBe(archive.base64);
  });
});
