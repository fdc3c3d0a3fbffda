import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { chromiumPath } from './env.js';
import { builtForServe, repoRoot } from './serve.js';

export const screenshotDir = `${repoRoot}artifacts/screenshots`;

export function haveChromium(): boolean {
  return existsSync(chromiumPath);
}

/** Why the browser tests against `mirage serve` cannot run here, or null when they can. */
export function serveBrowserSkipReason(): string | null {
  if (!haveChromium()) return 'chromium is not installed (apt-get install chromium, as .ci/run does)';
  if (!builtForServe()) return 'the app is not built (npm test runs `npm run build` first)';
  return null;
}

/** Per-step wall times a test prints at the end: `timed` runs one step and records it in `timings`. */
export function stepTimer(): { timings: string[]; timed: <T>(label: string, work: () => Promise<T>) => Promise<T> } {
  const timings: string[] = [];
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work();
    timings.push(`${label} ${Math.round(performance.now() - t0)} ms`);
    return result;
  };
  return { timings, timed };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** Saves a full-window screenshot as a test artifact (artifacts/screenshots/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = `${screenshotDir}/${name}.png`;
  await page.screenshot({ path });
  return path;
}

/** Counts painted pixels of a canvas: a chart that drew its data has thousands. */
export async function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (root) => {
    const canvas = root.querySelector('canvas');
    if (!canvas) return 0;
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
}
