import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatClock } from '../trace/clock.js';
import { loadTraceFile } from '../trace/load.js';
import { unixToClock } from '../trace/zone.js';
import type { JobRecord } from './client.js';
import { clusterClient, waitFor } from './testing/chain.js';
import type { TestCluster } from './testing/cluster.js';
import { realSlurmSkipReason, startTestCluster } from './testing/cluster.js';
import { importTrace } from './trace-import.js';

const skip = realSlurmSkipReason();
const toClock = unixToClock(Intl.DateTimeFormat().resolvedOptions().timeZone);

describe.skipIf(skip !== null)('mirage trace import on a real Slurm', () => {
  let cluster: TestCluster;
  let work: string;
  /** What squeue said of each submitted job (or array task) once it finished. */
  let submitted: JobRecord[];
  let windowStart: string;

  beforeAll(async () => {
    cluster = await startTestCluster('trace-import');
    work = await mkdtemp(join(tmpdir(), 'mirage-trace-import-'));
    const client = clusterClient(cluster);
    windowStart = formatClock(toClock(client.nowSec() - 60));
    const script = (body: string): string => `#!/bin/bash\n#SBATCH --output=/dev/null\n${body}\n`;
    await writeFile(join(work, 'two-nodes.sbatch'), script('#SBATCH --nodes=2 --time=2\nsleep 2'));
    await writeFile(join(work, 'array.sbatch'), script('#SBATCH --array=1-3 --time=1\nsleep 1'));
    // --begin holds the job 3 s: a real wait between submit and start.
    await writeFile(join(work, 'held.sbatch'), script('#SBATCH --time=3 --begin=now+3\nsleep 1'));
    const ids = [
      await client.submit({ script: join(work, 'two-nodes.sbatch'), cwd: work }),
      await client.submit({ script: join(work, 'array.sbatch'), cwd: work }),
      await client.submit({ script: join(work, 'held.sbatch'), cwd: work }),
    ];
    const arrayTasks = ['1', '2', '3'].map((t) => `${ids[1]}_${t}`);
    const all = [ids[0], ...arrayTasks, ids[2]];
    submitted = await waitFor(async () => {
      const jobs = await client.jobs(all);
      return jobs.length === all.length && jobs.every((j) => j.state === 'COMPLETED') ? jobs : null;
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('round-trips the jobs submitted here: ids, nodes, limits, submit/start/end', async () => {
    const out = join(work, 'imported.sacct');
    const until = formatClock(toClock(clusterClient(cluster).nowSec() + 60));
    const result = await importTrace(clusterClient(cluster), { since: windowStart, until, out });
    expect(result.source).toBe('jobcomp');
    expect(result.loaded.rejectedCount).toBe(0);
    // The file on disk is what the loader reads.
    const loaded = await loadTraceFile(out);
    expect(loaded.format).toBe('sacct');
    expect(loaded.jobs.map((j) => j.id).sort()).toEqual(submitted.map((j) => j.id).sort());
    for (const want of submitted) {
      const got = loaded.jobs.find((j) => j.id === want.id)!;
      expect({ id: got.id, nodes: got.nodes, limit: got.limitMinutes, submit: got.submitSec, start: got.startSec, end: got.endSec, state: got.state }).toEqual({
        id: want.id,
        nodes: want.nodes,
        limit: want.limitMinutes,
        submit: toClock(want.submitSec!),
        start: toClock(want.startSec!),
        end: toClock(want.endSec!),
        state: 'COMPLETED',
      });
    }
    // sacct -c shows Submit = Start; the import restored the real submit times, so the held job waited.
    const held = loaded.jobs.find((j) => j.limitMinutes === 3)!;
    expect(held.startSec! - held.submitSec).toBeGreaterThanOrEqual(3);
    expect(result.submitsRestored).toBeGreaterThanOrEqual(1);
  });

  it('leaves out jobs outside the window and partition (sacct -c does not filter)', async () => {
    const out = join(work, 'empty.sacct');
    const result = await importTrace(clusterClient(cluster), { since: '2020-01-01T00:00:00', until: '2020-01-02T00:00:00', out });
    expect(result.loaded.jobs).toHaveLength(0);
    expect(result.rowsDropped).toBe(result.rowsFromSacct);
    const other = await importTrace(clusterClient(cluster), { since: windowStart, until: formatClock(toClock(clusterClient(cluster).nowSec() + 60)), partition: 'nosuchpartition', out });
    expect(other.loaded.jobs).toHaveLength(0);
  });

  it('works as `mirage trace import` and prints the rejected-row report', async () => {
    const out = join(work, 'cli.sacct');
    const until = formatClock(toClock(clusterClient(cluster).nowSec() + 60));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '..', 'cli', 'testing-entry.ts'), 'trace', 'import', '--since', windowStart, '--until', until, '--out', out],
      { env: cluster.env },
    );
    expect(stdout).toContain(`${out}: ${submitted.length} jobs`);
    expect(stdout).toContain('rejected 0');
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('JobID|JobIDRaw|JobName|User|Partition|State|Submit|Start|End|TimelimitRaw|NNodes|Priority|AllocTRES');
  });
});
