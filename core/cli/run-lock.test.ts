import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePipelineConfig } from '../pipeline/config.js';
import type { PipelineConfigInput } from '../pipeline/config.js';
import { runPipeline } from '../pipeline/run.js';
import { RUN_LOCK_FILE } from './run.js';
import { mirage } from './testing.js';

/**
 * Two runs in one folder (issue 14): a second `mirage run` into a folder a
 * live one holds is refused with a clear message; runs sharing a stages folder
 * (the workbench links every run's stages/ to one) wait for each other per
 * stage and end with complete results, identical to a single run's.
 */

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));
const SMALL: PipelineConfigInput = {
  name: 'lock',
  trace: { path: TRACE },
  // A week apart, so the held-out tail's replay overlaps no training sample.
  chain: { intervalHours: 168 },
  dataset: { samples: 4, probes: 3 },
  validation: { samples: 3, baselines: ['reactive', 'average'], calibrate: { lowHours: [-0.5, 0], confirmations: [1, 3] } },
  workers: 1,
};
const RESULT_FILES = ['reward.log', 'rewards.csv', 'summary.json', 'report.md'];

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('one run per folder', () => {
  it('refuses a second mirage run while another live process holds the folder, before doing any work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-lock-run-'));
    const out = join(dir, 'out');
    await mkdir(out);
    // The parent of this test process stands in for a `mirage run` still working there.
    await writeFile(join(out, RUN_LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedMs: Date.UTC(2026, 0, 2, 3, 4, 5), what: 'mirage run' }));
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify(SMALL));
    const result = await mirage('run', '--config', config, '--out', out);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `mirage run: ${out} is in use by mirage run (pid ${process.ppid} on ${hostname()}, since 2026-01-02 03:04:05 UTC); wait for it to finish, or choose another --out\n`,
    );
    expect(await readdir(out)).toEqual([RUN_LOCK_FILE]);
  });

  it('runs sharing one stages folder at once end complete and identical to a single run', { timeout: 600_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-lock-run-'));
    const shared = join(dir, 'shared-stages');
    await mkdir(shared);
    const outs = [join(dir, 'a'), join(dir, 'b')];
    for (const out of outs) {
      await mkdir(out);
      await symlink(shared, join(out, 'stages'), 'dir');
    }
    const config = parsePipelineConfig(SMALL);
    const alone = join(dir, 'alone');
    await runPipeline(config, { outDir: alone, tracePath: TRACE });
    await Promise.all(outs.map((outDir) => runPipeline(config, { outDir, tracePath: TRACE })));

    for (const out of outs) {
      for (const file of RESULT_FILES) {
        const text = await readFile(join(out, file), 'utf8');
        // report.md names its own folder; every other file is byte-identical.
        expect(file === 'report.md' ? text.replaceAll(out, alone) : text).toBe(await readFile(join(alone, file), 'utf8'));
      }
    }
    // Every stage is finished (marker present), each exactly once; nothing partial or locked is left.
    const stages = (await readdir(shared)).sort();
    expect(stages.filter((s) => /\.(partial|lock)$/.test(s))).toEqual([]);
    expect(stages.map((s) => s.replace(/-[0-9a-f]{12}$/, ''))).toEqual(['calibration', 'dataset', 'report', 'trace', 'training', 'validation']);
    for (const stage of stages) expect(existsSync(join(shared, stage, 'stage.json'))).toBe(true);
  });
});
