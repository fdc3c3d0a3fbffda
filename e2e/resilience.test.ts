import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TIMEOUTS } from '../core/testing/timeouts.js';
import { launchChromium, paintedPixels, screenshot, serveBrowserSkipReason, stepTimer } from './browser.js';
import type { ServeProcess } from './serve.js';
import { repoRoot, startServe, stopAllServes } from './serve.js';

/**
 * The workbench as a new user meets it (issue 18), in Chromium against
 * `mirage serve`: errors of a file opened from the top bar on any page, a
 * reload or a link landing on the same page, run and comparison, a
 * closed-form model's run page, two identical policies both visible, a
 * 1024 x 700 window in both themes, an inferred cluster size said so, and
 * `mirage serve` stopped and started again under the open page.
 */

const skipReason = serveBrowserSkipReason();
if (skipReason) console.warn(`e2e skipped: ${skipReason}`);

const SAMPLE = `${repoRoot}assets/traces/ls6-a100.log`;

/** A wait-linear experiment small enough for a test: fitted in closed form, calibrated, validated on 12 samples. */
const WAIT_LINEAR_CONFIG = {
  name: 'quick-wl',
  dataset: { start: '2022-11-01T00:00:00', samples: 96, probes: 7 },
  training: { model: 'wait-linear' },
  validation: { start: '2023-03-01T00:00:00', samples: 12 },
};

