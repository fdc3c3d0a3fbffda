import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderHashes } from '../testing/files.js';
import { clusterClient, waitFor } from './testing/chain.js';
import type { TestCluster } from './testing/cluster.js';
import { realSlurmSkipReason, startTestCluster } from './testing/cluster.js';

const run = promisify(execFile);
const skip = realSlurmSkipReason();
const CLI = join(import.meta.dirname, '..', 'cli', 'testing-entry.ts');
/** How a compute node of the test cluster starts mirage: this node, the TypeScript sources. */
const MIRAGE = [process.execPath, '--import', 'tsx', CLI];

/** Each local command `mirage slurm` spreads over an array, on a small schedule of the bundled LS6 trace (about a second of simulation). */
const CASES = [
  {
    // 6 samples x 2 probes.
    command: 'dataset',
    local: ['dataset', 'generate'],
    flags: ['--start', '2022-11-01T00:00:00', '--samples', '6', '--probes', '2', '--warmup-days', '1', '--workload-days', '2'],
    mustHold: 'manifest.json',
  },
  {
    // 6 samples, reactive policy beside the average baseline.
    command: 'validate',
    local: ['validate'],
    flags: ['--start', '2023-03-01T00:00:00', '--samples', '6', '--policy', 'reactive', '--baselines', 'average'],
    mustHold: 'reward.log',
  },
] as const;

describe.skipIf(skip !== null)('mirage slurm dataset | validate on a real Slurm', () => {
  let cluster: TestCluster;
  let work: string;

  beforeAll(async () => {
    cluster = await startTestCluster('array');
    work = await mkdtemp(join(tmpdir(), 'mirage-array-real-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`merges a 3-task ${c.command} job array into the folder a local run writes, byte for byte`, { timeout: 180_000 }, async () => {
      const flags = ['--trace', 'assets/traces/ls6-a100.log', ...c.flags, '--workers', '0'];
      const local = join(work, `${c.command}-local`);
      const merged = join(work, `${c.command}-merged`);
      const repo = resolve(import.meta.dirname, '..', '..');
      await run(process.execPath, ['--import', 'tsx', CLI, ...c.local, ...flags, '--out', local], { cwd: repo });

      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', CLI, 'slurm', c.command, '--array', '3', '--out', merged, '--time', '5', '--mirage', MIRAGE.join(' '), ...flags],
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
      // Every array task ran as its own job and succeeded.
      const tasks = await client.jobs(['0', '1', '2'].map((k) => `${arrayId}_${k}`));
      expect(tasks.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

      const expected = await folderHashes(local);
      expect(Object.keys(expected)).toContain(c.mustHold);
      expect(await folderHashes(merged)).toEqual(expected);
    });
  }

  it('prints the scripts and submits nothing with --dry-run', async () => {
    const out = join(work, 'dry');
    const flags = ['--trace', 'assets/traces/ls6-a100.log', ...CASES[0].flags, '--workers', '0'];
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'slurm', 'dataset', '--array', '4', '--out', out, '--partition', 'debug', '--sbatch', '--mem=100M', '--dry-run', '--mirage', MIRAGE.join(' '), ...flags], {
      cwd: resolve(import.meta.dirname, '..', '..'),
      env: cluster.env,
    });
    expect(stdout).toContain('#SBATCH --array=0-3');
    expect(stdout).toContain('#SBATCH --mem=100M');
    expect(stdout).toContain('--shard "${SLURM_ARRAY_TASK_ID}/4"');
    expect(stdout).toContain('--dependency=afterok:<array job id>');
    const queue = await clusterClient(cluster).queue();
    expect(queue).toHaveLength(0);
  });
});
