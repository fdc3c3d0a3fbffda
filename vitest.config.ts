import { defineConfig } from 'vitest/config';
import { TEST_TIMEOUTS } from './core/testing/timeouts.js';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    // One temp folder for the run, removed at its end (core/testing/temp-root.ts).
    globalSetup: ['core/testing/temp-root.ts'],
    // Generous and in one place (core/testing/timeouts.ts): tests wait for states, not times.
    testTimeout: TEST_TIMEOUTS.test,
    hookTimeout: TEST_TIMEOUTS.hook,
    teardownTimeout: TEST_TIMEOUTS.hook,
    expect: { poll: { timeout: TEST_TIMEOUTS.wait } },
  },
});