describe.skipIf(skipReason !== null)('the workbench as a new user meets it', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let runsDir: string;
  let files: Record<'png' | 'empty' | 'headerOnly' | 'small' | 'config', string>;
  let runId = '';
  let twinId = '';
  const consoleErrors: string[] = [];
  const { timings, timed } = stepTimer();

  const connected = () => page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor();
  const hash = () => new URL(page.url()).hash;
  const openFromTopBar = async (file: string) => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('topbar-open').click()]);
    await chooser.setFiles(file);
  };

  beforeAll(async () => {
    runsDir = mkdtempSync(join(tmpdir(), 'mirage-e2e-gaps-runs-'));
    const dir = mkdtempSync(join(tmpdir(), 'mirage-e2e-gaps-files-'));
    const lines = readFileSync(SAMPLE, 'utf8').split('\n');
    files = {
      png: `${repoRoot}assets/icons/icon.png`,
      empty: join(dir, 'empty.log'),
      headerOnly: join(dir, 'header-only.log'),
      // The first 400 rows of the sample: not the sample (other bytes), so its cluster size is inferred.
      small: join(dir, 'small-trace.log'),
      config: join(dir, 'quick-wl.json'),
    };
    writeFileSync(files.empty, '');
    writeFileSync(files.headerOnly, lines.slice(0, 3).join('\n') + '\n');
    writeFileSync(files.small, lines.slice(0, 403).join('\n') + '\n');
    writeFileSync(files.config, JSON.stringify(WAIT_LINEAR_CONFIG, null, 2));
    [serve, browser] = await Promise.all([startServe(['--runs-dir', runsDir]), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', acceptDownloads: true });
    context.setDefaultTimeout(TEST_TIMEOUTS.wait);
    page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    if (timings.length) console.log(`e2e gaps timings: ${timings.join(', ')}`);
    await stopAllServes();
    await browser?.close();
  });

  it('loads without a console error, and says why a file opened from the top bar cannot be read, on any page', async () => {
    await page.goto(serve.url);
    await connected();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('overview-page').waitFor();
    // No CSP meta-tag complaint, no favicon 404.
    expect(consoleErrors).toEqual([]);

    const error = page.getByTestId('open-error');
    const dismiss = () => error.getByRole('button', { name: 'Dismiss' }).click();

    await openFromTopBar(files.png);
    await error.waitFor();
    expect(await error.textContent()).toContain('Could not open icon.png');
    expect(await error.textContent()).toMatch(/not a job trace/);
    // Still on the overview, with the trace that was open.
    expect(await page.getByTestId('overview-page').isVisible()).toBe(true);
    expect(await page.getByTestId('trace-chip').textContent()).toContain('ls6-a100.log');
    await screenshot(page, '30-open-error-topbar');
    await dismiss();
    await error.waitFor({ state: 'detached' });

    await openFromTopBar(files.empty);
    await error.waitFor();
    expect(await error.textContent()).toContain('Could not open empty.log');
    expect(await error.textContent()).toMatch(/no header and no rows/);
    await dismiss();

    await openFromTopBar(files.headerOnly);
    await error.waitFor();
    expect(await page.getByTestId('open-error-message').textContent()).toMatch(/^header-only\.log has a mirage header but no job rows: there is nothing to replay/);
    await screenshot(page, '30b-open-error-header-only');
    await dismiss();
  });

  it('keeps the page and the trace over a reload; a link opens the same page in a new tab', async () => {
    await page.getByTestId('nav-jobs').click();
    await page.getByTestId('jobs-page').waitFor();
    expect(hash()).toBe('#/jobs?sample=ls6-a100');
    await page.reload();
    await page.getByTestId('jobs-page').waitFor();
    expect(await page.getByTestId('trace-chip').textContent()).toContain('ls6-a100.log');

    const other = await context.newPage();
    await other.goto(page.url());
    await other.getByTestId('jobs-page').waitFor();
    expect(await other.getByTestId('trace-chip').textContent()).toContain('ls6-a100.log');
    await other.close();

    // An uploaded trace that is not a sample: the cluster size is inferred, and says so everywhere it is shown.
    await openFromTopBar(files.small);
    await page.getByTestId('overview-page').waitFor();
    await expect.poll(() => page.getByTestId('trace-chip').textContent()).toContain('small-trace.log');
    expect(await page.getByTestId('trace-chip-capacity').textContent()).toMatch(/^\d+ nodes \(inferred\)$/);
    expect(await page.getByTestId('capacity-source').textContent()).toBe('inferred');
    expect(await page.getByTestId('capacity-inferred').textContent()).toMatch(/is inferred: it is the most nodes this trace has running at once/);
    await screenshot(page, '31-capacity-inferred');
    // A reload finds the uploaded trace in the back end again.
    await page.reload();
    await page.getByTestId('overview-page').waitFor();
    expect(await page.getByTestId('trace-chip').textContent()).toContain('small-trace.log');
  });

  it('runs a wait-linear experiment: its page shows the fit instead of empty curves, and survives a reload', async () => {
    await page.getByTestId('nav-experiment').click();
    await page.getByTestId('experiment-page').waitFor();
    await page.getByTestId('preset-quick').click();
    await expect.poll(() => page.getByTestId('config-source').textContent()).toBe('preset quick');
    // A number field refuses text in plain words, and the label no longer claims the plain preset.
    await page.locator('[data-field="dataset.samples"] input').fill('abc');
    expect(await page.getByTestId('issue-dataset.samples').textContent()).toBe('a number is needed here');
    expect(await page.getByTestId('config-source').textContent()).toBe('preset quick, edited');

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('load-config').click()]);
    await chooser.setFiles(files.config);
    await expect.poll(() => page.getByTestId('config-source').textContent()).toContain('quick-wl.json');
    expect(await page.getByTestId('config-validity').textContent()).toBe('valid config');
    await page.getByTestId('run-experiment').click();
    await page.locator('[data-testid="run-page"][data-run-id]').waitFor();
    runId = (await page.getByTestId('run-page').getAttribute('data-run-id'))!;
    expect(hash()).toBe(`#/run/${runId}`);
    await timed('wait-linear run (96 + 12 samples)', () => expect.poll(() => page.getByTestId('run-state').getAttribute('data-state'), { timeout: TEST_TIMEOUTS.pipeline }).toBe('done'));

    // The end is announced (on the run's own page, without an Open button), and logged.
    const toast = page.getByTestId('toast').filter({ hasText: 'Run quick-wl finished' });
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/model \d\.\d{3} h mean \|reward\|, (same as|\d\.\d{3} h (better|worse) than) \w+/);
    await expect.poll(() => page.getByTestId('run-log').textContent()).toMatch(/done: model-wait-linear \d\.\d{3} h, reactive/);
    expect(await page.getByTestId('run-log').textContent()).toMatch(/UTC {2}started quick-wl: trace assets\/traces\/ls6-a100\.log, model wait-linear\n.*UTC {2}trace: running/);

    const fit = page.getByTestId('fit-panel');
    await fit.waitFor();
    expect(await fit.getAttribute('data-kind')).toBe('wait-linear');
    expect(await fit.locator('tr[data-metric="heldOutWaitMaeHours"] td.num').textContent()).toMatch(/^\d+(\.\d+)? h$/);
    expect(await page.getByTestId('fit-rule').textContent()).toMatch(/^submit when/);
    expect(await page.getByTestId('kpi-epoch').textContent()).toContain('closed form');
    expect(await page.getByTestId('tfjs-backend').textContent()).toBe('not used');
    expect(await page.getByTestId('kpi-throughput').textContent()).toMatch(/\d h/);
    // No KPI is left at "–" once the run is done.
    expect(await page.locator('.kpi .value').allTextContents()).not.toContain('–');
    expect(await page.getByTestId('kpi-reward').textContent()).toMatch(/(better|worse) than|same as/);
    await screenshot(page, '32-run-wait-linear');

    await page.reload();
    await page.locator(`[data-testid="run-page"][data-run-id="${runId}"]`).waitFor();
    expect(await page.getByTestId('run-state').getAttribute('data-state')).toBe('done');
    await page.getByTestId('fit-panel').waitFor();
    expect(await page.getByTestId('nav-run').isDisabled()).toBe(false);
  });

  it('draws two policies with the same rewards both visibly, and links to a comparison', async () => {
    // A second finished run whose model acted exactly as reactive: a `mirage run` folder beside the first.
    twinId = '20200101-000000-twin';
    const twinDir = join(runsDir, twinId);
    mkdirSync(twinDir);
    const [head, ...rows] = readFileSync(join(runsDir, runId, 'rewards.csv'), 'utf8').trim().split('\n');
    const baselines = rows.filter((r) => /^(reactive|average|quantile),/.test(r));
    const twin = rows.filter((r) => r.startsWith('reactive,')).map((r) => r.replace(/^reactive,/, 'model-twin,'));
    writeFileSync(join(twinDir, 'rewards.csv'), [head, ...twin, ...baselines].join('\n') + '\n');
    // With a training history (as `mirage run` keeps one), for the curves overlay.
    mkdirSync(join(twinDir, 'train'));
    const epochs = [0.9, 0.7, 0.62, 0.6].map((loss, i) => ({
      type: 'epoch', phase: 'main', elapsedSec: 3 * (i + 1), epoch: i + 1, epochs: 4, trainLoss: loss + 0.05, heldOutLoss: loss, heldOutMaeHours: null, heldOutRmseHours: null,
      learningRate: 0.001, samplesPerSec: 900, etaSec: 0, best: true, numTensors: 10,
    }));
    writeFileSync(join(twinDir, 'train', 'history.json'), JSON.stringify({ backend: 'wasm', events: epochs }));
    writeFileSync(
      join(twinDir, 'pipeline.json'),
      JSON.stringify({ config: { name: 'twin', trace: { path: 'assets/traces/ls6-a100.log' } }, stages: [{ stage: 'training', dir: 'train' }] }),
    );

    await page.goto(`${serve.url}#/compare/${twinId}`);
    await page.getByTestId('compare-page').waitFor();
    const note = page.getByTestId('identical-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/^reactive gives exactly the same reward as model-twin on every sample/);
    const cdf = page.getByTestId('chart-cdf-canvas');
    expect((await cdf.getAttribute('data-series'))!.split('|')).toEqual(expect.arrayContaining(['model-twin', 'reactive']));
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-cdf-canvas"]')).toBeGreaterThan(2000);
    expect(await page.locator('[data-testid="summary-table"] tr[data-policy="model-twin"] [data-testid="baseline-diff"]').textContent()).toBe('= reactive');
    await page.getByTestId('compare-cdf').scrollIntoViewIfNeeded();
    await screenshot(page, '33-compare-identical');

    await page.reload();
    await page.getByTestId('identical-note').waitFor();
    expect(hash()).toBe(`#/compare/${twinId}`);
  });

  it('fits a 1024 x 700 window without clipping, in the light and the dark theme', async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto(`${serve.url}#/compare/${runId},${twinId}`);
    await page.getByTestId('summary-table').waitFor();
    await expect.poll(() => page.locator('[data-testid="summary-table"] tbody tr').count()).toBe(5);
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-metrics-canvas"]')).toBeGreaterThan(2000);
    // The runs' training curves on one chart (the closed-form run has none), by wall time, and as CSV.
    const curves = page.getByTestId('chart-curves-canvas');
    await curves.waitFor();
    expect(await curves.getAttribute('data-series')).toBe('twin validation|twin train');
    await page.getByTestId('curves-axis').selectOption('wall');
    await expect.poll(() => curves.getAttribute('data-sum')).toBe(String(0.9 + 0.7 + 0.62 + 0.6));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('curves-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,label,epoch,elapsed_sec,train_loss,held_out_loss');
    expect(csv.slice(1)).toEqual([`${twinId},twin,1,3,0.9500000000000001,0.9`, `${twinId},twin,2,6,0.75,0.7`, `${twinId},twin,3,9,0.67,0.62`, `${twinId},twin,4,12,0.65,0.6`]);
    const clipped = () =>
      // Every panel, card subtitle, page subtitle, KPI note and the summary table: nothing wider than its box (cut or scrolled).
      page.evaluate<string[]>(
        `[...document.querySelectorAll('.page .panel, .page .scroll-box, .panel-head .hint, .page-head .sub, .summary-table, .kpi .note')]
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map((e) => e.className + ' ' + e.scrollWidth + '>' + e.clientWidth + ': ' + (e.textContent ?? '').slice(0, 40))`,
      );
    expect(await clipped()).toEqual([]);
    const table = (await page.getByTestId('summary-table').boundingBox())!;
    const panel = (await page.getByTestId('compare-summary').boundingBox())!;
    expect(table.x + table.width).toBeLessThanOrEqual(panel.x + panel.width);
    await screenshot(page, '34-compare-1024-light');

    // The theme switch: system, light, dark; kept over a reload.
    const theme = page.getByTestId('theme-switch');
    while ((await theme.getAttribute('data-choice')) !== 'dark') await theme.click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(15, 18, 23)');
    await page.reload();
    await page.getByTestId('summary-table').waitFor();
    expect(await theme.getAttribute('data-choice')).toBe('dark');
    await expect.poll(() => paintedPixels(page, '[data-testid="chart-cdf-canvas"]')).toBeGreaterThan(2000);
    expect(await clipped()).toEqual([]);
    await screenshot(page, '34b-compare-1024-dark');

    await page.goto(`${serve.url}#/run/${runId}`);
    await page.getByTestId('fit-panel').waitFor();
    expect(await clipped()).toEqual([]);
    await screenshot(page, '34c-run-1024-dark');
    while ((await theme.getAttribute('data-choice')) !== 'light') await theme.click();
    expect(await clipped()).toEqual([]);
    await screenshot(page, '34d-run-1024-light');
    // The runs table keeps its actions in view (the trace and progress columns give way).
    await page.goto(`${serve.url}#/runs`);
    await page.getByTestId(`run-row-${runId}`).waitFor();
    await screenshot(page, '34e-runs-1024-light');
    expect(await clipped()).toEqual([]);
    while ((await theme.getAttribute('data-choice')) !== 'system') await theme.click();
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('finds, sorts, tags and annotates runs, and shows two configs side by side', async () => {
    await page.goto(`${serve.url}#/runs`);
    const rows = page.locator('[data-testid="runs-table"] tbody tr[data-state]');
    await expect.poll(() => rows.count()).toBe(2);

    await page.getByTestId(`annotate-${runId}`).click();
    await page.getByTestId('tags-input').fill('wait, small , wait');
    await page.getByTestId('note-input').fill('first closed-form try');
    await page.getByTestId('annotation-save').click();
    await page.getByTestId('annotation-editor').waitFor({ state: 'detached' });
    const row = page.getByTestId(`run-row-${runId}`);
    expect(await row.getByTestId('run-tag').allTextContents()).toEqual(['wait', 'small']);
    // A tag the schema refuses is said so, and nothing is saved.
    await page.getByTestId(`annotate-${twinId}`).click();
    await page.getByTestId('tags-input').fill('a/b');
    await page.getByTestId('annotation-save').click();
    expect(await page.getByTestId('annotation-editor').getByRole('alert').textContent()).toBe('“a/b”: a tag holds letters, digits, spaces and . _ - + : only');
    await page.getByTestId('annotation-editor').getByRole('button', { name: 'Cancel' }).click();

    // Kept in the run's folder: a reload (or another tab, or the CLI's folder) shows them.
    await page.reload();
    await expect.poll(() => row.getByTestId('run-tag').allTextContents()).toEqual(['wait', 'small']);
    expect(await row.textContent()).toContain('first closed-form try');

    const search = page.getByTestId('runs-search');
    await search.fill('tag:wait');
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toBe('1 of 2 runs');
    await search.fill('closed-form');
    await expect.poll(() => rows.count()).toBe(1);
    await search.fill('nothing-like-this');
    await page.getByTestId('runs-none').waitFor();
    await search.fill('');
    await page.getByTestId('sort-name').click();
    expect(await page.getByTestId('sort-name').locator('..').getAttribute('aria-sort')).toBe('ascending');
    expect(await rows.nth(0).getAttribute('data-testid')).toBe(`run-row-${runId}`);
    await page.getByTestId('sort-name').click();
    expect(await rows.nth(0).getAttribute('data-testid')).toBe(`run-row-${twinId}`);

    for (const id of [runId, twinId]) await page.getByTestId(`run-row-${id}`).getByRole('checkbox').check();
    await page.getByTestId('diff-picked').click();
    const diff = page.getByTestId('config-diff');
    await diff.waitFor();
    expect(await diff.locator('[data-path="name"]').getAttribute('data-differs')).toBe('true');
    expect(await diff.locator('[data-path="name"] td').allTextContents()).toEqual(['name', '"quick-wl"', '"twin"']);
    // Defaults filled in: only what really differs is marked (the twin's config leaves nearly everything out).
    expect(await diff.locator('[data-path="dataset.samples"]').getAttribute('data-differs')).toBe('true');
    expect(await diff.locator('[data-path="dataset.samples"] td').nth(1).textContent()).toBe('96');
    expect(await diff.locator('[data-path="chain.jobNodes"]').count()).toBe(0);
    await screenshot(page, '37-runs-tags-diff');
  });

  it('after mirage serve stops: says what to do, disables Resume, and reconnects by itself when it is back', async () => {
    // An interrupted run of the app, to see Resume offered.
    const stoppedId = '20200101-000001-stopped';
    mkdirSync(join(runsDir, stoppedId));
    // As the runs folder links every run's stages/ to the shared one.
    symlinkSync(join('..', '.stages'), join(runsDir, stoppedId, 'stages'), 'dir');
    writeFileSync(join(runsDir, stoppedId, 'config.json'), readFileSync(join(runsDir, runId, 'config.json')));
    const record = JSON.parse(readFileSync(join(runsDir, runId, 'run.json'), 'utf8')) as { info: Record<string, unknown>; owner: unknown };
    record.info = { ...record.info, id: stoppedId, name: 'stopped', state: 'interrupted', metrics: null, finishedMs: null };
    record.owner = null;
    writeFileSync(join(runsDir, stoppedId, 'run.json'), JSON.stringify(record));

    await page.goto(`${serve.url}#/run/${stoppedId}`);
    const resume = page.getByTestId('resume-run');
    await resume.waitFor();
    expect(await resume.isDisabled()).toBe(false);
    // Its model is found through the stage folders run.json keeps (there is no pipeline.json before a run's end).
    await page.getByTestId('fit-panel').waitFor();

    const { port, token } = serve;
    await serve.stop();
    const notice = page.getByTestId('connection-notice');
    await notice.waitFor();
    await expect.poll(() => notice.textContent()).toContain(`mirage serve is not running on port ${port}`);
    expect(await notice.textContent()).toContain(`mirage serve --port ${port}`);
    expect(await resume.isDisabled()).toBe(true);
    expect(await page.getByTestId('topbar-open').isDisabled()).toBe(true);
    await screenshot(page, '35-serve-stopped');

    // Started again on the same port and runs folder: the same token (kept in the folder), the page reconnects by itself.
    serve = await startServe(['--runs-dir', runsDir], { port });
    expect(serve.token).toBe(token);
    await connected();
    await notice.waitFor({ state: 'detached' });
    await expect.poll(() => resume.isDisabled()).toBe(false);
    expect(hash()).toBe(`#/run/${stoppedId}`);
    // The uploaded trace was in the old process only: the page says to open it again.
    expect(await page.getByTestId('trace-lost').textContent()).toMatch(/small-trace\.log is no longer open.*open it again/);

    // Started with a new token: the page cannot reconnect, and says to open the new URL.
    await serve.stop();
    serve = await startServe(['--runs-dir', runsDir, '--new-token'], { port });
    expect(serve.token).not.toBe(token);
    await expect.poll(() => notice.textContent()).toContain('runs with another access token');
    expect(await notice.textContent()).toContain('open the URL it printed');
    await screenshot(page, '36-serve-new-token');
    await page.goto(`${serve.url}#/run/${stoppedId}`);
    await connected();
    await expect.poll(() => resume.isDisabled()).toBe(false);
    expect(consoleErrors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_SOCKET_NOT_CONNECTED|403/.test(e))).toEqual([]);
  });

  it('after the back end of mirage serve dies: the server stays, the page says so, reconnects and reopens its sample', async () => {
    await page.goto(serve.url);
    await connected();
    await page.getByTestId('open-sample').click();
    await page.getByTestId('overview-page').waitFor();
    const jobs = await page.getByTestId('job-count').textContent();
    const before = serve.backendPid();
    process.kill(before, 'SIGKILL');
    // The page's socket ended with the back end; the page reconnects to the one started in its place, and says so.
    const notice = page.getByTestId('restart-notice');
    await expect.poll(() => notice.textContent()).toContain('The back end was restarted');
    await connected();
    expect(serve.backendPid()).not.toBe(before);
    // Reopened (the sample, by name) in the new back end: its job table comes from there.
    await expect.poll(() => page.getByTestId('loading').count()).toBe(0);
    await screenshot(page, '38-serve-backend-restarted');
    expect(await page.getByTestId('job-count').textContent()).toBe(jobs);
    await page.getByTestId('nav-jobs').click();
    await expect.poll(() => page.getByTestId('job-table').getAttribute('data-rows')).toBe(jobs!.replace(',', ''));
  });
});
