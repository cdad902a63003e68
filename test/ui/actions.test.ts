/**
 * Sign-in and actions in headless Chromium against the local server: a missing, wrong or
 * expired token leads to sign-in; OIDC authorization code + PKCE against an issuer; App Service's
 * login redirect; moving aliases, archiving, approval and tags through the API as the user,
 * with the API's 403, 409 and 412 shown in words.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuthenticator } from '../../shared/auth/jwt-authenticator.js';
import type { Authenticator, Scope } from '../../shared/ports/auth.js';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { launchBrowser, openPage, screenshot, seriousViolations } from './support/browser.js';
import { startTestIssuer, type TestIssuer } from './support/oidc-issuer.js';
import { pushVersion } from './support/seed.js';

const TOKENS: Record<string, { subject: string; scopes: Scope[] }> = {
  'admin-token': { subject: 'ada', scopes: ['registry.read', 'registry.write', 'registry.admin'] },
  'writer-token': { subject: 'wes', scopes: ['registry.read', 'registry.write'] },
};

/** Bearer tokens as above; a session cookie as App Service authentication would have set it. */
const testAuthenticator: Authenticator = async (request) => {
  if (/AppServiceAuthSession=valid/.test(request.headers.get('cookie') ?? ''))
    return { subject: 'azure-user', scopes: new Set<Scope>(['registry.read']) };
  const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  const known = TOKENS[token];
  return known ? { subject: known.subject, scopes: new Set(known.scopes) } : undefined;
};

let reg: TestRegistry;
let browser: Browser;
const admin = { authorization: 'Bearer admin-token' };

