/**
 * Who the Azure Function App lets in, through its HTTP handler with the settings App Service
 * gives it (`WEBSITE_AUTH_ENABLED=True`): the Entra access token, verified in the function
 * against the tenant's keys (a JWKS served on 127.0.0.1), issuer and audience, whether it comes
 * as a bearer token or from the App Service session (`X-MS-TOKEN-AAD-ACCESS-TOKEN`). The
 * `X-MS-CLIENT-PRINCIPAL` header grants nothing on its own: not where App Service
 * authentication skipped the request (the excluded Event Grid webhook path, reached with `..`),
 * not with its own `role_typ`, not from another identity provider.
 */
import azureFunctions from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../functions/azure/config.js';
import { type AzureHandlers, createHandlers } from '../../functions/azure/handlers.js';
import { createAzureRuntime } from '../../functions/azure/runtime.js';
import { storageAdapters } from '../../functions/azure/storage-clients.js';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import {
  CLIENT_ID,
  clientPrincipalHeader,
  type EntraCaller,
  type EntraIssuer,
  ISSUER,
  startEntraIssuer,
} from '../support/azure/entra-issuer.js';

const { HttpRequest, InvocationContext } = azureFunctions;
const HOST = 'mreg-test.azurewebsites.net';
const ADMIN: EntraCaller = { oid: 'a1a1a1a1-0000-0000-0000-000000000001', roles: ['registry.admin'] };
const WRITER: EntraCaller = { oid: 'b2b2b2b2-0000-0000-0000-000000000002', roles: ['registry.write'] };

let azurite: Azurite;
let entra: EntraIssuer;
let handlers: AzureHandlers;

beforeAll(async () => {
  [azurite, entra] = await Promise.all([startAzurite(), startEntraIssuer()]);
  const storage = { connectionString: azurite.connectionString, container: 'auth', table: 'auth' };
  const adapters = storageAdapters(storage);
  await adapters.blobService.getContainerClient('auth').createIfNotExists();
  await adapters.metadata.ensureTable();
  // What App Service and the template set: authentication on, the tenant's issuer, audience and keys.
  const env = {
    MREG_CONTAINER: 'auth',
    MREG_TABLE: 'auth',
    MREG_STORAGE_CONNECTION_STRING: azurite.connectionString,
    WEBSITE_AUTH_ENABLED: 'True',
    MREG_JWT_ISSUER: ISSUER,
    MREG_JWT_AUDIENCE: CLIENT_ID,
    MREG_JWT_JWKS_URL: entra.jwksUrl,
  };
  handlers = createHandlers(createAzureRuntime(configFromEnv(env)));
});
afterAll(async () => {
  await Promise.all([azurite?.stop(), entra?.close()]);
});

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const request = new HttpRequest({
    method,
    url: `https://${HOST}${path}`,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: { string: JSON.stringify(body) } } : {}),
  });
  const response = await handlers.http(request, new InvocationContext({ functionName: 'api' }));
  return response.status ?? 200;
}

const bearer = async (caller: EntraCaller) => ({ authorization: `Bearer ${await entra.token(caller)}` });

describe('X-MS-CLIENT-PRINCIPAL alone', () => {
  it('grants nothing: a forged admin header without a token is 401', async () => {
    const forged = { 'x-ms-client-principal': clientPrincipalHeader(ADMIN) };
    expect(await call('GET', '/v1/models', forged)).toBe(401);
    expect(await call('POST', '/v1/models', forged, { name: 'forged' })).toBe(401);
  });

  it("does not honour the header's own role_typ", async () => {
    const header = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        role_typ: 'x-my-roles',
        claims: [
          { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: WRITER.oid },
          { typ: 'x-my-roles', val: 'registry.admin' },
        ],
      }),
    ).toString('base64');
    const headers = {
      ...(await bearer({ oid: WRITER.oid, roles: ['registry.read'] })),
      'x-ms-client-principal': header,
    };
    expect(await call('POST', '/v1/models', headers, { name: 'role-typ' })).toBe(403);
  });

  it('must agree with the verified token: another identity or another provider is refused', async () => {
    const token = await bearer(WRITER);
    expect(await call('GET', '/v1/models', { ...token, 'x-ms-client-principal': clientPrincipalHeader(ADMIN) })).toBe(
      401,
    );
    expect(
      await call('GET', '/v1/models', {
        ...token,
        'x-ms-client-principal': clientPrincipalHeader(WRITER, { authType: 'google' }),
      }),
    ).toBe(401);
    expect(await call('GET', '/v1/models', { ...token, 'x-ms-client-principal': clientPrincipalHeader(WRITER) })).toBe(
      200,
    );
  });
});

