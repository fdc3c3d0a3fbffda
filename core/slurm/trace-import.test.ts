import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClock } from '../trace/clock.js';
import { parseTraceText } from '../trace/load.js';
import { readJobcomp, SACCT_TRACE_FIELDS, shapeSacctText } from './trace-import.js';

// `sacct -c --parsable2 -X` as Slurm 22.05 prints it without slurmdbd: Submit = Start, raw ids for array tasks.
const SACCT = [
  'JobID|JobIDRaw|JobName|User|Partition|State|Submit|Start|End|TimelimitRaw|NNodes|Priority',
  '1|1|early|root(0)|debug|COMPLETED|2026-11-29T10:00:00|2026-11-29T10:00:00|2026-11-29T10:00:05|1|4|',
  '5|5|wrap|root(0)|debug|COMPLETED|2026-11-29T16:33:20|2026-11-29T16:33:20|2026-11-29T16:33:23|1|1|',
  '3|3|wrap|root(0)|gpu|COMPLETED|2026-11-29T16:33:20|2026-11-29T16:33:20|2026-11-29T16:33:25|2|4|',
  '9|9|a|b|c|debug|COMPLETED|2026-11-29T16:40:00|2026-11-29T16:40:00|2026-11-29T16:40:01|1|1|',
  '',
].join('\n');

// The job-completion log those rows came from (jobcomp/filetxt), one job a line.
const JOBCOMP = [
  'JobId=5 UserId=root(0) GroupId=root(0) Name=wrap JobState=COMPLETED Partition=debug TimeLimit=1 StartTime=2026-11-29T16:33:20 EndTime=2026-11-29T16:33:23 NodeList=node2 NodeCnt=1 ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1,mem=1000M,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-29T16:33:19 EligibleTime=2026-11-29T16:33:20 ArrayJobId=4 ArrayTaskId=1 DerivedExitCode=0:0 ExitCode=0:0 ',
  'JobId=3 UserId=root(0) GroupId=root(0) Name=wrap JobState=COMPLETED Partition=gpu TimeLimit=2 StartTime=2026-11-29T16:33:20 EndTime=2026-11-29T16:33:25 NodeList=node[1-4] NodeCnt=4 ProcCnt=4 WorkDir=/tmp ReservationName= Tres=cpu=4 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-29T16:33:10 EligibleTime=2026-11-29T16:33:10 DerivedExitCode=0:0 ExitCode=0:0 ',
  '',
].join('\n');

const window = { sinceSec: parseClock('2026-11-29T16:00:00'), untilSec: parseClock('2026-11-29T17:00:00') };

describe('shapeSacctText', () => {
  it('keeps the window, restores submit times and array task ids, and leaves broken rows for the loader to report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirage-jobcomp-'));
    try {
      await writeFile(join(dir, 'jobcomp.txt'), JOBCOMP);
      const facts = await readJobcomp(join(dir, 'jobcomp.txt'));
      expect(facts.get('5')).toEqual({ submit: '2026-11-29T16:33:19', arrayId: '4_1' });
      expect(facts.get('3')).toEqual({ submit: '2026-11-29T16:33:10', arrayId: null });

      const shaped = shapeSacctText(SACCT, window, facts);
      expect(shaped).toMatchObject({ rows: 4, dropped: 1, restored: 2 });
      const trace = parseTraceText(shaped.text, 'imported.sacct');
      expect(trace.jobs.map((j) => [j.id, j.submitSec, j.startSec, j.nodes, j.limitMinutes])).toEqual([
        ['4_1', parseClock('2026-11-29T16:33:19'), parseClock('2026-11-29T16:33:20'), 1, 1],
        ['3', parseClock('2026-11-29T16:33:10'), parseClock('2026-11-29T16:33:20'), 4, 2],
      ]);
      // A job name holding the separator: kept, and reported with its line.
      expect(trace.rejected.map((r) => r.line)).toEqual([4]);
      expect(trace.rejected[0].reason).toMatch(/^13 fields where the header has 12/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('filters by partition, and leaves times alone without a job-completion log', () => {
    const shaped = shapeSacctText(SACCT, { ...window, partition: 'gpu' }, null);
    const trace = parseTraceText(shaped.text, 'imported.sacct');
    expect(trace.jobs.map((j) => [j.id, j.submitSec === j.startSec])).toEqual([['3', true]]);
    expect(shaped.restored).toBe(0);
  });

  it('asks sacct for AllocTRES and keeps the GPUs each job held', () => {
    expect(SACCT_TRACE_FIELDS).toContain('AllocTRES');
    const text = [
      SACCT_TRACE_FIELDS.join('|'),
      '7|7|train|alice|gpu|COMPLETED|2026-11-29T16:10:00|2026-11-29T16:12:00|2026-11-29T16:40:00|60|1||billing=8,cpu=8,gres/gpu=2,gres/gpu:a100=2,mem=64G,node=1',
      '8|8|prep|bob|gpu|COMPLETED|2026-11-29T16:11:00|2026-11-29T16:11:00|2026-11-29T16:20:00|60|1||billing=2,cpu=2,mem=8G,node=1',
      // sacct -c (no slurmdbd) may leave the TRES empty: no GPU count, so `--unit gpus` leaves such jobs out, saying why.
      '9|9|wrap|root(0)|gpu|COMPLETED|2026-11-29T16:12:00|2026-11-29T16:12:00|2026-11-29T16:13:00|1|1||',
      '',
    ].join('\n');
    const trace = parseTraceText(shapeSacctText(text, window, null).text, 'imported.sacct');
    expect(trace.jobs.map((j) => [j.id, j.gpus])).toEqual([['7', 2], ['8', 0], ['9', undefined]]);
  });
});
