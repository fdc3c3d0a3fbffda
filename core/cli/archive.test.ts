import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDataset } from '../dataset/reader.js';
import { mirage } from './testing.js';

/**
 * End to end on traces from elsewhere: an SWF log in the style of the Parallel
 * Workloads Archive that gives run times but no wait and no requested times
 * (synthetic, see its header), and a sacct dump of two GPU partitions.
 */

const testdata = (name: string): string => fileURLToPath(new URL(`../trace/testdata/${name}`, import.meta.url));
const SWF = testdata('archive-style-nowait.swf');
const SACCT = testdata('sacct-two-partitions.txt');
const dir = await mkdtemp(join(tmpdir(), 'mirage-archive-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

// 4 samples 6 h apart from 2003-01-01T01:00 (the log's first job comes at 01:43:40), 2-node chain jobs.
const schedule = ['--start', '2003-01-01T01:00:00', '--samples', '4', '--interval-hours', '6', '--warmup-days', '1', '--workload-days', '3', '--job-nodes', '2'];

interface ChainDoc {
  warnings: Array<{ code: string; message: string }>;
  samples: Array<{ index: number; predEnd: string; runs: Array<{ submit: string; succStart: string; rewardSeconds: number }> }>;
}

describe('a chain and a dataset on an archive-style SWF log (no waits, no requested times)', () => {
  it('mirage trace info says first what will be simulated and what was assumed', async () => {
    const text = await mirage('trace', 'info', SWF);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.split('\n').slice(1, 5)).toEqual([
      '  simulated: 634 jobs of 643 jobs, sized in nodes, on a cluster of 32 nodes (declared by the trace)',
      '  left out: 9 never started: the trace has no run time for it',
      expect.stringMatching(/^ {2}assumed: 634 jobs with a run time but no wait time \(SWF -1\): start unknown; simulated/),
      expect.stringMatching(/^ {2}assumed: 634 jobs without a requested time \(SWF -1\): limit = run time rounded up/),
    ]);
    expect(text.stdout).toMatch(/wait \(0 started; 634 with unknown start left out\)/);
    const report = JSON.parse((await mirage('trace', 'info', SWF, '--json', '--unit', 'gpus')).stdout);
    expect(report.simulation).toMatchObject({ unit: 'gpus', jobs: 634, capacity: { value: 128, source: 'declared', inferred: false } });
    expect(report.assumptions).toEqual({ startUnknown: 634, limitFromRunTime: 634, limitFromDefault: 0 });
  });

  it('runs a chain, and simulates exactly as the same jobs written with their starts at submit', async () => {
    const out = await mirage('chain', '--trace', SWF, ...schedule, '--policy', 'reactive', '--json');
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout) as ChainDoc;
    expect(doc.samples).toHaveLength(4);
    expect(out.stderr).toContain('archive-style-nowait.swf: 634 jobs simulated on a cluster of 32 nodes (declared by the trace)');
    // Sample 0 starts before the first job; the log holds no recorded start, so no load-history check applies.
    expect(doc.warnings.map((w) => w.code)).toEqual(['before-trace']);
    // The replayed cluster was busy: some successor waited.
    expect(doc.samples.some((s) => s.runs[0].rewardSeconds > 0)).toBe(true);

    // The simulator never uses the recorded start: a dump with start = submit (what `trace convert` writes for an
    // unknown start) and the same limits gives the same rewards to the second.
    const dump = join(dir, 'as-dump.log');
    expect((await mirage('trace', 'convert', SWF, '--to', 'mirage', '--out', dump)).exitCode).toBe(0);
    const again = JSON.parse((await mirage('chain', '--trace', dump, ...schedule, '--nodes', '32', '--policy', 'reactive', '--json')).stdout) as ChainDoc;
    expect(again.samples).toEqual(doc.samples);
  });

  it('generates a dataset whose last probe (submit at pred end) has the reactive chain rewards', async () => {
    const outDir = join(dir, 'dataset');
    const gen = await mirage('dataset', 'generate', '--trace', SWF, ...schedule, '--probes', '3', '--workers', '0', '--out', outDir);
    expect(gen.exitCode).toBe(0);
    expect(gen.stderr).toContain('warning: 1 sample of 4 samples (0) start before the trace');
    const data = await openDataset(outDir);
    expect(data.count).toBe(12);
    const chain = JSON.parse((await mirage('chain', '--trace', SWF, ...schedule, '--policy', 'reactive', '--json')).stdout) as ChainDoc;
    const lastProbes = Array.from({ length: 4 }, (_, s) => data.rewardSeconds[s * 3 + 2]);
    expect(lastProbes).toEqual(chain.samples.map((s) => s.runs[0].rewardSeconds));
    expect(data.manifest.config.sim).toMatchObject({ nodes: 32, unit: 'nodes' });
  });

  it('counts GPUs (the SWF processors) on the declared 128 with --unit gpus', async () => {
    const out = await mirage('chain', '--trace', SWF, ...schedule.slice(0, -1), '8', '--unit', 'gpus', '--policy', 'reactive', '--json');
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toContain('634 jobs simulated on a cluster of 128 GPUs (declared by the trace)');
    expect((JSON.parse(out.stdout) as ChainDoc).samples).toHaveLength(4);
  });

  it('warns, and still answers, when the schedule lies outside the trace', async () => {
    const out = await mirage('chain', '--trace', SWF, ...schedule.slice(2), '--start', '2004-01-01T00:00:00', '--policy', 'reactive', '--json');
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout) as ChainDoc;
    expect(doc.warnings.map((w) => w.code)).toEqual(['empty-samples']);
    expect(doc.warnings[0].message).toMatch(/^4 samples of 4 samples \(0-3\) replay no trace job/);
    expect(doc.samples.every((s) => s.runs[0].rewardSeconds === 0)).toBe(true);
    expect(out.stderr).toContain('mirage: warning: 4 samples of 4 samples (0-3) replay no trace job');
  });
});

