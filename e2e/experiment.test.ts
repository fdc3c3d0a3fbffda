import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { TEST_TIMEOUTS } from '../core/testing/timeouts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRewardLog } from '../core/validate/reward-log.js';
import { launchChromium, paintedPixels, screenshot, serveBrowserSkipReason, stepTimer } from './browser.js';
import type { ServeProcess } from './serve.js';
import { repoRoot, runMirage, startServe, stopAllServes } from './serve.js';

/**
 * The experiment workflow in the real UI against `mirage serve` (browser
 * mode): the quick preset on the bundled trace, run it and watch the loss
 * curve grow, compare with the baselines, replay a sample, export reward.log
 * and check it against `mirage run --config` with the config the form saved;
 * then cancel a run midway and see the UI recover.
 */

/** The bundled quick preset, as the form must show it. */
const QUICK = JSON.parse(readFileSync(`${repoRoot}assets/presets/quick.json`, 'utf8')) as { dataset: { start: string; samples: number }; validation: { start: string; samples: number } };
/**
 * The preset made into a small neural experiment, to watch a loss curve grow
 * (a few seconds of training on 2 cores): the neural default model, enough
 * epochs, fewer samples.
 */
const EPOCHS = '25';
const TRAINING_SAMPLES = 96;
const VALIDATION_SAMPLES = 12;