describe('the excluded Event Grid webhook path', () => {
  it('cannot reach the API after normalisation, sent as-is with a forged principal', async () => {
    const forged = { 'x-ms-client-principal': clientPrincipalHeader(ADMIN) };
    for (const path of [
      '/runtime/webhooks/EventGrid/../../v1/models',
      '/runtime/webhooks/EventGrid/../../../v1/models',
      '/runtime/webhooks/EventGrid/%2e%2e/%2e%2e/%2e%2e/v1/models',
      '/runtime/webhooks/EventGrid/..%2f..%2f..%2fv1/models',
    ]) {
      const status = await call('POST', path, forged, { name: 'via-webhook' });
      expect([401, 404], path).toContain(status);
    }
    expect(await call('GET', '/v1/models/via-webhook', await bearer(ADMIN))).toBe(404);
  });
});

describe('the Entra access token, verified in the function', () => {
  it('as a bearer token: app roles give read, write and admin', async () => {
    expect(await call('POST', '/v1/models', await bearer(WRITER), { name: 'by-token' })).toBe(201);
    const protect = { protectedAliases: ['prod'] };
    expect(await call('PATCH', '/v1/models/by-token', await bearer(WRITER), protect)).toBe(403);
    expect(await call('PATCH', '/v1/models/by-token', await bearer(ADMIN), protect)).toBe(200);
  });

  it('delegated scopes give read and write, never admin', async () => {
    const delegated = { oid: 'c3c3c3c3-0000-0000-0000-000000000003', scp: 'registry.write registry.admin' };
    expect(await call('POST', '/v1/models', await bearer(delegated), { name: 'by-scope' })).toBe(201);
    expect(await call('PATCH', '/v1/models/by-scope', await bearer(delegated), { protectedAliases: ['prod'] })).toBe(
      403,
    );
  });

  it('refuses a token of an unknown key, another issuer or audience, an expired one, an ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      await entra.foreignToken(ADMIN),
      await entra.token(ADMIN, { iss: 'https://login.microsoftonline.com/another-tenant/v2.0' }),
      await entra.token(ADMIN, { aud: 'https://graph.microsoft.com' }),
      await entra.token(ADMIN, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
      await entra.token(ADMIN, { nonce: 'n', roles: undefined }),
    ];
    for (const [i, token] of bad.entries())
      expect(await call('GET', '/v1/models', { authorization: `Bearer ${token}` }), String(i)).toBe(401);
  });
});

describe('a browser on the App Service session', () => {
  it('reaches the API through the access token App Service forwards from its token store', async () => {
    const session = {
      'x-ms-token-aad-access-token': await entra.token(WRITER),
      'x-ms-client-principal': clientPrincipalHeader(WRITER),
    };
    expect(await call('GET', '/v1/models', session)).toBe(200);
    expect(await call('POST', '/v1/models', { ...session, origin: `https://${HOST}` }, { name: 'by-session' })).toBe(
      201,
    );
  });

  it('is not usable from another site (the session cookie travels by itself)', async () => {
    const session = {
      'x-ms-token-aad-access-token': await entra.token(WRITER),
      'x-ms-client-principal': clientPrincipalHeader(WRITER),
      origin: 'https://evil.example',
    };
    expect(await call('POST', '/v1/models/by-session/archive', session)).toBe(403);
    expect(await call('GET', '/v1/models/by-session', { ...session, origin: `https://${HOST}` })).toBe(200);
  });
});
