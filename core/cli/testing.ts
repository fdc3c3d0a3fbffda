import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { buildProgram, main } from './main.js';

/** Helpers the CLI tests share, and the host tests that check the workbench against the CLI. */

/**
 * Runs `mirage ...args` in this process; returns what it printed and its exit
 * status. Argument errors throw (commander's exit is overridden) instead of
 * ending the test process.
 */
export async function mirage(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += parts.join(' ') + '\n'));
  try {
    const program = buildProgram().exitOverride();
    for (const command of program.commands) command.exitOverride();
    await program.parseAsync(['node', 'mirage', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}

/** `mirage run --config FILE --out DIR` in this process, as a user would type it; returns reward.log's text. */
export async function runCli(configText: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mirage-cli-'));
  const configPath = join(dir, 'experiment.json');
  await writeFile(configPath, configText);
  const out = join(dir, 'out');
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  // The CLI's JSON progress lines are not this test's business.
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const exitCode = process.exitCode;
  try {
    await main(['node', 'mirage', 'run', '--config', configPath, '--out', out, '--json']);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  if ((process.exitCode ?? 0) !== 0) {
    process.exitCode = exitCode;
    throw new Error('mirage run failed');
  }
  return readFile(join(out, 'reward.log'), 'utf8');
}
