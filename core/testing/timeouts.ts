/**
 * Every time-out of the test suite, in one place. Tests wait for states
 * (a stage done, a row shown), never for a time; these limits only say when
 * to give up, and are generous so the suite holds on a loaded 2-core machine
 * (load average above 10). MIRAGE_TEST_TIME_SCALE multiplies them all, for an
 * even slower machine. Speed is measured by `npm run bench`, not by tests.
 */
const scale = Math.max(1, Number(process.env.MIRAGE_TEST_TIME_SCALE ?? '1') || 1);
const s = (ms: number): number => Math.round(ms * scale);

export const TEST_TIMEOUTS = {
  /** One test (vitest's testTimeout). */
  test: s(180_000),
  /** beforeAll/afterAll (starting a server and a browser, stopping them). */
  hook: s(240_000),
  /** expect.poll and a browser's wait for an element or state. */
  wait: s(60_000),
  /** A whole pipeline run (dataset, training, validation) inside a test. */
  pipeline: s(600_000),
  /** `mirage serve` printing its URL after start. */
  serveStart: s(60_000),
} as const;