describe('a sacct dump of two GPU partitions', () => {
  it('lists the partitions, says an inferred size is inferred, and simulates the one selected', async () => {
    const info = await mirage('trace', 'info', SACCT, '--unit', 'gpus', '--partition', 'gpu-a100');
    expect(info.exitCode).toBe(0);
    expect(info.stdout).toContain(
      'simulated: 3 jobs of 4 jobs of partition gpu-a100, sized in GPUs, on a cluster of 16 GPUs (inferred: the most the trace has running at once, a lower bound; give the real size to be sure)',
    );
    expect(info.stdout).toMatch(/\* gpu-a100 +3 jobs, +3 simulatable, job size 4-8 \(median 8\), cluster 16 inferred/);
    expect(info.stdout).toMatch(/ {3}gpu-shared +5 jobs, +3 simulatable, job size 0-3 \(median 1\), cluster 6 inferred/);
    const given = JSON.parse((await mirage('trace', 'info', SACCT, '--unit', 'gpus', '--partition', 'gpu-a100', '--capacity', 'gpu-a100=32', '--json')).stdout);
    expect(given.simulation.capacity).toEqual({ value: 32, source: 'given', inferred: false });

    const chain = await mirage(
      'chain', '--trace', SACCT, '--partition', 'gpu-a100', '--unit', 'gpus', '--start', '2024-04-30T23:00:00', '--warmup-days', '0', '--workload-days', '1', '--json',
    );
    expect(chain.exitCode).toBe(0);
    expect(chain.stderr).toContain('3 jobs simulated on a cluster of 16 GPUs (inferred: the most the trace has running at once');
  });

  it('names the partitions a selection asks for in vain', async () => {
    const out = await mirage('trace', 'info', SACCT, '--partition', 'gpu-h100');
    expect(out.stderr).toContain("no job of partition 'gpu-h100'; the trace has: gpu-a100, gpu-shared");
    expect(out.exitCode).toBe(1);
  });
});

/**
 * A real log of the Parallel Workloads Archive (NASA Ames iPSC/860, 1993, cleaned; the first 10 days, unchanged,
 * with its header and attribution): every row gives a run time but no wait (its submit times are start times) and
 * no requested time. Before, the loader kept none of its jobs simulatable.
 */
describe('a chain and a dataset on a public archive log (NASA iPSC/860, 1993)', () => {
  const NASA = testdata('NASA-iPSC-1993-3.1-cln-10days.swf.gz');
  // 6 samples 4 h apart from the log's second day, 16-node chain jobs on its 128 nodes, 1 day of warm-up and 3 of workload.
  const nasa = ['--start', '1993-10-02T00:00:00', '--samples', '6', '--interval-hours', '4', '--warmup-days', '1', '--workload-days', '3', '--job-nodes', '16'];

  it('simulates every row with a run time: 1,579 of 1,592 (the other 13 ran for 0 s)', async () => {
    const report = JSON.parse((await mirage('trace', 'info', NASA, '--json')).stdout);
    expect(report.simulation).toMatchObject({ unit: 'nodes', jobs: 1579, capacity: { value: 128, source: 'declared', inferred: false } });
    expect(report.assumptions).toEqual({ startUnknown: 1579, limitFromRunTime: 1579, limitFromDefault: 0 });
  });

  it('runs a reactive chain, and a dataset whose last probe has the same rewards', async () => {
    const out = await mirage('chain', '--trace', NASA, ...nasa, '--policy', 'reactive', '--json');
    expect(out.exitCode, out.stderr).toBe(0);
    const chain = JSON.parse(out.stdout) as ChainDoc;
    expect(chain.samples).toHaveLength(6);
    // 16-node jobs on a log that was busy: some successors waited.
    expect(chain.samples.some((s) => s.runs[0].rewardSeconds > 0)).toBe(true);
    const outDir = join(dir, 'nasa-dataset');
    const gen = await mirage('dataset', 'generate', '--trace', NASA, ...nasa, '--probes', '3', '--workers', '0', '--out', outDir);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const data = await openDataset(outDir);
    expect(data.count).toBe(18);
    expect(Array.from({ length: 6 }, (_, s) => data.rewardSeconds[s * 3 + 2])).toEqual(chain.samples.map((s) => s.runs[0].rewardSeconds));
  });
});
