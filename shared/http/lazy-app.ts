/**
 * The registry's HTTP app with its route groups (`route-groups.ts`) imported on first use, for
 * Lambda's API, whose cold start parses whatever its entry imports. The shell answers
 * `/healthz` and paths outside every group itself; the first request under a group's prefixes
 * imports the group and builds the app over its routes (`createRoutesApp`, as the whole app is
 * built), which answers that request and every later one under those prefixes. Other `/v1`
 * paths go to the app over no routes: the same 404, and the same body limits before it.
 * Its answers are the whole app's (test/http/lazy-app.test.ts).
 */
import { Hono } from 'hono/quick';
import type { Authenticator } from '../ports/auth.js';
import type { RegistryApi } from '../service/registry-api.js';
import { noRoute } from './fallbacks.js';
import { errorResponse } from './problem.js';
import { ROUTE_GROUPS } from './route-groups.js';
import type { RouteDef } from './route-table.js';

export interface LazyAppOptions {
  /** The registry, built on the first request that needs it (its code is loaded then too). */
  registry: () => Promise<RegistryApi>;
  authenticate: Authenticator;
  log?: (message: string, error: unknown) => void;
}

/** One shared load; a failed one is tried again by the next caller. */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function createLazyApp(options: LazyAppOptions): Hono {
  const log = options.log ?? ((message, error) => console.error(message, error));
  const app = new Hono();
  app.onError((error) => errorResponse(error, log));
  app.notFound((c) => noRoute(c.req.method, c.req.url));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const mount = (prefixes: readonly string[], routes: () => Promise<RouteDef[]>) => {
    const loaded = loadOnce(async () => {
      const [table, { createRoutesApp }] = await Promise.all([routes(), import('./routes-app.js')]);
      return createRoutesApp({ routes: table, authenticate: options.authenticate, log });
    });
    for (const prefix of prefixes)
      for (const path of [prefix, `${prefix}/*`]) app.all(path, async (c) => (await loaded()).fetch(c.req.raw, c.env));
  };
  for (const group of ROUTE_GROUPS)
    mount(group.prefixes, async () => {
      const [routes, registry] = await Promise.all([group.routes(), options.registry()]);
      return routes(registry);
    });
  mount(['/v1'], async () => []);
  return app;
}
