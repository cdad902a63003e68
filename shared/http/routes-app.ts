/**
 * The HTTP app over a route table: `fetch(Request) -> Response`. Hono's quick preset
 * (LinearRouter) skips the router compile that every cold start would pay on its first request.
 * It imports no route module: `app.ts` gives it the whole registry's table, `lazy-app.ts` one
 * route group's.
 */
import type { HonoOptions } from 'hono/hono-base';
import { Hono } from 'hono/quick';
import type { BlankEnv } from 'hono/types';
import type { core } from 'zod/mini';
import { mountMlflowBodyLimits, mountMlflowFallbacks } from '../compat/mlflow/mount.js';
import { RegistryError } from '../errors.js';
import type { Authenticator, Principal } from '../ports/auth.js';
import { BODY_METHODS, limitBody } from './body-limit.js';
import type { DocumentRoutes } from './documents.js';
import { methodNotAllowed, noRoute, routeRegex } from './fallbacks.js';
import { checkModelParam, decodeRestOfPath, decodeSegment } from './path-params.js';
import { errorResponse, problemOf, problemResponse } from './problem.js';
import { requireJsonContentType } from './request-guards.js';
import type { RouteDef } from './route-table.js';

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export interface RoutesAppOptions {
  routes: RouteDef[];
  authenticate: Authenticator;
  /** The OpenAPI document and the docs viewer (`documentRoutes`), where this runtime serves them. */
  documents?: DocumentRoutes;
  log?: (message: string, error: unknown) => void;
  /** Extra routes a runtime adds (the local server's signed object URLs). */
  extend?: (app: Hono) => void;
  /**
   * The router. By default Hono's LinearRouter, which has nothing to build on a cold start; a
   * long-running server gives a compiled one (RegExpRouter), faster per request.
   */
  router?: HonoOptions<BlankEnv>['router'];
}

const honoPath = (path: string): string =>
  path.replace(/\{([A-Za-z]+)\+\}/g, ':$1{.+}').replace(/\{([A-Za-z]+)\}/g, ':$1');

/**
 * Reads a route's path parameters from the raw (still encoded) path, each decoded exactly once.
 * The template is read once, when the route is mounted.
 */
function paramReader(template: string): (url: URL) => Record<string, string> {
  const slots: Array<{ index: number; name: string; rest: boolean }> = [];
  for (const [index, part] of template.split('/').entries()) {
    const m = /^\{([A-Za-z]+)(\+?)\}$/.exec(part);
    if (m?.[1]) slots.push({ index, name: m[1], rest: m[2] === '+' });
  }
  return (url) => {
    const params: Record<string, string> = {};
    if (slots.length === 0) return params;
    const raw = url.pathname.split('/');
    for (const { index, name, rest } of slots)
      params[name] = rest ? decodeRestOfPath(raw.slice(index).join('/'), name) : decodeSegment(raw[index] ?? '', name);
    if (params.model !== undefined) checkModelParam(params.model);
    return params;
  };
}

function zodProblem(error: core.$ZodError): RegistryError {
  const issues = error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    // An unknown field is named itself, not its parent object.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...base, key].join('.'), message: 'unknown field' }));
    return [{ field: base.length > 0 ? base.join('.') : 'body', message: issue.message }];
  });
  return new RegistryError(
    'validation',
    `invalid request body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    {
      issues,
    },
  );
}

/** A JSON body checked by the route's schema (the caller asks only for routes that have one). */
async function parseBody(
  request: Request,
  schema: NonNullable<RouteDef['body']>,
  accept: RouteDef['acceptBody'],
): Promise<unknown> {
  requireJsonContentType(request.headers);
  const text = await request.text();
  if (text.trim() === '')
    throw new RegistryError('validation', 'a JSON body is required', {
      issues: [{ field: 'body', message: 'missing' }],
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RegistryError('validation', 'the body is not valid JSON', {
      issues: [{ field: 'body', message: 'malformed JSON' }],
      cause: e,
    });
  }
  const accepted = accept?.(value);
  if (accepted !== undefined) return accepted;
  const parsed = schema().safeParse(value);
  if (!parsed.success) throw zodProblem(parsed.error);
  return parsed.data;
}

const tooLarge = () =>
  problemResponse(
    problemOf('payload-too-large', `JSON bodies are limited to ${MAX_JSON_BODY_BYTES} bytes`, [
      { field: 'body', message: 'too large' },
    ]),
  );

/**
 * The app over a given route table: the whole registry's (`createApp`) or one route group's,
 * which the lazily loaded app (`lazy-app.ts`) builds on the group's first request.
 */
export function createRoutesApp(options: RoutesAppOptions): Hono {
  const log = options.log ?? ((message, error) => console.error(message, error));
  const { routes } = options;
  const app = new Hono();
  // The quick preset's constructor sets its router whatever the options say; replaced before any route.
  if (options.router) app.router = options.router;

  app.onError((error) => errorResponse(error, log));
  app.notFound((c) => noRoute(c.req.method, c.req.url));

  // Routes whose body is a file's bytes (a run artifact PUT) stream it: the JSON limit is not theirs.
  const rawBody = routes
    .filter((r) => r.rawBody)
    .map((r) => ({ method: r.method, path: new RegExp(`^${routeRegex(r.path)}$`) }));
  const jsonLimit = limitBody(MAX_JSON_BODY_BYTES, tooLarge);
  // Only methods that carry a body: a read then matches its route's handler alone, which Hono
  // calls directly instead of composing a middleware chain.
  app.on(BODY_METHODS, '/v1/*', (c, next) => {
    const method = c.req.method;
    if (rawBody.some((r) => r.method === method)) {
      const path = new URL(c.req.url).pathname;
      if (rawBody.some((r) => r.method === method && r.path.test(path))) return next();
    }
    return jsonLimit(c, next);
  });

  mountMlflowBodyLimits(app);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  options.documents?.(app, routes);
  options.extend?.(app);

  for (const route of routes) {
    const rawParams = paramReader(route.path);
    app.on(route.method, honoPath(route.path), async (c) => {
      const request = c.req.raw;
      const url = new URL(request.url);
      try {
        let principal: Principal | undefined;
        if (route.scope !== null) {
          principal = await options.authenticate(request, c.env);
          if (!principal) throw new RegistryError('unauthorized', 'a valid bearer token is required');
          if (!principal.scopes.has(route.scope))
            throw new RegistryError('forbidden', `this route needs the scope ${route.scope}`);
        }
        const params = rawParams(url);
        const body = route.body ? await parseBody(request, route.body, route.acceptBody) : undefined;
        return await route.handle({
          principal: principal ?? { subject: 'anonymous', scopes: new Set() },
          params,
          query: url.searchParams,
          headers: request.headers,
          body,
          url,
          request,
        });
      } catch (error) {
        if (route.formatError) return route.formatError(error, log);
        throw error;
      }
    });
  }
  mountMlflowFallbacks(app);

  app.all('/v1/*', (c) => methodNotAllowed(routes, c.req.url));
  return app;
}
