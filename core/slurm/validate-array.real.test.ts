import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterClient, waitFor } from './testing/chain.js';
import type { TestCluster } from './testing/cluster.js';
import { realSlurmSkipReason, startTestCluster } from './testing/cluster.js';

const run = promisify(execFile);
const skip = realSlurmSkipReason();
const CLI = join(import.meta.dirname, 'testing', 'cli-entry.ts');
/** How a compute node of the test cluster starts mirage: this node, the TypeScript sources. */
const MIRAGE = [process.execPath, '--import', 'tsx', CLI];

// 6 samples of the bundled LS6 trace, reactive policy beside the average baseline: about a second of simulation.
const VALIDATE_FLAGS = [
  '--trace', 'assets/traces/ls6-a100.log',
  '--start', '2023-03-01T00:00:00',
  '--samples', '6',
  '--policy', 'reactive',
  '--baselines', 'average',
  '--workers', '0',
];

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe.skipIf(skip !== null)('mirage slurm validate on a real Slurm', () => {
  let cluster: TestCluster;
  let work: string;

  beforeAll(async () => {
    cluster = await startTestCluster('validate-array');
    work = await mkdtemp(join(tmpdir(), 'mirage-validate-array-real-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('merges a 3-task job array into the run folder a local validate writes, byte for byte', { timeout: 180_000 }, async () => {
    const local = join(work, 'local');
    const merged = join(work, 'merged');
    const repo = resolve(import.meta.dirname, '..', '..');
    await run(process.execPath, ['--import', 'tsx', CLI, 'validate', ...VALIDATE_FLAGS, '--out', local], { cwd: repo });

    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', CLI, 'slurm', 'validate', '--array', '3', '--out', merged, '--time', '5', '--mirage', MIRAGE.join(' '), ...VALIDATE_FLAGS],
      { cwd: repo, env: cluster.env },
    );
    const arrayId = /array job (\d+)/.exec(stdout)?.[1];
    const mergeId = /merge job (\d+)/.exec(stdout)?.[1];
    expect(arrayId, stdout).toBeDefined();
    expect(mergeId, stdout).toBeDefined();

    const client = clusterClient(cluster);
    const mergeJob = await waitFor(async () => {
      const [job] = await client.jobs([mergeId!]);
      return job && !['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING'].includes(job.state) ? job : null;
    }, 150_000);
    if (mergeJob.state !== 'COMPLETED') {
      const logs = join(`${merged}.slurm`, 'logs');
      const text = await Promise.all((await readdir(logs)).map(async (f) => `--- ${f}\n${await readFile(join(logs, f), 'utf8')}`));
      throw new Error(`merge job ${mergeId} ended ${mergeJob.state}\n${text.join('\n')}`);
    }
    const tasks = await client.jobs(['0', '1', '2'].map((k) => `${arrayId}_${k}`));
    expect(tasks.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    const files = await filesOf(local);
    expect(files).toContain('reward.log');
    expect(await filesOf(merged)).toEqual(files);
    for (const f of files) expect(await readFile(join(merged, f)), f).toEqual(await readFile(join(local, f)));
  });
});
