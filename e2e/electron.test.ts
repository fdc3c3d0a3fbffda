import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { TEST_TIMEOUTS } from '../core/testing/timeouts.js';
import { screenshot } from './browser.js';
import { builtForServe, repoRoot } from './serve.js';

/**
 * The desktop app itself, where Electron's binary is installed (it cannot be
 * downloaded on CI here: `node node_modules/electron/install.js` fetches it).
 * Needs a display (Xvfb on a headless Linux).
 */
function electronBinary(): string | null {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const skipReason = !binary
  ? 'the Electron binary is not installed (node node_modules/electron/install.js fetches it)'
  : process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY
    ? 'no display to open a window on (run under xvfb-run)'
    : !builtForServe()
      ? 'the app is not built (npm run build)'
      : null;
if (skipReason) console.warn(`Electron e2e skipped: ${skipReason}`);

describe('desktop app (Electron)', () => {
  it.skipIf(skipReason !== null)('connects the window to the utility process, opens the sample, survives a back-end crash', async () => {
    const app = await _electron.launch({
      executablePath: binary!,
      args: ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: repoRoot,
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('connection-state').filter({ hasText: 'utility process' }).waitFor({ timeout: TEST_TIMEOUTS.wait });
      expect(await page.evaluate(() => typeof (globalThis as unknown as { mirage?: unknown }).mirage)).toBe('object');
      // The sandboxed page has no Node.
      expect(await page.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');

      await page.getByTestId('open-sample').click();
      await page.getByTestId('overview-page').waitFor({ timeout: TEST_TIMEOUTS.wait });
      await expect.poll(() => page.getByTestId('job-count').textContent()).toBe('24,776');
      await screenshot(page, 'electron-01-overview');

      // Kill the utility process: the UI says so, the broker restarts it, the trace is reopened.
      const killed = await app.evaluate(({ app: electronApp }) => {
        const utility = electronApp.getAppMetrics().find((m) => m.type === 'Utility' && m.serviceName === 'Mirage Workbench back end');
        if (utility) process.kill(utility.pid, 'SIGKILL');
        return Boolean(utility);
      });
      expect(killed).toBe(true);
      await page.getByTestId('restart-notice').waitFor({ timeout: TEST_TIMEOUTS.wait });
      await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor({ timeout: TEST_TIMEOUTS.wait });
      await page.getByTestId('overview-page').waitFor();
      await screenshot(page, 'electron-02-after-restart');
    } finally {
      await app.close();
    }
  });
});