const skipReason = serveBrowserSkipReason();
if (skipReason) console.warn(`e2e skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('experiments in a browser (mirage serve)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let runsDir: string;
  let savedConfig = '';
  let exportedRewardLog = '';
  const { timings, timed } = stepTimer();
  const downloadText = async (download: Download): Promise<string> => readFileSync((await download.path())!, 'utf8');
  const field = (path: string) => page.locator(`[data-field="${path}"] input, [data-field="${path}"] select`).first();

  beforeAll(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'mirage-e2e-runs-'));
    [serve, browser] = await Promise.all([startServe(['--runs-dir', runsDir]), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', acceptDownloads: true });
    context.setDefaultTimeout(TEST_TIMEOUTS.wait);
    page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  });

  afterAll(async () => {
    if (timings.length) console.log(`e2e experiment timings: ${timings.join(', ')}`);
    // Stop what the tests started even if closing the browser fails (the servers first: they are the orphans).
    await stopAllServes();
    await browser?.close();
  });

  it('configures the quick preset on the bundled trace, with the windows on the trace and errors inline', async () => {
    await page.goto(serve.url);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('nav-experiment').click();
    await page.getByTestId('experiment-page').waitFor();
    await page.getByTestId('preset-quick').click();
    await expect.poll(() => page.getByTestId('config-source').textContent()).toBe('preset quick');
    expect(await field('dataset.samples').inputValue()).toBe(String(QUICK.dataset.samples));
    expect(await field('validation.samples').inputValue()).toBe(String(QUICK.validation.samples));
    // The trace's time range and both windows, drawn on its load.
    await expect.poll(() => page.getByTestId('trace-span').textContent(), { timeout: TEST_TIMEOUTS.wait }).toBe('2022-10-05 → 2023-03-31');
    // The run keeps the training samples whose replay ends before the validation period: the legend says how many of them.
    expect(await page.getByTestId('window-training').textContent()).toMatch(new RegExp(`^.*${QUICK.dataset.start.slice(0, 10)} → \\d{4}-\\d\\d-\\d\\d · \\d+ of ${QUICK.dataset.samples} samples`));
    expect(await page.getByTestId('window-validation').textContent()).toMatch(new RegExp(`^.*${QUICK.validation.start.slice(0, 10)} → \\d{4}-\\d\\d-\\d\\d · ${QUICK.validation.samples} samples`));
    // A small neural experiment from it: the loss curve to watch.
    await field('training.model').selectOption('default');
    await field('validation.samples').fill(String(VALIDATION_SAMPLES));
    await field('dataset.samples').fill(String(TRAINING_SAMPLES));
    expect(await page.getByTestId('config-source').textContent()).toBe('preset quick, edited');
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-windows-canvas"]')).toBeGreaterThan(2000);
    // Help text is the schema's description.
    expect(await page.locator('[data-field="chain.jobNodes"] .form-help').textContent()).toMatch(/Nodes of each job of the service chain/);

    // A bad value is refused inline, with zod's message, and blocks Run.
    await field('dataset.samples').fill('0');
    await page.getByTestId('issue-dataset.samples').waitFor();
    expect(await page.getByTestId('run-experiment').isDisabled()).toBe(true);
    expect(await page.getByTestId('config-validity').textContent()).toBe('1 problem to fix');
    await page.getByTestId('issue-dataset.samples').scrollIntoViewIfNeeded();
    await screenshot(page, '10-experiment-invalid');
    await field('dataset.samples').fill(String(TRAINING_SAMPLES));
    await page.getByTestId('issue-dataset.samples').waitFor({ state: 'detached' });
    await field('training.epochs').fill(EPOCHS);
    expect(await page.getByTestId('config-validity').textContent()).toBe('valid config');
    await page.locator('main').evaluate((el) => (el.scrollTop = 0));
    await screenshot(page, '11-experiment-quick');

    // Save: the same JSON file the CLI reads.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-config').click()]);
    expect(download.suggestedFilename()).toBe('quick.json');
    savedConfig = await downloadText(download);
    const config = JSON.parse(savedConfig) as { name: string; dataset: { samples: number }; training: { epochs: number }; trace: { path: string } };
    expect(config).toMatchObject({
      name: 'quick',
      dataset: { samples: TRAINING_SAMPLES },
      training: { model: 'default', epochs: Number(EPOCHS) },
      validation: { samples: VALIDATION_SAMPLES },
      trace: { path: 'assets/traces/ls6-a100.log' },
    });
  });

  it('runs the pipeline: stage progress, the loss curve growing while training runs, the backend shown', async () => {
    await page.getByTestId('run-experiment').click();
    await page.getByTestId('run-page').waitFor();
    const chart = page.getByTestId('loss-chart');
    const points = async () => Number(await chart.getAttribute('data-points'));
    const trainingState = () => page.getByTestId('stage-training').getAttribute('data-state');
    await timed(`dataset (${TRAINING_SAMPLES} samples x 7 probes)`, () => expect.poll(trainingState, { timeout: TEST_TIMEOUTS.pipeline, interval: 50 }).toBe('running'));
    // Points arrive while training runs, in several updates; a zoom chosen meanwhile stays put as more come.
    const seen = new Set<number>();
    const zoom: { window: string; atPoints: number; after: string | null; chosen: string | null } = { window: '', atPoints: 0, after: null, chosen: null };
    await timed('training (watched)', async () => {
      while ((await trainingState()) === 'running') {
        const n = await points();
        if (n > 0) seen.add(n);
        if (seen.size === 3) await screenshot(page, '12-run-training');
        if (!zoom.window && n >= 15) {
          const box = (await chart.boundingBox())!;
          await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
          await page.mouse.wheel(0, -400);
          await expect.poll(() => chart.getAttribute('data-zoomed')).toMatch(/^\d+-\d+$/);
          zoom.window = (await chart.getAttribute('data-zoomed'))!;
          zoom.atPoints = n;
        }
        if (zoom.window && zoom.after === null && n >= zoom.atPoints + 6) {
          // The zoom the user holds now (a wheel gesture may end in a second, throttled zoom event) and the steps
          // the chart shows: the same, although points arrived since.
          [zoom.chosen, zoom.after] = await Promise.all([chart.getAttribute('data-zoomed'), chart.getAttribute('data-window')]);
          await screenshot(page, '12b-run-training-zoomed');
        }
        await page.waitForTimeout(100);
      }
    });
    expect(seen.size, `loss chart sizes seen while training: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(zoom.chosen, `a zoom chosen (first read ${zoom.window})`).toMatch(/^\d+-\d+$/);
    expect(zoom.after, `the zoom to steps ${zoom.chosen} kept while points arrived`).toBe(zoom.chosen);
    expect(await page.getByTestId('tfjs-backend').textContent()).toMatch(/wasm|tensorflow|cpu|webgpu/);
    // CI builds the native step (MIRAGE_REQUIRE_NATIVE=1): the default model's steps ran there, and the page says so.
    if (process.env.MIRAGE_REQUIRE_NATIVE === '1') expect(await page.getByTestId('tfjs-backend').textContent()).toMatch(/\+ native$/);
    await timed('validation + report', () => expect.poll(() => page.getByTestId('run-state').getAttribute('data-state'), { timeout: TEST_TIMEOUTS.pipeline }).toBe('done'));
    // Every epoch drawn (early stopping may end training before the last).
    const epochs = Number(await chart.getAttribute('data-epochs'));
    expect(epochs).toBeGreaterThanOrEqual(10);
    expect(await page.getByTestId('kpi-epoch').textContent()).toContain(`${epochs} / ${EPOCHS}`);
    await expect.poll(() => paintedPixels(page, '[data-testid="loss-chart"]')).toBeGreaterThan(2000);
    await page.getByTestId('run-results').waitFor();
    expect(await page.getByTestId('headline-table').textContent()).toContain('model-default');
    await screenshot(page, '13-run-done');
    await page.getByTestId('smoothing').fill('0.9');
    await page.getByTestId('log-scale').check();
    await page.waitForTimeout(200);
    await screenshot(page, '13b-run-done-log-smoothed');
  });

  it('compares the model with the reactive and average baselines, and replays a sample', async () => {
    await page.getByTestId('open-compare').click();
    await page.getByTestId('compare-page').waitFor();
    const cdf = page.getByTestId('chart-cdf-canvas');
    await cdf.waitFor();
    const series = (await cdf.getAttribute('data-series'))!.split('|');
    expect(series).toEqual(expect.arrayContaining(['model-default', 'reactive', 'average']));
    for (const chart of ['cdf', 'box', 'timeline', 'metrics', 'zero', 'levels']) {
      await expect.poll(() => paintedPixels(page, `[data-testid="chart-${chart}-canvas"]`), { message: `${chart} painted` }).toBeGreaterThan(2000);
    }
    const table = page.getByTestId('summary-table');
    expect(await table.locator('tbody tr').count()).toBe(series.length);
    expect(await table.locator('tr[data-policy="model-default"] td').nth(1).textContent()).toBe(String(VALIDATION_SAMPLES));
    await screenshot(page, '14-compare');
    // Is the difference real? The run's interval sentences and its trade-off chart, as in report.md.
    const evidence = page.getByTestId('compare-evidence');
    await evidence.waitFor();
    expect(await evidence.textContent()).toMatch(/Against reactive: the model's mean cost (differs by|is significantly|is not significantly)/);
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-tradeoff-canvas"]'), { message: 'trade-off painted' }).toBeGreaterThan(2000);
    await page.getByTestId('compare-tradeoff').scrollIntoViewIfNeeded();
    await screenshot(page, '14b-compare-evidence');

    // The model's worst sample: the most to see in its timeline.
    const options = await page.getByTestId('sample-index').locator('option').evaluateAll((els) => els.map((e) => [(e as unknown as { value: string }).value, e.textContent ?? ''] as const));
    const reward = (label: string) => Math.abs(Number(/(-?[\d.]+) h$/.exec(label)?.[1] ?? 0));
    const worst = options.filter(([v]) => v !== '').sort((a, b) => reward(b[1]) - reward(a[1]))[0][0];
    await page.getByTestId('sample-index').selectOption(worst);
    await page.getByTestId('sample-timeline').waitFor({ timeout: TEST_TIMEOUTS.wait });
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-sample-canvas"]')).toBeGreaterThan(2000);
    expect(await page.getByTestId('sample-panel').textContent()).toContain('successor submitted');
    await page.getByTestId('sample-panel').scrollIntoViewIfNeeded();
    await screenshot(page, '15-sample-timeline');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-reward.log').click()]);
    expect(download.suggestedFilename()).toBe('reward.log');
    exportedRewardLog = await downloadText(download);
    const parsed = parseRewardLog(exportedRewardLog, 'exported reward.log');
    expect(parsed.rows.map((r) => r.index)).toEqual(Array.from({ length: VALIDATION_SAMPLES }, (_, i) => i));
    expect(exportedRewardLog.split('\n')).toHaveLength(VALIDATION_SAMPLES + 3);

    const [report] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report.html').click()]);
    expect(report.suggestedFilename()).toBe('quick-report.html');
    expect(await downloadText(report)).toContain('data:image/svg+xml;base64,');
  });

  it('exported a reward.log equal to `mirage run --config` with the saved config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-e2e-cli-'));
    writeFileSync(join(dir, 'quick.json'), savedConfig);
    await timed('mirage run --config quick.json (CLI)', async () => {
      await runMirage(['run', '--config', join(dir, 'quick.json'), '--out', join(dir, 'out'), '--json']);
    });
    expect(readFileSync(join(dir, 'out', 'reward.log'), 'utf8')).toBe(exportedRewardLog);
  }, TEST_TIMEOUTS.pipeline);

  it('cancels a run midway; the UI recovers and offers to resume it', async () => {
    await page.getByTestId('nav-experiment').click();
    await page.getByTestId('experiment-page').waitFor();
    // Another training (more epochs, no early stop), on the same training data: the dataset stage is reused.
    await field('training.epochs').fill('400');
    await page.locator('[data-testid="section-training"] details summary').click();
    await field('training.patience').fill('400');
    await page.getByTestId('run-experiment').click();
    await page.getByTestId('run-page').waitFor();
    await expect.poll(() => page.getByTestId('stage-dataset').getAttribute('data-state'), { timeout: TEST_TIMEOUTS.wait }).toBe('reused');
    await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')), { timeout: TEST_TIMEOUTS.wait }).toBeGreaterThan(3);
    await timed('cancel during training', async () => {
      await page.getByTestId('cancel-run').click();
      await expect.poll(() => page.getByTestId('run-state').getAttribute('data-state'), { timeout: TEST_TIMEOUTS.wait }).toBe('cancelled');
    });
    expect(await page.getByTestId('stage-training').getAttribute('data-state')).toBe('cancelled');
    await page.getByTestId('resume-run').waitFor();
    await page.getByTestId('run-stopped').waitFor();
    await screenshot(page, '16-run-cancelled');

    // The back end is free again: Run is enabled, and the runs list keeps both.
    await page.getByTestId('nav-experiment').click();
    await expect.poll(() => page.getByTestId('run-experiment').isDisabled()).toBe(false);
    await page.getByTestId('nav-runs').click();
    const rows = page.locator('[data-testid="runs-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-state')).toBe('cancelled');
    expect(await rows.nth(1).getAttribute('data-state')).toBe('done');
    await screenshot(page, '17-runs');
  });

  it('reopens the runs, curves included, after `mirage serve` restarts on the same folder', async () => {
    await serve.stop();
    serve = await startServe(['--runs-dir', runsDir]);
    await page.goto(serve.url);
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('nav-runs').click();
    const rows = page.locator('[data-testid="runs-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).getAttribute('data-state')).toBe('done');
    await rows.nth(1).getByRole('button', { name: 'quick', exact: true }).click();
    await page.getByTestId('run-page').waitFor();
    expect(await page.getByTestId('run-state').getAttribute('data-state')).toBe('done');
    await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-steps'))).toBeGreaterThan(20);
    await page.getByTestId('run-results').waitFor();
    await screenshot(page, '18-run-reopened');
  });

  it('looks right in the dark theme too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('nav-runs').click();
    await page.locator('[data-testid="runs-table"] tbody tr').nth(1).getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByTestId('compare-page').waitFor();
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-cdf-canvas"]')).toBeGreaterThan(2000);
    await page.waitForTimeout(300);
    await screenshot(page, '19-compare-dark');
    await page.getByTestId('nav-run').click();
    await page.waitForTimeout(300);
    await screenshot(page, '20-run-dark');
    await page.getByTestId('nav-experiment').click();
    await page.waitForTimeout(300);
    await screenshot(page, '21-experiment-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
