import { describe, expect, it } from 'vitest';
import type { ClientContext } from '../api/handlers.js';
import type { TraceSummary } from '../api/trace.js';
import type { Job } from '../trace/job.js';
import { OpenTraces } from './open-traces.js';
import { TEST_TIMEOUTS } from '../testing/timeouts.js';

/** A connection whose disconnect the test decides. */
function fakeClient(id: string): ClientContext & { disconnect(): void } {
  const listeners: Array<() => void> = [];
  let closed = false;
  return {
    id,
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    disconnect() {
      closed = true;
      for (const l of listeners.splice(0)) l();
    },
  };
}

/** A held trace of file `sha` (the summary's other fields do not matter to the store). */
function trace(traceId: string, sha: string, jobs: Job[] = []): { summary: TraceSummary; jobs: Job[] } {
  return { summary: { traceId, sha256: sha, format: 'tacc', path: null } as TraceSummary, jobs };
}

const ids = (store: OpenTraces) => store.summaries().map((s) => s.traceId);

describe('OpenTraces', () => {
  it('keeps a trace while any client holds it, and drops it when the last one closes it', () => {
    const store = new OpenTraces();
    const a = fakeClient('a');
    const b = fakeClient('b');
    store.add('t1', trace('t1', 'x'), a);
    store.get('t1', b);
    expect(store.release('t1', a)).toBe(true);
    expect(ids(store)).toEqual(['t1']);
    expect(store.release('t1', a)).toBe(false); // a holds it no more
    expect(store.release('t1', b)).toBe(true);
    expect(store.size).toBe(0);
    expect(() => store.get('t1', a)).toThrow(expect.objectContaining({ code: 'not-found' }) as Error);
  });

  it('releases a client\'s oldest trace when it holds more than perClient (a touch makes one the newest)', () => {
    const store = new OpenTraces({ perClient: 2 });
    const a = fakeClient('a');
    store.add('t1', trace('t1', '1', []), a);
    store.add('t2', trace('t2', '2', []), a);
    store.get('t1', a); // now t2 is the oldest
    store.add('t3', trace('t3', '3', []), a);
    expect(ids(store)).toEqual(['t1', 't3']);
    // Calls without a client are one local user under the same limit: the newest two stay.
    store.add('l1', trace('l1', '4', []));
    store.add('l2', trace('l2', '5', []));
    store.add('l3', trace('l3', '6', []));
    expect(ids(store)).toEqual(['t1', 't3', 'l2', 'l3']);
  });

  it('keeps a disconnected client\'s traces for the grace period, then drops those nobody else holds', async () => {
    const store = new OpenTraces({ graceMs: 50 });
    const a = fakeClient('a');
    const b = fakeClient('b');
    store.add('shared', trace('shared', 's', []), a);
    store.add('own', trace('own', 'o', []), a);
    store.add('marker', trace('marker', 'm', []), a);
    store.get('shared', b);
    a.disconnect();
    // Nothing goes at the disconnect; a reloaded page (a new connection) re-attaches by asking for its trace.
    expect(ids(store)).toEqual(['shared', 'own', 'marker']);
    const reloaded = fakeClient('a-reloaded');
    store.get('own', reloaded);
    // The marker, held by a alone, goes when a's grace ends; the traces others hold stay.
    await expect.poll(() => ids(store), { timeout: TEST_TIMEOUTS.wait }).toEqual(['shared', 'own']);
    b.disconnect();
    reloaded.disconnect();
    await expect.poll(() => store.size, { timeout: TEST_TIMEOUTS.wait }).toBe(0);
  });

  it('counts traces of one file as one parse, and finds the jobs to share', () => {
    const store = new OpenTraces();
    const jobs: Job[] = [];
    store.add('t1', trace('t1', 'x', jobs), fakeClient('a'));
    expect(store.sameFile('x', 'tacc')).toBe(jobs);
    expect(store.sameFile('x', 'swf')).toBeUndefined();
    store.add('t2', trace('t2', 'x', jobs), fakeClient('b'));
    expect([store.size, store.parsed]).toEqual([2, 1]);
  });

  it('past maxParsed drops the oldest parse only disconnected clients hold, and refuses when connected pages hold them all', () => {
    const store = new OpenTraces({ maxParsed: 2, graceMs: 60_000 });
    const a = fakeClient('a');
    const b = fakeClient('b');
    const c = fakeClient('c');
    store.add('t1', trace('t1', '1', []), a);
    store.add('t2', trace('t2', '2', []), b);
    expect(() => store.checkRoom()).toThrow(/holds 2 traces that open pages are using/);
    expect(() => store.add('t3', trace('t3', '3', []), c)).toThrow(expect.objectContaining({ code: 'conflict' }) as Error);
    expect(ids(store)).toEqual(['t1', 't2']);
    // Once a has gone, its parse (held only for its grace) makes room; b's, in use, stays.
    const jobs: Job[] = [];
    a.disconnect();
    store.add('t4', trace('t4', '4', jobs), c);
    expect(ids(store)).toEqual(['t2', 't4']);
    expect(() => store.checkRoom()).toThrow(/holds 2 traces/);
    // A trace sharing a held parse (the same file again) needs no room.
    store.add('t5', trace('t5', '4', jobs), b);
    expect(ids(store)).toEqual(['t2', 't4', 't5']);
  });

  it('refuses limits that are not whole positive numbers', () => {
    expect(() => new OpenTraces({ perClient: 0 })).toThrow(RangeError);
    expect(() => new OpenTraces({ maxParsed: 1.5 })).toThrow(RangeError);
    expect(() => new OpenTraces({ graceMs: -1 })).toThrow(RangeError);
  });
});
