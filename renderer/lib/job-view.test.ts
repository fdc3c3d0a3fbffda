import { describe, expect, it } from 'vitest';
import type { JobColumns } from '../../core/api/trace.js';
import { computeJobView, jobViewCsv, parseQuery } from './job-view.js';
import { formatClockMinutes } from './format.js';

const c: JobColumns = {
  traceId: 't',
  count: 4,
  id: ['10', '11', '12', '13_1'],
  name: ['train', 'eval', 'train,big', 'sweep'],
  user: ['alice', 'bob', 'alice', 'carol'],
  partition: ['gpu', 'gpu', 'gpu', 'cpu'],
  state: ['COMPLETED', '', 'FAILED', ''],
  submitSec: [0, 60, 120, 180],
  startSec: [600, null, 7320, 240],
  endSec: [4200, null, 9000, 300],
  limitMinutes: [120, 60, 2880, null],
  nodes: [1, 8, 16, 2],
  line: [2, 3, 4, 5],
};
const view = (query: string, sortKey: Parameters<typeof computeJobView>[1]['sortKey'] = 'line', sortDir: 'asc' | 'desc' = 'asc') =>
  Array.from(computeJobView(c, { query, sortKey, sortDir }));

describe('job view', () => {
  it('filters by free text, fields and numeric comparisons with units', () => {
    expect(view('')).toEqual([0, 1, 2, 3]);
    expect(view('ALICE')).toEqual([0, 2]);
    expect(view('user:bob')).toEqual([1]);
    expect(view('nodes>=8')).toEqual([1, 2]);
    expect(view('wait>1h')).toEqual([2]); // 7200 s
    expect(view('wait<=10m')).toEqual([0, 3]); // 600 s and 60 s; job 11 never started
    expect(view('limit>=48h')).toEqual([2]);
    expect(view('state:pending')).toEqual([1]);
    expect(view('alice nodes<4')).toEqual([0]);
  });

  it('reports words it cannot read instead of ignoring them', () => {
    expect(parseQuery('nodes>=lots wait>2x hello').errors).toEqual(['nodes>=lots', 'wait>2x']);
  });

  it('sorts numbers, strings and derived columns; nulls last either way; ties in file order', () => {
    expect(view('', 'nodes', 'desc')).toEqual([2, 1, 3, 0]);
    expect(view('', 'user')).toEqual([0, 2, 1, 3]);
    expect(view('', 'waitSec')).toEqual([3, 0, 2, 1]);
    expect(view('', 'waitSec', 'desc')).toEqual([2, 0, 3, 1]);
    expect(view('', 'limitMinutes', 'desc')).toEqual([2, 0, 1, 3]);
  });

  it('exports the rows shown as CSV, quoting where needed', () => {
    const csv = jobViewCsv(c, computeJobView(c, { query: 'alice', sortKey: 'line', sortDir: 'asc' }), (s) => formatClockMinutes(s, true));
    expect(csv.split('\n')).toEqual([
      'line,id,name,user,partition,state,nodes,submit,start,end,wait_sec,run_sec,limit_minutes',
      '2,10,train,alice,gpu,COMPLETED,1,1970-01-01 00:00:00,1970-01-01 00:10:00,1970-01-01 01:10:00,600,3600,120',
      '4,12,"train,big",alice,gpu,FAILED,16,1970-01-01 00:02:00,1970-01-01 02:02:00,1970-01-01 02:30:00,7200,1680,2880',
      '',
    ]);
  });
});
