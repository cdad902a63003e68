/**
 * The UI's budgets, measured in headless Chromium against the local server and written to
 * .artifacts/ui/budgets.json: all UI JavaScript <= 150 KB gzipped; the models page with 10,000
 * models and a model page with 100,000 versions show their first rows in < 1 s; a chart of
 * 100,000 points draws in < 300 ms. Run alone after the rest of the suite (`npm run
 * test:ui-budgets`, part of `npm test`), so no other test file shares the two cores.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { ARTIFACTS, launchBrowser, openPage, screenshot } from './support/browser.js';
import { seedBulk, seedLongRun } from './support/seed.js';

const MODELS = 10_000;
const VERSIONS = 100_000;
const POINTS = 100_000;
const figures: Record<string, unknown> = {
  note: 'measured alone (npm run test:ui-budgets); headless Chromium, local server',
};

let reg: TestRegistry;
let browser: Browser;
let page: Page;
let longRun: string;

beforeAll(async () => {
  [reg, browser] = await Promise.all([startTestRegistry(), launchBrowser()]);
  const started = performance.now();
  await seedBulk(reg, { models: MODELS, versions: VERSIONS });
  longRun = await seedLongRun(reg, POINTS);
  figures.seedSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  ({ page } = await openPage(browser));
  // The local server builds the UI on its first request; budgets are for a running server.
  await page.goto(`${reg.url}/ui/experiments`);
  await page.locator('main h1').waitFor();
}, 180_000);

afterAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(join(ARTIFACTS, 'budgets.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`UI budgets: ${JSON.stringify(figures)}`);
  await browser?.close();
  await reg?.stop();
});

/** Milliseconds from navigation start until `selector` is in the page, for each of `runs` fresh loads. */
async function firstRowsMs(path: string, selector: string, runs = 3): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await page.goto('about:blank');
    await page.goto(`${reg.url}${path}`, { waitUntil: 'commit' });
    // Read in the page at the frame the rows appear (not after a round trip to the test).
    const seen = await page.waitForFunction((sel) => document.querySelector(sel) && performance.now(), selector, {
      polling: 'raf',
    });
    times.push(Math.round(Number(await seen.jsonValue())));
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

describe('budgets', () => {
  it('all UI JavaScript is at most 150 KB gzipped', async () => {
    const html = await (await fetch(`${reg.url}/ui/`)).text();
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    let raw = 0;
    for (const src of scripts) {
      const bytes = new Uint8Array(await (await fetch(`${reg.url}${src}`)).arrayBuffer());
      raw += bytes.length;
      gzipped += gzipSync(bytes).length;
    }
    // Every script the page loads comes from those tags: one bundle, no chunks fetched later.
    const loaded = await page.evaluate(
      () => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).length,
    );
    figures.javascript = {
      files: scripts.length,
      loadedScripts: loaded,
      rawKB: +(raw / 1024).toFixed(1),
      gzipKB: +(gzipped / 1024).toFixed(1),
    };
    expect(loaded).toBe(scripts.length);
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });

  it(`the models page with ${MODELS} models shows its first rows in under 1 s`, async () => {
    const times = await firstRowsMs('/ui/models', 'table.list tbody tr');
    figures.modelsFirstRowsMs = { runs: times, median: median(times) };
    await expect(page.locator('table.list tbody tr').count()).resolves.toBe(50);
    await screenshot(page, 'budget-models');
    expect(median(times)).toBeLessThan(1000);
    // Paging goes on through the 10,000.
    await page.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => page.locator('table.list tbody tr td:first-child a').first().innerText())
      .toBe('bulk-000049');
  });

  it(`a model page with ${VERSIONS} versions shows its first rows in under 1 s, newest first`, async () => {
    const times = await firstRowsMs('/ui/models/big-model', 'table.list tbody tr');
    figures.modelFirstRowsMs = { runs: times, median: median(times) };
    await expect(page.locator('table.list tbody tr td:first-child').first().innerText()).resolves.toBe(`v${VERSIONS}`);
    expect(median(times)).toBeLessThan(1000);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => page.locator('table.list tbody tr td:first-child').first().innerText())
      .toBe(`v${VERSIONS - 50}`);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect
      .poll(() => page.locator('table.list tbody tr td:first-child').first().innerText())
      .toBe(`v${VERSIONS}`);
  });

  it(`a chart of ${POINTS} points draws in under 300 ms`, async () => {
    const started = performance.now();
    await page.goto(`${reg.url}/ui/runs/${longRun}`);
    const chart = page.locator('.chart-box[data-draw-ms]');
    await chart.waitFor({ timeout: 60_000 });
    const loadMs = Math.round(performance.now() - started);
    const drawMs = Number(await chart.getAttribute('data-draw-ms'));
    figures.chart = { points: Number(await chart.getAttribute('data-points')), drawMs, pageAndSeriesLoadMs: loadMs };
    await screenshot(page, 'budget-chart');
    expect(await chart.getAttribute('data-points')).toBe(String(POINTS));
    expect(drawMs).toBeLessThan(300);
  });
});
