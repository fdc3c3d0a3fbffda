import { describe, expect, it } from 'vitest';
import type { RunInfo } from '../../core/api/experiment.js';
import { diffConfigs } from './config-diff.js';
import { matchesQuery, parseTags, sortRuns } from './runs-view.js';

const run = (id: string, createdMs: number, extra: Partial<RunInfo> = {}): RunInfo => ({
  id,
  name: id.split('-').pop()!,
  origin: 'app',
  createdMs,
  updatedMs: createdMs,
  finishedMs: null,
  state: 'done',
  error: null,
  stages: [],
  traceName: 'ls6-a100.log',
  backend: null,
  training: null,
  metrics: null,
  resumable: false,
  ...extra,
});

const metrics = (model: number, reactive: number): RunInfo['metrics'] => [
  { policy: 'model-x', n: 12, meanAbsRewardHours: model, meanInterruptionHours: 0, meanOverlapHours: 0, zeroInterruptionShare: 1 },
  { policy: 'reactive', n: 12, meanAbsRewardHours: reactive, meanInterruptionHours: 0, meanOverlapHours: 0, zeroInterruptionShare: 1 },
];

describe('the runs table', () => {
  const runs = [
    run('1-quick', 1, { tags: ['baseline check'], note: 'first try', metrics: metrics(0.9, 0.9) }),
    run('2-paper', 2, { tags: ['paper'], metrics: metrics(0.39, 0.45) }),
    run('3-wide', 3, { state: 'running' }),
  ];

  it('filters by every word in name, id, tags, note and state; tag:NAME matches a tag exactly', () => {
    const ids = (q: string) => runs.filter((r) => matchesQuery(r, q)).map((r) => r.id);
    expect(ids('')).toEqual(['1-quick', '2-paper', '3-wide']);
    expect(ids('PAPER')).toEqual(['2-paper']);
    expect(ids('first')).toEqual(['1-quick']);
    expect(ids('running')).toEqual(['3-wide']);
    expect(ids('tag:paper')).toEqual(['2-paper']);
    expect(ids('tag:pap')).toEqual([]);
    expect(ids('ls6 quick')).toEqual(['1-quick']);
  });

  it('sorts by a column both ways, runs without the value last, ties newest first', () => {
    const order = (key: Parameters<typeof sortRuns>[1]['key'], descending: boolean) => sortRuns(runs, { key, descending }).map((r) => r.id);
    expect(order('started', true)).toEqual(['3-wide', '2-paper', '1-quick']);
    expect(order('model', false)).toEqual(['2-paper', '1-quick', '3-wide']);
    expect(order('model', true)).toEqual(['1-quick', '2-paper', '3-wide']);
    expect(order('name', false)).toEqual(['2-paper', '1-quick', '3-wide']);
  });

  it('reads tags from a comma list', () => {
    expect(parseTags(' a, b ,, a,c d ')).toEqual(['a', 'b', 'c d']);
  });
});

describe('config diff', () => {
  it('lists every leaf of both, marking the ones that differ or that one leaves out', () => {
    const rows = diffConfigs(
      { name: 'a', training: { model: 'default', epochs: 5 }, validation: { baselines: ['reactive'] } },
      { name: 'b', training: { model: 'wait-linear' }, validation: { baselines: ['reactive'] } },
    );
    expect(rows).toEqual([
      { path: 'name', a: '"a"', b: '"b"', differs: true },
      { path: 'training.epochs', a: '5', b: null, differs: true },
      { path: 'training.model', a: '"default"', b: '"wait-linear"', differs: true },
      { path: 'validation.baselines', a: '["reactive"]', b: '["reactive"]', differs: false },
    ]);
  });
});
