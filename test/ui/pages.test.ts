/**
 * The web UI in headless Chromium against the real local server: every page renders its data
 * (screenshots kept under .artifacts/ui), axe-core finds nothing serious or critical, markup in
 * names stays text, and the UI's assets come with a CSP that allows no inline script.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { launchBrowser, openPage, screenshot, seriousViolations } from './support/browser.js';
import { type Demo, seedDemo } from './support/seed.js';

let reg: TestRegistry;
let browser: Browser;
let demo: Demo;
let page: Page;
let problems: string[];

beforeAll(async () => {
  [reg, browser] = await Promise.all([startTestRegistry(), launchBrowser()]);
  demo = await seedDemo(reg);
  ({ page, problems } = await openPage(browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await reg?.stop();
});

/** Opens `path`, waits for `ready`, checks accessibility, keeps a screenshot. */
async function visit(path: string, ready: string, name: string): Promise<void> {
  await page.goto(`${reg.url}${path}`);
  await page.locator(ready).first().waitFor();
  await page.waitForFunction(() => document.querySelector('.loading') === null);
  await screenshot(page, name);
  expect(await seriousViolations(page), `axe on ${path}`).toEqual([]);
}

const cellTexts = (selector: string) => page.locator(selector).allInnerTexts();

describe('pages', () => {
  it('models: rows with latest version, aliases, owner and state; search, tag and state filters', async () => {
    await visit('/ui/', 'table.list tbody tr', 'models');
    const names = await cellTexts('table.list tbody tr td:first-child a');
    expect(names).toEqual(['churn-predictor', 'fraud-detector', 'image-embedder', 'markup-model', 'ranker-v2']);
    const fraud = page.locator('tbody tr', { hasText: 'fraud-detector' });
    await expect(fraud.locator('td').nth(1).innerText()).resolves.toBe('v5');
    await expect(fraud.locator('td').nth(2).innerText()).resolves.toMatch(/challenger\s*v3\s*champion\s*v4/);
    await expect(fraud.locator('td').nth(3).innerText()).resolves.toBe('local');

    await page.getByLabel('Name starts with').fill('fr');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/ui\/models\?q=fr$/);
    await expect.poll(() => cellTexts('table.list tbody tr td:first-child a')).toEqual(['fraud-detector']);

    await page.goto(`${reg.url}/ui/models?tag=team%3Dsearch`);
    await expect.poll(() => cellTexts('table.list tbody tr td:first-child a')).toEqual(['image-embedder']);
    await reg.json('POST', '/v1/models/ranker-v2/archive');
    await page.goto(`${reg.url}/ui/models?state=ARCHIVED`);
    await expect.poll(() => cellTexts('table.list tbody tr td:first-child a')).toEqual(['ranker-v2']);
  });

  it('model: facts, tags, properties, versions newest first with state, approval, label, aliases, expiry, size, format', async () => {
    await visit('/ui/models/fraud-detector', 'table.list tbody tr', 'model');
    await expect(page.locator('h1').innerText()).resolves.toBe('fraud-detector');
    await expect(page.locator('.facts').innerText()).resolves.toMatch(/MAINTAINERS\s*local, local-token, alice/);
    await expect(page.getByRole('region', { name: 'Properties' }).innerText()).resolves.toMatch(/framework\s*xgboost/);
    const rows = page.locator('table.list tbody tr');
    await expect(rows.locator('td:first-child').allInnerTexts()).resolves.toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
    const v4 = await rows.nth(1).locator('td').allInnerTexts();
    expect(v4.slice(0, 5)).toEqual(['v4', '1.3.0', 'READY', 'APPROVED', 'champion']);
    expect(v4[6]).toMatch(/KiB$/);
    expect(v4[7]).toBe('onnx');
    await expect(rows.nth(0).locator('td').nth(5).innerText()).resolves.toMatch(
      /^expires in (2 hours|119 minutes|120 minutes)$/,
    );
    await expect(rows.nth(4).locator('td').nth(2).innerText()).resolves.toBe('ARCHIVED');

    await page.getByLabel('State').selectOption('ARCHIVED');
    await expect.poll(() => rows.locator('td:first-child').allInnerTexts()).toEqual(['v1']);
  });

  it('model: the audit history and each alias with its moves', async () => {
    await visit('/ui/models/fraud-detector?tab=aliases', 'section.alias', 'model-aliases');
    const champion = page.getByRole('region', { name: 'Alias champion' });
    await expect(champion.locator('li').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/local: set v3$/),
      expect.stringMatching(/local: v3 → v4$/),
    ]);
    await visit('/ui/models/fraud-detector?tab=history', 'table.list tbody tr', 'model-history');
    const actions = await cellTexts('table.list tbody tr td:nth-child(3)');
    expect(actions[0]).toBe('model.create');
    expect(actions).toContain('alias.set');
    expect(actions).toContain('version.archive');
  });

  it('version: files with size, SHA-256 and download, lineage to its run, properties, signature, pull command', async () => {
    await visit('/ui/models/fraud-detector/versions/3', 'table.files tbody tr', 'version');
    const files = page.locator('table.files tbody tr');
    await expect(files.locator('td:first-child').allInnerTexts()).resolves.toEqual([
      'model.onnx',
      'config/preprocess.json',
    ]);
    await expect(files.nth(0).locator('td').nth(2).innerText()).resolves.toMatch(/^[0-9a-f]{64}$/);
    await expect(page.getByRole('region', { name: 'Lineage' }).innerText()).resolves.toMatch(
      /Produced by run xgb-slow-lr in experiment fraud-training/,
    );
    await expect(page.getByRole('region', { name: 'Signature' }).innerText()).resolves.toContain('"features"');
    await expect(page.getByRole('region', { name: 'Properties' }).innerText()).resolves.toMatch(/auc\s*0\.93/);
    const command = await page.locator('.command code').innerText();
    expect(command).toBe(`mreg pull fraud-detector 3 --url ${reg.url}`);
    await page.getByRole('button', { name: 'Copy the mreg pull command' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(command);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download config/preprocess.json' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('preprocess.json');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile((await file.path()) ?? '', 'utf8')).toBe('{"version":3}');
  });

  it('experiments, an experiment with its runs, params and latest metrics, a run with its chart', async () => {
    await visit('/ui/experiments', 'table.list tbody tr', 'experiments');
    await page.getByRole('link', { name: 'fraud-training' }).click();
    await page.locator('table.list tbody tr').first().waitFor();
    await page.waitForFunction(() => document.querySelector('.loading') === null);
    await screenshot(page, 'experiment');
    expect(await seriousViolations(page)).toEqual([]);
    const header = await cellTexts('table.list thead th');
    expect(header).toEqual(expect.arrayContaining(['depth', 'lr', 'estimators', 'auc', 'loss']));
    const baseline = await page.locator('tbody tr', { hasText: 'xgb-baseline' }).locator('td').allInnerTexts();
    expect(baseline).toEqual(expect.arrayContaining(['FINISHED', '6', '0.1', '400']));

    await visit(`/ui/runs/${demo.runs[0]?.id}`, '.chart-box canvas', 'run');
    await expect(page.getByRole('region', { name: 'Params' }).innerText()).resolves.toMatch(/depth\s*6/);
    await expect(page.locator('.chart-box').getAttribute('data-points')).resolves.toBe('300');
  });

  it('compare: several runs overlaid on one chart by step, their params side by side', async () => {
    await page.goto(`${reg.url}/ui/experiments/${demo.experimentId}`);
    for (const run of demo.runs) await page.getByLabel(`Compare ${run.name}`).check();
    await page.getByRole('button', { name: 'Compare 3 selected' }).click();
    await page.locator('.chart-box canvas').waitFor();
    const chart = page.locator('.chart-box');
    await expect.poll(() => chart.getAttribute('data-points')).toBe('900');
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(/xgb-baseline, xgb-deeper, xgb-slow-lr/);
    await page.locator('select[name=metric]').selectOption('loss');
    await expect.poll(() => page.url()).toMatch(/metric=loss/);
    await page.locator('.chart-box canvas').waitFor();
    await screenshot(page, 'compare');
    expect(await seriousViolations(page)).toEqual([]);
    await expect(page.locator('tr.differs th').allInnerTexts()).resolves.toEqual(['depth', 'estimators', 'lr']);
  });

  it('shows markup in names, descriptions, tags, params and paths as text', async () => {
    for (const path of [
      '/ui/models/markup-model',
      '/ui/models/markup-model/versions/1',
      `/ui/experiments/${demo.xssExperimentId}`,
      `/ui/runs/${demo.xssRunId}`,
      '/ui/experiments',
    ]) {
      await page.goto(`${reg.url}${path}`);
      await page.locator('main h1, main table').first().waitFor();
      await page.waitForFunction(() => document.querySelector('.loading') === null);
    }
    await page.goto(`${reg.url}/ui/models/markup-model/versions/1`);
    await expect(page.locator('table.files td.mono').first().innerText()).resolves.toBe('weights/<b>w</b>.bin');
    await page.goto(`${reg.url}/ui/models/markup-model`);
    await expect(page.locator('.lead').innerText()).resolves.toBe(
      '<img src=x onerror="window.__xss=1"><b>not bold</b>',
    );
    await expect(page.locator('.chip-value').first().innerText()).resolves.toBe('<script>window.__xss=2</script>');
    await page.goto(`${reg.url}/ui/runs/${demo.xssRunId}`);
    await expect(page.locator('h1').innerText()).resolves.toBe('<script>window.__xss=5</script>');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main img, main script, main b, main svg:not(.u-over svg)').count()).toBe(0);
  });

  it('answers an unknown UI path with the app (which says not found), and a missing model in words', async () => {
    await page.goto(`${reg.url}/ui/nowhere/at/all`);
    await expect(page.locator('h1').innerText()).resolves.toBe('Not found');
    await page.goto(`${reg.url}/ui/models/no-such-model`);
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/^Not found: model "no-such-model"/);
    expect(problems).toEqual([]);
  });
});

describe('assets', () => {
  it('are served with a CSP that allows no inline script, with hashed names cached for good', async () => {
    const res = await fetch(`${reg.url}/ui/models`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/ui\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1] ?? '';
    const asset = await fetch(`${reg.url}${script}`);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${reg.url}/ui/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${reg.url}/ui`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');

    // A page that tries inline script anyway is refused by the browser under this policy.
    await page.goto(`${reg.url}/ui/`);
    await page.locator('table.list').waitFor();
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      return (window as unknown as { __inline?: number }).__inline;
    });
    expect(ran).toBeUndefined();
  });
});
