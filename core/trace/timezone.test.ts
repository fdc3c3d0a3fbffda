import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { traceDigest } from './testdata/tz-probe.js';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./testdata/tz-probe.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

async function digestUnder(tz: string): Promise<{ tz: string; hostOffsetMinutes: number; digest: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], { cwd: root, env: { ...process.env, TZ: tz } });
  return JSON.parse(stdout);
}

describe('traces read the same in every host time zone', () => {
  it('gives identical jobs, rejections, statistics and SWF under Asia/Kolkata and America/Los_Angeles', async () => {
    const [kolkata, losAngeles] = await Promise.all([digestUnder('Asia/Kolkata'), digestUnder('America/Los_Angeles')]);
    expect([kolkata.hostOffsetMinutes, losAngeles.hostOffsetMinutes]).toEqual([-330, 480]);
    expect(kolkata.digest).toBe(losAngeles.digest);
    expect(kolkata.digest).toBe(await traceDigest());
  });
});
