import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mirage } from './testing.js';

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const golden = (name: string): { samples: { index: number; sampleStart: string; avgWaitMinutes: number; rewardSeconds: number[] }[] } =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../testdata/golden/${name}`, import.meta.url)), 'utf8'));

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const schedule = ['--trace', TRACE, '--interval-hours', '4', '--warmup-days', '2', '--workload-days', '5', '--job-nodes', '1'];

interface ChainDoc {
  samples: {
    index: number;
    sampleStart: string;
    predSubmit: string;
    predStart: string;
    predEnd: string;
    avgWaitMinutes: number;
    queueLength: number;
    runs: { submit: string; succStart: string; rewardSeconds: number }[];
  }[];
}

describe('mirage chain', () => {
  it('prints the probes of golden training samples as one JSON document', async () => {
    const out = await mirage('chain', ...schedule, '--start', '2023-03-02T12:00:00', '--samples', '3', '--policy', 'probes', '--probes', '7', '--json');
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout) as ChainDoc;
    expect(doc.samples.map((s) => ({ index: s.index, sampleStart: s.sampleStart, avgWaitMinutes: s.avgWaitMinutes, rewardSeconds: s.runs.map((r) => r.rewardSeconds) }))).toEqual(
      golden('ls6-probes-2023-03-02T12.json').samples,
    );
    const first = doc.samples[0];
    expect(first).toMatchObject({ predSubmit: '2023-03-04T12:00:00', predStart: '2023-03-04T12:00:00', predEnd: '2023-03-06T12:00:00' });
    // Probe 0 one minute after pred's submission, probe 6 when pred ends; it waited 6.1 h.
    expect(first.runs[0]).toEqual({ submit: '2023-03-04T12:01:00', succStart: '2023-03-04T12:01:00', rewardSeconds: -172740 });
    expect(first.runs[6]).toEqual({ submit: '2023-03-06T12:00:00', succStart: '2023-03-06T18:08:00', rewardSeconds: 22080 });
    // The trace's malformed row is reported on stderr.
    expect(out.stderr).toContain('line 19706');
  });

  it('prints a table and the summary line of the reactive baseline', async () => {
    const out = await mirage('chain', ...schedule, '--start', '2023-03-01T00:00:00', '--samples', '12', '--policy', 'reactive');
    expect(out.exitCode).toBe(0);
    const reactive = golden('ls6-reactive-2023-03-01.json').samples.slice(0, 12);
    const hours = reactive.map((s) => s.rewardSeconds[0] / 3600);
    const mean = hours.reduce((a, h) => a + Math.max(h, 0), 0) / 12;
    const share = (100 * hours.filter((h) => h <= 0).length) / 12;
    expect(out.stdout).toContain(`12 samples, 12 runs: mean interruption ${mean.toFixed(3)} h, reward <= 0 (no interruption) in ${share.toFixed(1)} %`);
    expect(out.stdout.split('\n')[0]).toMatch(/^sample\s+start\s+pred start\s+avg wait\s+queue\s+succ submit\s+succ start\s+reward h$/);
    expect(out.stdout).toContain('2023-03-02T12:00:00  2023-03-04T12:00:00  0 min');
  });

  it('--job-minutes sets the chain jobs\' limit and run time', async () => {
    // The golden sample above: pred submitted and started at 2023-03-04T12:00:00, so 12-h jobs end at midnight.
    const out = await mirage('chain', ...schedule, '--start', '2023-03-02T12:00:00', '--samples', '1', '--job-minutes', '720', '--policy', 'probes', '--probes', '2', '--json');
    expect(out.exitCode, out.stderr).toBe(0);
    const first = (JSON.parse(out.stdout) as ChainDoc).samples[0];
    expect(first).toMatchObject({ predStart: '2023-03-04T12:00:00', predEnd: '2023-03-05T00:00:00' });
    expect(first.runs[1].submit).toBe('2023-03-05T00:00:00');
    await expect(mirage('chain', ...schedule, '--start', '2023-03-01T00:00:00', '--job-minutes', '0')).rejects.toThrow(/--job-minutes.*whole number from 1 to 527,040/);
  });

  it('refuses a bad flag with a clear message', async () => {
    await expect(mirage('chain', ...schedule, '--start', '2023-03-01', '--policy', 'probes', '--probes', '1')).rejects.toThrow(/--probes.*whole number >= 2/);
    const out = await mirage('chain', ...schedule, '--start', '2023-03-01T00:00:00', '--job-nodes', '100');
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('mirage chain: chain jobs of 100 nodes can never start on a 88-node cluster');
  });
});
