/**
 * Lambda's API loads its route groups on first use (shared/http/lazy-app.ts). Its answers must be
 * the whole app's: the groups, in order, are the whole route table, every route lies under its
 * group's prefixes, and the same requests get the same status, headers and body from both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../shared/http/app.js';
import { createLazyApp, loadOnce } from '../../shared/http/lazy-app.js';
import { ROUTE_GROUPS } from '../../shared/http/route-groups.js';
import { registryRoutes, unboundRoutes } from '../../shared/http/routes.js';
import type { Authenticator, Scope } from '../../shared/ports/auth.js';
import type { RegistryApi } from '../../shared/service/registry-api.js';
import { type AppHarness, BASE, createAppHarness } from '../support/app-harness.js';

const authenticate: Authenticator = async (request) => {
  const scopes = request.headers.get('x-scopes');
  return scopes === null ? undefined : { subject: 'alice', scopes: new Set(scopes.split(' ') as Scope[]) };
};

let h: AppHarness;
let whole: { fetch(r: Request): Response | Promise<Response> };
let lazy: { fetch(r: Request): Response | Promise<Response> };

beforeAll(async () => {
  h = await createAppHarness();
  whole = createApp({ registry: h.registry, authenticate, log: () => undefined });
  lazy = createLazyApp({ registry: async () => h.registry, authenticate, log: () => undefined });
});
afterAll(async () => h?.close());

const WRITE = 'registry.read registry.write';

async function answer(
  app: typeof whole,
  method: string,
  path: string,
  init: { scopes?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.scopes !== undefined) headers['x-scopes'] = init.scopes;
  const response = await app.fetch(
    new Request(`${BASE}${path}`, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) }),
  );
  const keep = ['content-type', 'allow', 'etag', 'location'];
  return {
    status: response.status,
    headers: Object.fromEntries([...response.headers].filter(([k]) => keep.includes(k))),
    body: await response.text(),
  };
}

describe('the route groups', () => {
  it('are, in order, the whole route table', async () => {
    const unbound = unboundRoutes();
    const registry = {} as RegistryApi;
    const grouped = (await Promise.all(ROUTE_GROUPS.map(async (g) => (await g.routes())(registry)))).flat();
    expect(grouped.map((r) => `${r.method} ${r.path} ${r.id}`)).toEqual(
      unbound.map((r) => `${r.method} ${r.path} ${r.id}`),
    );
    expect(registryRoutes(registry).length).toBe(unbound.length);
  });

  it('put every route under one of its own prefixes, and no prefix under another group’s', async () => {
    for (const group of ROUTE_GROUPS) {
      const routes = (await group.routes())({} as RegistryApi);
      const outside = routes.filter((r) => !group.prefixes.some((p) => r.path === p || r.path.startsWith(`${p}/`)));
      expect(
        outside.map((r) => r.path),
        group.name,
      ).toEqual([]);
    }
    const prefixes = ROUTE_GROUPS.flatMap((g) => g.prefixes);
    for (const p of prefixes)
      expect(
        prefixes.filter((q) => q !== p && p.startsWith(`${q}/`)),
        p,
      ).toEqual([]);
  });
});

describe('the lazily loaded app', () => {
  const cases: Array<[string, string, Parameters<typeof answer>[3]?]> = [
    ['GET', '/healthz'],
    ['HEAD', '/healthz'],
    ['POST', '/healthz'],
    ['GET', '/healthz?probe=1'],
    ['GET', '/healthz/'],
    ['GET', '/%68ealthz'],
    ['GET', '/v1/%6Dodels', { scopes: WRITE }],
    ['GET', '/v1/models/', { scopes: WRITE }],
    ['HEAD', '/v1/models', { scopes: WRITE }],
    ['GET', '/'],
    ['GET', '/nope'],
    ['GET', '/v1'],
    ['GET', '/v1/'],
    ['GET', '/v1/nope', { scopes: WRITE }],
    [
      'POST',
      '/v1/nope',
      {
        scopes: WRITE,
        headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
        body: '{}',
      },
    ],
    ['GET', '/v1/modelsx', { scopes: WRITE }],
    ['GET', '/v1/models'],
    ['GET', '/v1/models', { scopes: 'registry.write' }],
    ['PUT', '/v1/models', { scopes: WRITE }],
    ['POST', '/v1/models', { scopes: WRITE, headers: { 'content-type': 'application/json' }, body: '{"name": 3}' }],
    ['POST', '/v1/models', { scopes: WRITE, headers: { 'content-type': 'text/plain' }, body: '{}' }],
    ['GET', '/v1/models/missing', { scopes: WRITE }],
    ['GET', '/v1/models/%ZZ', { scopes: WRITE }],
    ['GET', '/v1/models/same', { scopes: WRITE }],
    ['GET', '/v1/models/same/versions/-1', { scopes: WRITE }],
    ['DELETE', '/v1/models/same/versions', { scopes: WRITE }],
    ['GET', '/v1/experiments/missing', { scopes: WRITE }],
    ['GET', '/v1/runs/missing', { scopes: WRITE }],
    ['DELETE', '/v1/runs', { scopes: WRITE }],
    ['GET', '/api/2.0/mlflow/registered-models/get?name=missing', { scopes: WRITE }],
    ['GET', '/api/2.0/mlflow/registered-models/get?name=same', { scopes: WRITE }],
    ['GET', '/api/2.0/mlflow/nope', { scopes: WRITE }],
    ['GET', '/api/2.0/mlflow'],
    [
      'POST',
      '/ajax-api/2.0/mlflow/experiments/create',
      { scopes: WRITE, headers: { 'content-type': 'application/json' }, body: '{"name": 1}' },
    ],
    ['GET', '/api/2.0/mlflow-artifacts/nope', { scopes: WRITE }],
  ];

  it('answers every request as the whole app does, the first request of each group included', async () => {
    expect((await h.json('POST', '/v1/models', { body: { name: 'same' } })).status).toBe(201);
    for (const [method, path, init] of cases)
      expect(await answer(lazy, method, path, init), `${method} ${path}`).toEqual(
        await answer(whole, method, path, init),
      );
  });

  it('tries a failed load again on the next request', async () => {
    let calls = 0;
    const load = loadOnce(async () => {
      calls += 1;
      if (calls === 1) throw new Error('first load fails');
      return calls;
    });
    await expect(load()).rejects.toThrow('first load fails');
    expect(await load()).toBe(2);
    expect(await load()).toBe(2);
  });
});
