import { describe, expect, it } from 'vitest';
import { HeavyWork } from './heavy.js';

const later = () => {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

describe('heavy work', () => {
  it('does the work once for everyone asking for the same key while it runs', async () => {
    const heavy = new HeavyWork(2, 4);
    let calls = 0;
    const gate = later();
    const work = () => {
      calls++;
      return gate.promise;
    };
    const results = Array.from({ length: 200 }, (_, i) => heavy.run('trace:a', `client-${i % 20}`, work));
    expect(heavy.size).toBe(1);
    gate.resolve('parsed');
    expect(await Promise.all(results)).toEqual(Array(200).fill('parsed'));
    expect(calls).toBe(1);
    expect(heavy.size).toBe(0);
    // Finished work is not kept: the next request parses again (callers keep their own caches).
    await expect(heavy.run('trace:a', 'client-0', async () => 'again')).resolves.toBe('again');
  });

  it('runs at most `concurrency` jobs at once, the rest in order', async () => {
    const heavy = new HeavyWork(2, 10);
    let running = 0;
    let most = 0;
    const gates = Array.from({ length: 5 }, later);
    const started: number[] = [];
    const jobs = gates.map((g, i) =>
      heavy.run(`k${i}`, 'c', async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        const v = await g.promise;
        running--;
        return v;
      }),
    );
    await expect.poll(() => started).toEqual([0, 1]);
    for (const [i, g] of gates.entries()) g.resolve(`v${i}`);
    expect(await Promise.all(jobs)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('refuses a client past its own limit, counting a job until it ends even if the client stopped waiting', async () => {
    const heavy = new HeavyWork(1, 2);
    const gate = later();
    const abort = new AbortController();
    const first = heavy.run('k1', 'greedy', () => gate.promise, abort.signal);
    const second = heavy.run('k2', 'greedy', () => gate.promise);
    expect(() => heavy.run('k3', 'greedy', () => gate.promise)).toThrow(/too many traces being read for this client at once \(at most 2\)/);
    // Others are not affected by one client's limit.
    const other = heavy.run('k4', 'polite', () => gate.promise);
    abort.abort(new DOMException('cancelled', 'AbortError'));
    await expect(first).rejects.toThrow(/cancelled/);
    expect(() => heavy.run('k3', 'greedy', () => gate.promise)).toThrow(/at most 2/);
    gate.resolve('done');
    expect(await second).toBe('done');
    expect(await other).toBe('done');
    await expect(heavy.run('k3', 'greedy', async () => 'now')).resolves.toBe('now');
  });
});
