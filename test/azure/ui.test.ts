/**
 * The web UI on Azure: `build:azure` writes the built UI beside the Function App bundle, and
 * the HTTP function serves it (public page and assets, App Service sign-in in its config)
 * while the API behind it still answers 401 without App Service's principal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import azureFunctions from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAzure } from '../../functions/azure/build.js';
import { APP_SERVICE_LOGIN_PATH, type AzureHandlers, createHandlers } from '../../functions/azure/handlers.js';
import { createAzureRuntime } from '../../functions/azure/runtime.js';
import { directoryUiAssets, UI_DIRECTORY, UI_MANIFEST_FILE } from '../../ui/assets.js';
import { DEV_ACCOUNT, DEV_KEY } from '../support/azure/azurite.js';

const { HttpRequest, InvocationContext } = azureFunctions;

let dir: string;
let handlers: AzureHandlers;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-azure-ui-'));
  await buildAzure(join(dir, 'main.cjs'));
  // Clients are made but never called: the UI's routes touch no storage, and the 401 comes first.
  const runtime = createAzureRuntime({
    storage: {
      // Azurite's published development account; nothing listens there, nothing is called.
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:9/${DEV_ACCOUNT};TableEndpoint=http://127.0.0.1:9/${DEV_ACCOUNT};QueueEndpoint=http://127.0.0.1:9/${DEV_ACCOUNT}`,
      container: 'artifacts',
      table: 'ui',
    },
    prefix: 'mreg/',
    // A tenant whose keys are never fetched: the API's 401 comes before any verification.
    jwt: {
      issuer: ['https://login.microsoftonline.com/t/v2.0'],
      audience: ['client-id'],
      jwksUrl: 'http://127.0.0.1:9/t/discovery/v2.0/keys',
    },
  });
  handlers = createHandlers(runtime, { ui: directoryUiAssets(join(dir, UI_DIRECTORY)) });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await handlers.http(
    new HttpRequest({ method: 'GET', url: `https://mreg-test.azurewebsites.net${path}` }),
    new InvocationContext({ functionName: 'api', logHandler: () => undefined }),
  );
  return { status: response.status, headers: new Headers(response.headers as HeadersInit), body: response.body };
};

describe('the web UI in the Function App', () => {
  it('build:azure writes the built UI beside the bundle', () => {
    const manifest = JSON.parse(readFileSync(join(dir, UI_DIRECTORY, UI_MANIFEST_FILE), 'utf8')) as { script: string };
    expect(existsSync(join(dir, UI_DIRECTORY, manifest.script))).toBe(true);
  });

  it('serves the page with App Service sign-in and a strict CSP, and its assets; the API still needs the principal', async () => {
    const page = await get('/ui/models/fraud');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';.*connect-src 'self';/);
    const html = new TextDecoder().decode(page.body as Uint8Array);
    const config = /name="mreg-config" content="([^"]+)"/.exec(html)?.[1]?.replace(/&quot;/g, '"') ?? '';
    expect(JSON.parse(config)).toEqual({
      runtime: 'azure',
      auth: { kind: 'appservice', loginPath: APP_SERVICE_LOGIN_PATH },
    });
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const asset = await get(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await get('/v1/models')).status).toBe(401);
  });
});
