import { describe, expect, it } from 'vitest';
import type { CommandExec, CommandResult } from './command.js';
import { SlurmCommandError, runSlurmCommand } from './command.js';

/** An exec that answers with these results in turn, the last one forever. */
function scripted(results: CommandResult[]): { exec: CommandExec } {
  let calls = 0;
  return { exec: async () => results[Math.min(calls++, results.length - 1)] };
}

const DOWN: CommandResult = { stdout: '', stderr: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n', code: 1 };
const OK: CommandResult = { stdout: 'fine\n', stderr: '', code: 0 };

describe('runSlurmCommand', () => {
  it('retries while slurmctld does not answer, doubling the pause', async () => {
    const fake = scripted([DOWN, DOWN, OK]);
    const pauses: number[] = [];
    const out = await runSlurmCommand('squeue', ['-h'], {
      exec: fake.exec,
      retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 150 },
      sleep: async (ms) => void pauses.push(ms),
    });
    expect(out).toBe('fine\n');
    expect(pauses).toEqual([100, 150]);
  });

  it('gives up after the last try with the command and its message', async () => {
    const fake = scripted([DOWN]);
    const error = await runSlurmCommand('squeue', ['-h'], { exec: fake.exec, retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1 }, sleep: async () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlurmCommandError);
    expect((error as SlurmCommandError).transient).toBe(true);
    expect((error as SlurmCommandError).message).toBe('squeue -h: slurm_load_jobs error: Unable to contact slurm controller (connect failure)');
  });

  it('does not retry a command that failed for its own reasons', async () => {
    const fake = scripted([{ stdout: '', stderr: 'sbatch: error: Invalid partition name specified\n', code: 1 }, OK]);
    let pauses = 0;
    const error = await runSlurmCommand('sbatch', ['x.sbatch'], { exec: fake.exec, sleep: async () => void pauses++ }).catch((e: unknown) => e);
    expect((error as SlurmCommandError).transient).toBe(false);
    expect(pauses).toBe(0);
  });
});
