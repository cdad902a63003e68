/**
 * The registry's HTTP app with its route groups (`route-groups.ts`) imported on first use, for
 * Lambda's API, whose cold start parses whatever its entry imports. The shell answers
 * `/healthz` and paths outside every group itself; the first request under a group's prefixes
 * imports the group and builds the app over its routes (`createRoutesApp`, as the whole app is
 * built), which answers that request and every later one under those prefixes. Other `/v1`
 * paths go to the app over no routes: the same 404, and the same body limits before it.
 * The shell is not a Hono app, so Hono loads with the first group; it routes on the path as
 * Hono reads it (`getPath`) and matches as the whole app's LinearRouter does (`/healthz` with
 * or without a trailing slash; `/prefix/*` is the prefix itself or below it). Its answers are the whole app's (test/http/lazy-app.test.ts).
 */
import { getPath } from 'hono/utils/url';
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

/** A `fetch(Request) -> Response` app; `platform` travels to the group's app (Hono's env). */
export interface LazyApp {
  fetch(request: Request, platform?: unknown): Promise<Response>;
}

/** What the whole app's `GET /healthz` answers (Hono's `c.json`; no body for HEAD). */
const healthy = (method: string) =>
  new Response(method === 'HEAD' ? null : JSON.stringify({ status: 'ok' }), {
    headers: { 'content-type': 'application/json' },
  });

export function createLazyApp(options: LazyAppOptions): LazyApp {
  const log = options.log ?? ((message, error) => console.error(message, error));
  const mount = (prefixes: readonly string[], routes: () => Promise<RouteDef[]>) => ({
    prefixes,
    app: loadOnce(async () => {
      const [table, { createRoutesApp }] = await Promise.all([routes(), import('./routes-app.js')]);
      return createRoutesApp({ routes: table, authenticate: options.authenticate, log });
    }),
  });
  const groups = [
    ...ROUTE_GROUPS.map((group) =>
      mount(group.prefixes, async () => {
        const [routes, registry] = await Promise.all([group.routes(), options.registry()]);
        return routes(registry);
      }),
    ),
    mount(['/v1'], async () => []),
  ];
  return {
    async fetch(request, platform) {
      try {
        const path = getPath(request);
        if ((path === '/healthz' || path === '/healthz/') && (request.method === 'GET' || request.method === 'HEAD'))
          return healthy(request.method);
        const group = groups.find((g) => g.prefixes.some((p) => path === p || path.startsWith(`${p}/`)));
        if (!group) return noRoute(request.method, request.url);
        return await (await group.app()).fetch(request, platform);
      } catch (error) {
        return errorResponse(error, log);
      }
    },
  };
}
