import { describe, expect, it } from 'vitest';
import { decideFromOutput, predecessorEndedDecision } from './decide.js';
import type { DecisionRule } from './decide.js';

const key = { sampleIndex: 3, decision: 7 };

describe('online decisions', () => {
  it('a regressor submits inside the interval, bounds included', () => {
    const rule: DecisionRule = { kind: 'regressor', lowHours: -0.5, highHours: 500 };
    expect([-0.51, -0.5, 0, 499.9, 500, 500.1, Number.NaN].map((p) => decideFromOutput(rule, p, key).submit)).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(decideFromOutput(rule, 1.25, key)).toEqual({ submit: true, expected: 1.25, expectedIsInt: false, streak: 1 });
  });

  it('with confirmations, a regressor submits on the n-th consecutive prediction inside the interval', () => {
    const rule: DecisionRule = { kind: 'regressor', lowHours: -0.5, highHours: 500, confirmations: 3 };
    let streak = 0;
    const submits = [0, 0, -2, 0, 0, 0.1].map((p) => {
      const d = decideFromOutput(rule, p, key, streak);
      streak = d.streak;
      return d.submit;
    });
    // A prediction outside the interval resets the count.
    expect(submits).toEqual([false, false, false, false, false, true]);
  });

  it('a greedy policy submits when submit is the more likely action', () => {
    const rule: DecisionRule = { kind: 'policy', mode: 'greedy', seed: 0 };
    expect([0.2, 0.5, 0.51, 1].map((p) => decideFromOutput(rule, p, key).submit)).toEqual([false, false, true, true]);
    expect(decideFromOutput(rule, 0.9, key)).toEqual({ submit: true, expected: 1, expectedIsInt: true, streak: 0 });
  });

  it('a sampling policy draws from (seed, sample, decision) alone', () => {
    const rule: DecisionRule = { kind: 'policy', mode: 'sample', seed: 42 };
    const draws = (seed: number): boolean[] =>
      Array.from({ length: 400 }, (_, d) => decideFromOutput({ ...rule, seed }, 0.3, { sampleIndex: 1, decision: d }).submit);
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    const share = draws(42).filter(Boolean).length / 400;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    expect(decideFromOutput(rule, 0, key).submit).toBe(false);
    expect(decideFromOutput(rule, 1, key).submit).toBe(true);
  });

  it('submits at once when the predecessor has ended, logging what the reference logs', () => {
    expect(predecessorEndedDecision({ kind: 'regressor', lowHours: -0.5, highHours: 500 })).toEqual({ submit: true, expected: 0, expectedIsInt: false });
    expect(predecessorEndedDecision({ kind: 'policy', mode: 'greedy', seed: 0 })).toEqual({ submit: true, expected: 1, expectedIsInt: false });
  });
});
