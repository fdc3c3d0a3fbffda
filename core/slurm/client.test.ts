import { describe, expect, it } from 'vitest';
import { CliSlurmClient, parseSbatchParsable } from './client.js';
import type { CommandExec } from './command.js';

/** A fake Slurm install: answers by command line, records every call with its SLURM_TIME_FORMAT. */
function fakeSlurm(answer: (line: string) => { stdout?: string; stderr?: string; code?: number }) {
  const calls: string[] = [];
  const exec: CommandExec = async (command, args, options) => {
    const line = `${command} ${args.join(' ')}`;
    calls.push(`${line} [${options.env.SLURM_TIME_FORMAT}]`);
    const a = answer(line);
    return { stdout: a.stdout ?? '', stderr: a.stderr ?? '', code: a.code ?? 0 };
  };
  return { exec, calls };
}

describe('CliSlurmClient', () => {
  it('asks squeue first and sacct -c for jobs slurmctld has forgotten, when accounting storage is off', async () => {
    const slurm = fakeSlurm((line) => {
      if (line.includes('squeue') && line.includes('-j 11 ')) return { stdout: '11|11|COMPLETED|1:00|1|100|110|150|debug|root|(null)\n' };
      if (line.includes('squeue')) return { stderr: 'slurm_load_jobs error: Invalid job id specified\n', code: 1 };
      if (line.startsWith('sacct -X')) return { stderr: 'Slurm accounting storage is disabled\n', code: 1 };
      if (line.startsWith('sacct -c')) return { stdout: '7|COMPLETED|50|60|90|1|2|gpu\n' };
      throw new Error(`unexpected ${line}`);
    });
    const client = new CliSlurmClient({ exec: slurm.exec, env: {} });
    const jobs = await client.jobs(['7', '11']);
    expect(jobs).toEqual([
      { id: '7', state: 'COMPLETED', submitSec: 50, startSec: 60, endSec: 90, limitMinutes: 1, nodes: 2, partition: 'gpu', comment: '' },
      { id: '11', state: 'COMPLETED', submitSec: 100, startSec: 110, endSec: 150, limitMinutes: 1, nodes: 1, partition: 'debug', comment: '' },
    ]);
    expect(client.accountingSource).toBe('jobcomp');
    // Every command ran with epoch-second times.
    expect(slurm.calls.every((c) => c.endsWith('[%s]'))).toBe(true);
    expect(slurm.calls.filter((c) => c.startsWith('sacct'))).toHaveLength(2);
  });

  it('submits with sbatch --parsable, once, and reads the id', async () => {
    const slurm = fakeSlurm(() => ({ stdout: '1234;cluster\n' }));
    const id = await new CliSlurmClient({ exec: slurm.exec, env: {} }).submit({ script: '/a/next.sbatch', options: ['--comment=x'] });
    expect(id).toBe('1234');
    expect(slurm.calls).toEqual(['sbatch --parsable --comment=x /a/next.sbatch [%s]']);
    expect(() => parseSbatchParsable('sbatch: error: nope')).toThrow('sbatch printed no job id');
  });
});
