import { describe, expect, it } from 'vitest';
import { formatSlurmLimit, parseSlurmLimit } from './limits.js';

const minutes = (text: string): number | null => {
  const v = parseSlurmLimit(text);
  return v?.kind === 'minutes' ? v.minutes : null;
};

describe('Slurm time limits', () => {
  it('reads every form Slurm prints or accepts', () => {
    expect(minutes('2880')).toBe(2880); // TACC TimelimitR, sacct TimelimitRaw: minutes
    expect(minutes('30')).toBe(30);
    expect(minutes('02:00:00')).toBe(120);
    expect(minutes('1-00:00:00')).toBe(1440);
    expect(minutes('2-12:30:00')).toBe(2 * 1440 + 12 * 60 + 30);
    expect(minutes('1-12')).toBe(36 * 60); // days-hours
    expect(minutes('1-12:05')).toBe(36 * 60 + 5); // days-hours:minutes
    expect(minutes('45:30')).toBe(46); // minutes:seconds, seconds round up as in Slurm
    expect(minutes('00:00:01')).toBe(1);
  });

  it('tells unlimited, partition and unknown limits apart from errors', () => {
    expect(parseSlurmLimit('UNLIMITED')).toEqual({ kind: 'unlimited' });
    expect(parseSlurmLimit('INFINITE')).toEqual({ kind: 'unlimited' });
    expect(parseSlurmLimit('Partition_Limit')).toEqual({ kind: 'partition' });
    expect(parseSlurmLimit('INVALID')).toEqual({ kind: 'unknown' });
    for (const bad of ['forever', '', '1:2:3:4', '10:75', '1-2:3:99', '-5']) expect(parseSlurmLimit(bad), bad).toBeNull();
  });

  it('formats as sacct does', () => {
    expect(formatSlurmLimit(2880)).toBe('2-00:00:00');
    expect(formatSlurmLimit(90)).toBe('01:30:00');
    expect(formatSlurmLimit(null)).toBe('UNLIMITED');
    for (const m of [1, 59, 60, 1439, 1440, 2881]) expect(minutes(formatSlurmLimit(m))).toBe(m);
  });
});
