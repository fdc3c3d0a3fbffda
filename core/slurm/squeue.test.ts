import { describe, expect, it } from 'vitest';
import { parseSqueue } from './squeue.js';

// squeue -h -r -o SQUEUE_FORMAT with SLURM_TIME_FORMAT=%s, as Slurm 22.05 prints it.
const OUTPUT = [
  '2|2|RUNNING|1:00|1|1795969999|1795970000|1795970060|debug|root|(null)',
  '4_1|5|RUNNING|1-00:00:00|4|1795969999|1795970000|1795970060|debug|root|mirage-chain:abc123ef:1',
  '7|7|PENDING|UNLIMITED|2|1795969990|N/A|N/A|gpu|alice|a|comment|with pipes',
  '',
].join('\n');

describe('parseSqueue', () => {
  it('reads running, array-task and pending jobs', () => {
    const jobs = parseSqueue(OUTPUT);
    expect(jobs).toEqual([
      { id: '2', jobIdRaw: '2', state: 'RUNNING', limitMinutes: 1, nodes: 1, submitSec: 1795969999, startSec: 1795970000, endSec: 1795970060, partition: 'debug', user: 'root', comment: '(null)' },
      { id: '4_1', jobIdRaw: '5', state: 'RUNNING', limitMinutes: 1440, nodes: 4, submitSec: 1795969999, startSec: 1795970000, endSec: 1795970060, partition: 'debug', user: 'root', comment: 'mirage-chain:abc123ef:1' },
      { id: '7', jobIdRaw: '7', state: 'PENDING', limitMinutes: null, nodes: 2, submitSec: 1795969990, startSec: null, endSec: null, partition: 'gpu', user: 'alice', comment: 'a|comment|with pipes' },
    ]);
  });

  it('names the line and the job when a field is wrong', () => {
    expect(() => parseSqueue('3|3|RUNNING|1:00|1|2026-11-29T16:33:19|1795970000|1795970060|debug|root|', 'squeue')).toThrow(
      /squeue line 1 \(job 3\): submit time '2026-11-29T16:33:19' is not epoch seconds/,
    );
    expect(() => parseSqueue('3|3|RUNNING', 'squeue')).toThrow(/line 1: expected 11/);
    expect(() => parseSqueue('3|3|RUNNING|soon|1|1|1|1|debug|root|', 'squeue')).toThrow(/time limit 'soon'/);
  });
});
