/**
 * SplitRouter (shared/http/split-router.ts): paths split by first segment between two routers,
 * each holding every route that can match its paths in the order added, so Hono's middleware
 * still runs before handlers, and the registry's routes keep the compiled RegExpRouter beside
 * MLflow's table (which RegExpRouter refuses).
 */
import { Hono } from 'hono';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { swaggerUiAssets } from '../../functions/local/docs-assets.js';
import { FileObjectStore } from '../../functions/local/file-object-store.js';
import { mountObjectRoutes } from '../../functions/local/object-routes.js';
import { localRouter } from '../../functions/local/server.js';
import { localUiAssets } from '../../functions/local/ui-assets.js';
import { UrlSigner } from '../../functions/local/url-signer.js';
import { createApp } from '../../shared/http/app.js';
import { documentRoutes } from '../../shared/http/documents.js';
import { SplitRouter } from '../../shared/http/split-router.js';
import type { RegistryService } from '../../shared/service/registry-service.js';

const smart = <T>() => new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });

function app(withLeadingParameter = false) {
  const inside = smart<never>();
  const outside = smart<never>();
  const hono = new Hono({ router: new SplitRouter(['api', 'ajax-api'], inside, outside) as never });
  const seen: string[] = [];
  hono.use('*', async (c, next) => {
    seen.push(`all ${c.req.path}`);
    await next();
  });
  hono.use('/api/*', async (_c, next) => {
    seen.push('api middleware');
    await next();
  });
  hono.get('/v1/models/:model', (c) => c.text(`model ${c.req.param('model')}`));
  hono.get('/v1/models/:model/versions/:ref', (c) => c.text(`version ${c.req.param('model')}/${c.req.param('ref')}`));
  hono.post('/api/2.0/mlflow/logged-models/search', (c) => c.text('search'));
  hono.post('/api/2.0/mlflow/logged-models/:modelId/params', (c) => c.text(`params ${c.req.param('modelId')}`));
  hono.post('/ajax-api/2.0/mlflow/logged-models/search', (c) => c.text('ajax search'));
  if (withLeadingParameter) hono.get('/:anything/x', (c) => c.text(`any ${c.req.param('anything')}`));
  return { hono, seen, inside, outside };
}

const call = async (hono: Hono, method: string, path: string) => {
  const res = await hono.request(path, { method });
  return `${res.status} ${await res.text()}`;
};

describe('SplitRouter', () => {
  it('routes each family by its first segment, with parameters, and runs middleware first', async () => {
    const { hono, seen } = app();
    expect(await call(hono, 'GET', '/v1/models/fraud')).toBe('200 model fraud');
    expect(await call(hono, 'GET', '/v1/models/fraud/versions/3')).toBe('200 version fraud/3');
    expect(await call(hono, 'POST', '/api/2.0/mlflow/logged-models/search')).toBe('200 search');
    expect(await call(hono, 'POST', '/api/2.0/mlflow/logged-models/m-1/params')).toBe('200 params m-1');
    expect(await call(hono, 'POST', '/ajax-api/2.0/mlflow/logged-models/search')).toBe('200 ajax search');
    expect(seen).toEqual([
      'all /v1/models/fraud',
      'all /v1/models/fraud/versions/3',
      'all /api/2.0/mlflow/logged-models/search',
      'api middleware',
      'all /api/2.0/mlflow/logged-models/m-1/params',
      'api middleware',
      'all /ajax-api/2.0/mlflow/logged-models/search',
    ]);
  });

  it('gives a pattern that can match either family to both', async () => {
    const { hono } = app(true);
    expect(await call(hono, 'GET', '/api/x')).toBe('200 any api');
    expect(await call(hono, 'GET', '/v1/x')).toBe('200 any v1');
    expect(await call(hono, 'GET', '/v2/models/fraud')).toBe('404 404 Not Found');
    expect(await call(hono, 'POST', '/v1/models/fraud')).toBe('404 404 Not Found');
  });

  it('keeps the compiled RegExpRouter for the registry’s routes, and the TrieRouter for MLflow’s', async () => {
    const { hono, inside, outside } = app();
    await call(hono, 'GET', '/v1/models/fraud');
    await call(hono, 'POST', '/api/2.0/mlflow/logged-models/search');
    expect(outside.activeRouter).toBeInstanceOf(RegExpRouter);
    expect(inside.activeRouter).toBeInstanceOf(TrieRouter);
  });
});

describe('the local server’s router', () => {
  it('holds the whole local app: the registry’s routes compiled by RegExpRouter, MLflow’s by the TrieRouter', async () => {
    const router = localRouter<never>();
    const signer = new UrlSigner(Buffer.alloc(32, 1));
    const app = createApp({
      registry: {} as RegistryService,
      authenticate: async () => undefined,
      documents: documentRoutes({
        docsAssets: swaggerUiAssets(),
        ui: { assets: localUiAssets(), config: { runtime: 'local', auth: { kind: 'token' } } },
      }),
      extend: (a) => mountObjectRoutes(a, new FileObjectStore('/nonexistent', signer, () => ''), signer),
      router: router as never,
    });
    expect((await app.request('/v1/models/fraud')).status).toBe(401);
    expect((await app.request('/api/2.0/mlflow/experiments/get?experiment_id=1')).status).toBe(401);
    expect((router.outside as SmartRouter<never>).activeRouter).toBeInstanceOf(RegExpRouter);
    expect((router.inside as SmartRouter<never>).activeRouter).toBeInstanceOf(TrieRouter);
  });
});
