import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, formatClock, parseClock, tryParseClock } from './clock.js';

describe('cluster clock', () => {
  it('encodes wall-clock times as if UTC, whatever the host zone', () => {
    expect(parseClock('2023-03-01T00:00:00')).toBe(Date.UTC(2023, 2, 1) / 1000);
    expect(parseClock('2022-10-05T11:52:48')).toBe(Date.UTC(2022, 9, 5, 11, 52, 48) / 1000);
    expect(parseClock('1970-01-01T00:00:00')).toBe(0);
    expect(parseClock('1969-12-31T23:59:59')).toBe(-1);
  });

  it('accepts a space for T and a bare date as midnight', () => {
    expect(parseClock('2023-03-01 12:30:00')).toBe(parseClock('2023-03-01T12:30:00'));
    expect(parseClock('2023-03-01')).toBe(parseClock('2023-03-01T00:00:00'));
  });

  it('rejects impossible and malformed times', () => {
    for (const bad of ['2023-02-29T00:00:00', '2023-13-01T00:00:00', '2023-03-01T24:00:00', '2023-03-01T12:60:00', '810653', '', 'Unknown', '2023-3-1T00:00:00', '2023-03-01T12:00']) {
      expect(tryParseClock(bad), bad).toBeNull();
    }
    expect(tryParseClock('2024-02-29T00:00:00')).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(() => parseClock('soon')).toThrow(/not a cluster time: 'soon'/);
  });

  it('formats back exactly, with either separator', () => {
    expect(formatClock(parseClock('2023-03-31T23:59:38'))).toBe('2023-03-31T23:59:38');
    expect(formatClock(Date.UTC(2077, 0, 1, 1) / 1000, ' ')).toBe('2077-01-01 01:00:00');
    expect(formatClock(-1)).toBe('1969-12-31T23:59:59');
  });

  it('agrees with Date.UTC over four centuries of days', () => {
    for (let days = -200_000; days < 200_000; days += 997) {
      const d = new Date(days * 86_400_000);
      expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
      expect(civilFromDays(days)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    }
  });
});
