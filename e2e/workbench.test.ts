import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TEST_TIMEOUTS } from '../core/testing/timeouts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { launchChromium, paintedPixels, screenshot, serveBrowserSkipReason, stepTimer } from './browser.js';
import type { ServeProcess } from './serve.js';
import { repoRoot, startServe, stopAllServes } from './serve.js';

/**
 * The real UI in Debian's chromium against `mirage serve`: what a cluster user
 * gets over an SSH tunnel, and the same renderer the desktop app loads.
 */

const SAMPLE = join(repoRoot, 'assets/traces/ls6-a100.log');
/** 24,777 data rows, one malformed (line 19,706): 24,776 jobs. */
const SAMPLE_JOBS = '24,776';
const CHARTS = ['utilisation', 'queue', 'submissions', 'wait', 'nodes', 'limits'];

const skipReason = serveBrowserSkipReason();
if (skipReason) console.warn(`e2e skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('workbench in a browser (mirage serve)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const { timings, timed } = stepTimer();

  beforeAll(async () => {
    [serve, browser] = await Promise.all([startServe(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    context.setDefaultTimeout(TEST_TIMEOUTS.wait);
    page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  });

  afterAll(async () => {
    if (timings.length) console.log(`e2e timings: ${timings.join(', ')}`);
    // Stop what the tests started even if closing the browser fails (the servers first: they are the orphans).
    await stopAllServes();
    await browser?.close();
  });

  it('refuses HTTP and WebSocket requests without the token', async () => {
    const plain = await fetch(`${serve.origin}/`);
    expect(plain.status).toBe(403);
    expect(await plain.text()).toMatch(/token/);
    expect((await fetch(`${serve.origin}/?token=0000`)).status).toBe(403);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/api`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    expect(refused).toBe(403);
  });

  it('opens the bundled trace through the file chooser and fills every chart', async () => {
    await timed('start page', async () => {
      await page.goto(serve.url);
      await page.getByTestId('start-page').waitFor();
      await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
      await page.getByTestId('sample-ls6-a100').waitFor();
    });
    await screenshot(page, '01-start-light');

    await timed('open LS6 via file chooser (upload + parse + charts)', async () => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-file').click()]);
      await chooser.setFiles(SAMPLE);
      await page.getByTestId('overview-page').waitFor({ timeout: TEST_TIMEOUTS.wait });
    });
    await expect.poll(() => page.getByTestId('job-count').textContent()).toBe(SAMPLE_JOBS);
    await expect.poll(() => page.getByTestId('trace-chip').textContent()).toContain('ls6-a100.log');
    // The sample's malformed row is reported with its line.
    expect(await page.getByTestId('rejected-notice').textContent()).toContain('line 19,706');

    for (const chart of CHARTS) {
      const canvas = page.getByTestId(`chart-${chart}-canvas`);
      expect(Number(await canvas.getAttribute('data-points')), `${chart} points`).toBeGreaterThan(5);
      expect(Number(await canvas.getAttribute('data-sum')), `${chart} sum`).toBeGreaterThan(0);
      await expect.poll(() => paintedPixels(page, `[data-testid="chart-${chart}-canvas"]`), { message: `${chart} painted` }).toBeGreaterThan(2000);
    }
    await screenshot(page, '02-overview-light');
    await page.locator('main').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await screenshot(page, '02b-overview-histograms-light');
    await page.locator('main').evaluate((el) => (el.scrollTop = 0));

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, '03-overview-dark');
    await page.locator('main').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await screenshot(page, '03b-overview-histograms-dark');
    await page.locator('main').evaluate((el) => (el.scrollTop = 0));
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows the 25k jobs in a virtualised table that sorts and filters', async () => {
    await page.getByTestId('nav-jobs').click();
    const table = page.getByTestId('job-table');
    await expect.poll(() => table.getAttribute('data-rows')).toBe(SAMPLE_JOBS.replace(',', ''));
    // Only the rows in view are in the DOM.
    expect(await table.locator('[role="row"]').count()).toBeLessThan(80);
    await screenshot(page, '04-jobs-light');

    await timed('sort 24,776 jobs by wait (desc)', async () => {
      await page.getByRole('button', { name: /^Wait/ }).click();
      await page.getByRole('button', { name: /^Wait/ }).click();
      await expect.poll(() => table.locator('[role="columnheader"][aria-sort="descending"]').textContent()).toContain('Wait');
    });
    const firstWait = await table.locator('[role="row"][aria-rowindex="2"] [role="cell"]').nth(8).textContent();
    expect(firstWait).toMatch(/ d /); // the longest wait is days

    await timed('filter nodes>=8', async () => {
      await page.getByTestId('job-filter').fill('nodes>=8');
      await expect.poll(() => page.getByTestId('job-table-count').textContent()).toMatch(/of 24,776 jobs/);
    });
    const shown = Number((await table.getAttribute('data-rows')) ?? 0);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(24776);

    await timed('scroll to the end', async () => {
      await page.getByTestId('job-filter').fill('');
      await expect.poll(() => table.getAttribute('data-rows')).toBe('24776');
      await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await expect.poll(() => table.locator(`[role="row"][aria-rowindex="${24776 + 1}"]`).count()).toBe(1);
    });
    await screenshot(page, '05-jobs-scrolled');

    await page.getByTestId('nav-rejected').click();
    await page.getByTestId('rejected-table').waitFor();
    expect(await page.getByTestId('rejected-table').textContent()).toContain('19,706');
    await screenshot(page, '06-rejected');
  });

  it('names the file and line when a malformed file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-e2e-'));
    const bad = join(dir, 'broken-trace.log');
    writeFileSync(
      bad,
      [
        'JobID|JobName|User|Partition|State|Submit|Start|End|Timelimit|NNodes',
        '101|train|alice|gpu|COMPLETED|2023-01-01T00:00:00|yesterday|2023-01-01T02:00:00|02:00:00|1',
        '102|train|alice|gpu|COMPLETED|2023-01-01T00:00:00|2023-01-01T00:10:00|2023-01-01T02:00:00|02:00:00|many',
      ].join('\n') + '\n',
    );
    await page.getByTestId('nav-start').click();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-file').click()]);
    await chooser.setFiles(bad);
    const error = page.getByTestId('open-error');
    await error.waitFor();
    const where = await page.getByTestId('open-error-where').textContent();
    expect(where).toMatch(/broken-trace\.log, line [23]\b/);
    expect(await error.textContent()).toContain('Could not open broken-trace.log');
    await screenshot(page, '07-open-error');
    // The trace opened before is still there.
    expect(await page.getByTestId('trace-chip').textContent()).toContain('ls6-a100.log');
  });

  it('opens a trace dropped on the window', async () => {
    const trace = [
      'JobID|JobName|User|Partition|State|Submit|Start|End|Timelimit|NNodes',
      '201|prep|dana|gpu|COMPLETED|2023-02-01T08:00:00|2023-02-01T08:05:00|2023-02-01T09:00:00|02:00:00|2',
      '202|train|dana|gpu|COMPLETED|2023-02-01T08:30:00|2023-02-01T09:00:00|2023-02-01T12:00:00|04:00:00|4',
    ].join('\n');
    const dataTransfer = await page.evaluateHandle((text) => {
      // Runs in the page; e2e/ itself is type-checked without the DOM library.
      const DataTransferInPage = (globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } }).DataTransfer;
      const dt = new DataTransferInPage();
      dt.items.add(new File([text], 'dropped-sacct.txt', { type: 'text/plain' }));
      return dt;
    }, trace);
    await page.dispatchEvent('main', 'dragenter', { dataTransfer });
    await page.dispatchEvent('main', 'drop', { dataTransfer });
    await page.getByTestId('overview-page').waitFor();
    await expect.poll(() => page.getByTestId('job-count').textContent()).toBe('2');
    expect(await page.getByTestId('trace-chip').textContent()).toContain('dropped-sacct.txt');
  });

  it('shows versions and the TensorFlow.js backend in About', async () => {
    await page.getByRole('button', { name: 'About Mirage Workbench' }).click();
    const about = page.getByTestId('about');
    await about.waitFor();
    expect(await about.textContent()).toMatch(/TensorFlow\.js backend/);
    expect(await about.textContent()).toContain(process.versions.node);
    await screenshot(page, '08-about');
    await page.keyboard.press('Escape');
    await about.waitFor({ state: 'detached' });
  });

  it('opens the bundled sample in one click', async () => {
    await page.getByTestId('nav-start').click();
    await page.getByTestId('start-page').waitFor();
    await timed('open sample by name', async () => {
      await page.getByTestId('open-sample').click();
      await page.getByTestId('overview-page').waitFor();
    });
    await expect.poll(() => page.getByTestId('job-count').textContent()).toBe(SAMPLE_JOBS);
  });
});
