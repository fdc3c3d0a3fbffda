import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadTraceFile } from '../trace/index.js';
import { registerTraceCommands } from './trace.js';

const LS6 = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'mirage-cli-trace-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `mirage trace ...` in-process; returns what it printed. */
async function mirage(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const program = new Command('mirage').exitOverride();
  registerTraceCommands(program);
  try {
    await program.parseAsync(['node', 'mirage', 'trace', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}

describe('mirage trace info', () => {
  it('--json reports 24,776 jobs, the rejected row 19,706 with its reason, and the capped durations', async () => {
    const report = JSON.parse((await mirage('info', LS6, '--json')).stdout);
    expect(report.jobs).toBe(24_776);
    expect(report.rejectedCount).toBe(1);
    expect(report.rejected[0]).toMatchObject({ line: 19_706, reason: expect.stringMatching(/^11 fields where the header has 10/) });
    expect(report.repairs.durationCapped).toBe(3_752);
    expect(report.declaredRows).toBe(24_779);
    expect(report.stats.jobs).toBe(24_776);
    expect(report.stats.hourly.hours).toBe(report.stats.hourly.utilisation.length);
  });

  it('prints a readable summary, and filters by time', async () => {
    const { stdout } = await mirage('info', LS6, '--since', '2023-03-01T00:00:00', '--until', '2023-03-08T00:00:00', '--capacity', '88');
    expect(stdout).toMatch(/rows 24,777 \(count line says 24,779\), jobs 24,776, rejected 1/);
    expect(stdout).toMatch(/rejected line 19706: 11 fields/);
    expect(stdout).toMatch(/repairs: durationCapped 3,752/);
    expect(stdout).toMatch(/filter: submit in \[2023-03-01T00:00:00, 2023-03-08T00:00:00\): [\d,]+ jobs kept/);
    expect(stdout).toMatch(/capacity 88 nodes \(given\)/);
  });

  it('fails with one clear message on a file that is not a trace', async () => {
    const { stderr } = await mirage('info', fileURLToPath(new URL('../../package.json', import.meta.url)));
    expect(stderr).toMatch(/^mirage trace: package\.json:1: not a job trace/);
    expect(process.exitCode).toBe(1);
  });
});

describe('mirage trace convert', () => {
  it('writes SWF and the spaces layout that load back to the same jobs', async () => {
    const swf = join(dir, 'ls6.swf');
    const spaced = join(dir, 'ls6.log');
    const a = await mirage('convert', LS6, '--to', 'swf', '--out', swf);
    expect(a.stderr).toMatch(/^wrote 24776 jobs to .*ls6\.swf \(swf\); read 24777 rows, rejected 1/);
    await mirage('convert', LS6, '--to', 'mirage', '--layout', 'spaces', '--out', spaced);
    const [original, fromSwf, fromSpaces] = await Promise.all([loadTraceFile(LS6), loadTraceFile(swf), loadTraceFile(spaced)]);
    const key = (j: { id: string; submitSec: number; startSec: number | null; endSec: number | null; nodes: number; limitMinutes: number | null }): string =>
      [j.id, j.submitSec, j.startSec, j.endSec, j.nodes, j.limitMinutes].join();
    const sorted = (jobs: Parameters<typeof key>[0][]): string[] => jobs.map(key).sort();
    expect(sorted(fromSwf.jobs)).toEqual(sorted(original.jobs));
    expect(fromSpaces.jobs.map(key)).toEqual(original.jobs.map(key));
  });

  it('cuts to a time range and drops exclusion ranges', async () => {
    const out = join(dir, 'march.log');
    const { stderr } = await mirage('convert', LS6, '--to', 'mirage', '--out', out, '--since', '2023-03-01T00:00:00', '--exclude', '2023-03-05T00:00:00,2023-03-06T00:00:00');
    const kept = await loadTraceFile(out);
    expect(stderr).toContain(`wrote ${kept.jobs.length} jobs`);
    expect(kept.jobs.length).toBeGreaterThan(1000);
    const from = Date.UTC(2023, 2, 1) / 1000;
    const [exA, exB] = [Date.UTC(2023, 2, 5) / 1000, Date.UTC(2023, 2, 6) / 1000];
    expect(kept.jobs.every((j) => j.submitSec >= from && !(j.submitSec >= exA && j.submitSec < exB))).toBe(true);
    expect((await readFile(out, 'utf8')).startsWith('   JobID')).toBe(true);
  });

  it('refuses a bad time with a usage error', async () => {
    await expect(mirage('convert', LS6, '--to', 'swf', '--out', join(dir, 'x.swf'), '--since', 'tomorrow')).rejects.toThrow(/not a cluster time: 'tomorrow'/);
  });
});
