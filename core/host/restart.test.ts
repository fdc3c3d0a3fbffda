import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart.js';

describe('restarting a crashed back end', () => {
  it('backs off while it keeps crashing, and starts over after a minute of health', () => {
    const backoff = new RestartBackoff();
    expect([1, 2, 3, 4, 5].map(() => backoff.crashed(100))).toEqual([250, 1000, 3000, 10_000, 10_000]);
    expect(backoff.crashed(60_001)).toBe(250);
    expect(backoff.crashed(60_000)).toBe(1000);
  });
});