beforeAll(async () => {
  [reg, browser] = await Promise.all([startTestRegistry({ authenticate: testAuthenticator }), launchBrowser()]);
  const created = await reg.json('POST', '/v1/models', { name: 'promo', protectedAliases: ['production'] }, admin);
  expect(created.status).toBe(201);
  for (let i = 1; i <= 3; i++) await pushVersion(reg, 'promo', { 'model.bin': `promo ${i}` }, {}, 'admin-token');
  // Version 4 stays PENDING: its bytes never arrive.
  const pending = await reg.json(
    'POST',
    '/v1/models/promo/versions',
    { files: [{ path: 'x.bin', size: 1, sha256: 'a'.repeat(64) }] },
    admin,
  );
  expect(pending.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await reg?.stop();
});

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel(/Registry token/).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const alertText = (page: Page) => page.getByRole('alert').first().innerText();

describe('sign-in', () => {
  it('a missing token shows sign-in, not a blank page; a wrong one asks again; the right one opens the page asked for', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${reg.url}/ui/models/promo`);
    await expect(page.locator('#sign-in-title').innerText()).resolves.toBe('Sign in');
    await expect(page.locator('.sign-in p').first().innerText()).resolves.toBe('Sign in to see the registry.');
    await screenshot(page, 'sign-in');
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, 'not-a-token');
    await expect
      .poll(() => page.locator('.sign-in p').first().innerText())
      .toBe('Your session has expired. Sign in again.');
    await signIn(page, 'admin-token');
    await expect.poll(() => page.locator('main h1').innerText()).toBe('promo');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('an expired token leads to sign-in, again on the page the user was on', async () => {
    const { page } = await openPage(browser);
    await page.goto(`${reg.url}/ui/`);
    await page.evaluate(() =>
      sessionStorage.setItem(
        'mreg.token',
        JSON.stringify({ accessToken: 'admin-token', expiresAt: Date.now() - 1000 }),
      ),
    );
    await page.goto(`${reg.url}/ui/models/promo/versions/2`);
    await expect(page.locator('#sign-in-title').innerText()).resolves.toBe('Sign in');
    await signIn(page, 'admin-token');
    await expect.poll(() => page.locator('main h1').innerText()).toMatch(/^promo\s+v2$/);
    await page.context().close();
  });

  it('OIDC: authorization code with PKCE against the issuer, then the API with the access token', async () => {
    const issuer: TestIssuer = await startTestIssuer({
      audience: 'mreg',
      scope: 'registry.read',
      subject: 'oidc-user',
    });
    const oidc = await startTestRegistry({
      authenticate: jwtAuthenticator({ issuer: issuer.issuer, audience: 'mreg', keys: new URL(issuer.jwksUrl) }),
      uiAuth: { kind: 'oidc', issuer: issuer.issuer, clientId: 'mreg-ui', scopes: ['openid', 'registry.read'] },
    });
    try {
      const { page, problems } = await openPage(browser);
      await page.goto(`${oidc.url}/ui/models?q=x`);
      const button = page.getByRole('button', { name: `Sign in with ${new URL(issuer.issuer).host}` });
      await button.click();
      await page.waitForURL(`${oidc.url}/ui/models?q=x`);
      await expect.poll(() => page.locator('main h1').innerText()).toBe('Models');
      await expect(page.locator('.empty').innerText()).resolves.toBe('No models match these filters.');
      expect(issuer.log).toEqual({ exchanged: 1, refused: [] });
      // The callback cannot be replayed: its one-time state is gone.
      await page.goto(`${oidc.url}/ui/callback?code=replayed&state=x`);
      await expect(alertText(page)).resolves.toMatch(/not started here/);
      expect(problems).toEqual([]);
      await page.context().close();
    } finally {
      await oidc.stop();
      await issuer.close();
    }
  });

  it('App Service: a 401 sends the browser to /.auth/login/aad, which comes back with the session', async () => {
    const azure = await startTestRegistry({
      authenticate: testAuthenticator,
      uiAuth: { kind: 'appservice', loginPath: '/.auth/login/aad' },
    });
    try {
      const { page } = await openPage(browser);
      const logins: string[] = [];
      // The platform's login route: here it sets the session cookie and goes back, as Easy Auth does after Entra ID.
      await page.route('**/.auth/login/aad**', async (route) => {
        const url = new URL(route.request().url());
        logins.push(`${url.pathname}${url.search}`);
        await route.fulfill({
          status: 302,
          headers: {
            location: url.searchParams.get('post_login_redirect_uri') ?? '/ui/',
            'set-cookie': 'AppServiceAuthSession=valid; Path=/; HttpOnly; SameSite=Lax',
          },
        });
      });
      await page.goto(`${azure.url}/ui/models`);
      await expect.poll(() => page.locator('main h1').innerText()).toBe('Models');
      expect(logins).toEqual(['/.auth/login/aad?post_login_redirect_uri=%2Fui%2Fmodels']);
      await page.context().close();
    } finally {
      await azure.stop();
    }
  });
});

describe('actions', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await openPage(browser));
    await page.goto(`${reg.url}/ui/`);
    await signIn(page, 'admin-token');
    await page.locator('table.list').waitFor();
  });

  it('moves an alias from a version page and from the model page, and the history shows both moves', async () => {
    await page.goto(`${reg.url}/ui/models/promo/versions/2`);
    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByRole('button', { name: 'Point alias at v2' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toBe('Alias moved.');
    await page.goto(`${reg.url}/ui/models/promo?tab=aliases`);
    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByLabel('Version', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Move alias' }).click();
    const champion = page.getByRole('region', { name: 'Alias champion' });
    await expect
      .poll(() => champion.locator('li').allInnerTexts())
      .toEqual([expect.stringMatching(/ada: set v2$/), expect.stringMatching(/ada: v2 → v3$/)]);
    expect((await reg.json('GET', '/v1/models/promo/aliases/champion', undefined, admin)).body).toEqual({
      alias: 'champion',
      version: 3,
    });
  });

  it('sets approval, edits tags and archives a version', async () => {
    await page.goto(`${reg.url}/ui/models/promo/versions/1`);
    await page.getByLabel('Approval', { exact: true }).selectOption('APPROVED');
    await page.getByRole('button', { name: 'Set approval' }).click();
    await expect.poll(() => page.locator('.page-head .badge').allInnerTexts()).toContain('APPROVED');
    await page.getByLabel('Tag key').fill('stage');
    await page.getByLabel('Value', { exact: true }).fill('canary');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Tags' }).locator('.chip').allInnerTexts())
      .toEqual([expect.stringMatching(/^stage\s*canary/)]);
    await page.getByRole('button', { name: 'Remove tag stage' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Tags' }).locator('.chip').count()).toBe(0);
    await page.getByRole('button', { name: 'Archive version' }).click();
    await page.getByRole('button', { name: 'Yes, archive version' }).click();
    await expect.poll(() => page.locator('.page-head .badge').allInnerTexts()).toContain('ARCHIVED');
    await screenshot(page, 'version-actions');
    const v1 = await reg.json<{ state: string; approval: string; tags: unknown }>(
      'GET',
      '/v1/models/promo/versions/1',
      undefined,
      admin,
    );
    expect(v1.body).toMatchObject({ state: 'ARCHIVED', approval: 'APPROVED', tags: {} });
  });

  it('shows 409 in words: an alias cannot point at a PENDING version', async () => {
    await page.goto(`${reg.url}/ui/models/promo?tab=aliases`);
    await page.getByLabel('Alias', { exact: true }).fill('champion');
    await page.getByLabel('Version', { exact: true }).fill('4');
    await page.getByRole('button', { name: 'Move alias' }).click();
    await expect.poll(() => alertText(page)).toMatch(/^This conflicts with the current state: version 4 is PENDING/);
  });

  it('shows 412 in words when the version changed since the page read it', async () => {
    await page.goto(`${reg.url}/ui/models/promo/versions/3`);
    await page.locator('table.files').waitFor();
    const changed = await reg.json('PATCH', '/v1/models/promo/versions/3', { tags: { elsewhere: 'yes' } }, admin);
    expect(changed.status).toBe(200);
    await page.getByLabel('Approval', { exact: true }).selectOption('REJECTED');
    await page.getByRole('button', { name: 'Set approval' }).click();
    await expect
      .poll(() => alertText(page))
      .toMatch(/^Someone changed this since the page loaded it; reload and try again/);
    await screenshot(page, 'error-412');
    expect(
      (await reg.json<{ approval: string }>('GET', '/v1/models/promo/versions/3', undefined, admin)).body.approval,
    ).toBe('NONE');
  });

  it('shows 403 in words: approval and protected aliases need admin', async () => {
    const { page: writer } = await openPage(browser);
    await writer.goto(`${reg.url}/ui/models/promo/versions/2`);
    await signIn(writer, 'writer-token');
    await writer.getByLabel('Approval', { exact: true }).selectOption('APPROVED');
    await writer.getByRole('button', { name: 'Set approval' }).click();
    await expect.poll(() => alertText(writer)).toMatch(/^You are not allowed to do this/);
    await writer.getByLabel('Alias', { exact: true }).fill('production');
    await writer.getByRole('button', { name: 'Point alias at v2' }).click();
    await expect.poll(() => writer.getByRole('alert').allInnerTexts()).toHaveLength(2);
    await expect(writer.getByRole('alert').nth(1).innerText()).resolves.toMatch(
      /^You are not allowed to do this.*production/,
    );
    expect((await reg.json('GET', '/v1/models/promo/aliases/production', undefined, admin)).status).toBe(404);
    await writer.context().close();
  });
});
