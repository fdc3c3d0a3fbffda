import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute } from './route.js';

describe('page routes', () => {
  it('round-trips every kind of page', () => {
    for (const hash of ['#/start', '#/overview?sample=ls6-a100', '#/jobs?sample=ls6-a100', '#/runs', '#/run/20261130-101500-quick', '#/compare/a-1,b.2', '#/experiment']) {
      expect(formatRoute(parseRoute(hash))).toBe(hash);
    }
  });

  it('reads what a user may type or an old link holds', () => {
    expect(parseRoute('')).toEqual({ page: 'start', runId: null, compare: [], sample: null });
    expect(parseRoute('#')).toMatchObject({ page: 'start' });
    expect(parseRoute('#/nowhere')).toMatchObject({ page: 'start' });
    expect(parseRoute('#/run')).toEqual({ page: 'run', runId: null, compare: [], sample: null });
    expect(parseRoute('#/compare/x,x,y')).toMatchObject({ compare: ['x', 'y'] });
  });

  it('drops ids that are not run ids (no path tricks reach the back end)', () => {
    expect(parseRoute('#/run/..%2F..%2Fetc')).toMatchObject({ page: 'run', runId: null });
    expect(parseRoute('#/compare/ok,../x,%E0%A4%A')).toMatchObject({ compare: ['ok'] });
    expect(parseRoute('#/overview?sample=../../x')).toMatchObject({ sample: null });
    expect(parseRoute(`#/compare/${Array.from({ length: 12 }, (_, i) => `r${i}`).join(',')}`).compare).toHaveLength(8);
  });

  it('keeps the sample only on trace pages', () => {
    expect(formatRoute({ page: 'runs', runId: null, compare: [], sample: 'ls6-a100' })).toBe('#/runs');
  });
});
