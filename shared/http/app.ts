/**
 * The registry's HTTP app: `fetch(Request) -> Response`. Every runtime (Lambda, Azure
 * Functions, the local Node server) is a thin adapter around it. Hono's quick preset
 * (LinearRouter) skips the router compile that every cold start would pay on its first request.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Hono } from 'hono/quick';
import type { core } from 'zod/mini';
import { mountMlflowBodyLimits, mountMlflowFallbacks } from '../compat/mlflow/mount.js';
import { RegistryError } from '../errors.js';
import type { Authenticator, Principal } from '../ports/auth.js';
import type { RegistryApi } from '../service/registry-api.js';
import type { DocumentRoutes } from './documents.js';
import { checkModelParam, decodeRestOfPath, decodeSegment } from './path-params.js';
import { errorResponse, problemOf, problemResponse } from './problem.js';
import { requireJsonContentType } from './request-guards.js';
import type { RouteDef } from './route-table.js';
import { registryRoutes } from './routes.js';

export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export interface AppOptions {
  registry: RegistryApi;
  authenticate: Authenticator;
  /** The OpenAPI document and the docs viewer (`documentRoutes`), where this runtime serves them. */
  documents?: DocumentRoutes;
  log?: (message: string, error: unknown) => void;
  /** Extra routes a runtime adds (the local server's signed object URLs). */
  extend?: (app: Hono) => void;
  /** Runs before every path the app answers (the local open mode's loopback Host and same-origin rule). */
  guard?: MiddlewareHandler;
}

const honoPath = (path: string): string =>
  path.replace(/\{([A-Za-z]+)\+\}/g, ':$1{.+}').replace(/\{([A-Za-z]+)\}/g, ':$1');

/** Path parameters read from the raw (still encoded) path, decoded exactly once here. */
function rawParams(template: string, url: URL): Record<string, string> {
  const parts = template.split('/');
  const raw = url.pathname.split('/');
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const rest = /^\{([A-Za-z]+)\+\}$/.exec(part);
    if (rest?.[1]) {
      params[rest[1]] = decodeRestOfPath(raw.slice(i).join('/'), rest[1]);
      break;
    }
    const one = /^\{([A-Za-z]+)\}$/.exec(part);
    if (one?.[1]) params[one[1]] = decodeSegment(raw[i] ?? '', one[1]);
  }
  if (params.model !== undefined) checkModelParam(params.model);
  return params;
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

async function parseBody(route: RouteDef, request: Request): Promise<unknown> {
  if (!route.body) return undefined;
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
  const parsed = route.body().safeParse(value);
  if (!parsed.success) throw zodProblem(parsed.error);
  return parsed.data;
}

export function createApp(options: AppOptions): Hono {
  const log = options.log ?? ((message, error) => console.error(message, error));
  const routes = registryRoutes(options.registry);
  const app = new Hono();

  app.onError((error) => errorResponse(error, log));
  app.notFound((c) =>
    problemResponse(problemOf('not-found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)),
  );

  if (options.guard) app.use('*', options.guard);
  // Routes whose body is a file's bytes (a run artifact PUT) stream it: the JSON limit is not theirs.
  const rawBody = routes
    .filter((r) => r.rawBody)
    .map((r) => ({ method: r.method, path: new RegExp(`^${routeRegex(r.path)}$`) }));
  const jsonLimit = bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: () =>
      problemResponse(
        problemOf('payload-too-large', `JSON bodies are limited to ${MAX_JSON_BODY_BYTES} bytes`, [
          { field: 'body', message: 'too large' },
        ]),
      ),
  });
  app.use('/v1/*', (c, next) => {
    const path = new URL(c.req.url).pathname;
    return rawBody.some((r) => r.method === c.req.method && r.path.test(path)) ? next() : jsonLimit(c, next);
  });

  mountMlflowBodyLimits(app);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  options.documents?.(app, routes);
  options.extend?.(app);

  for (const route of routes) {
    app.on(route.method, honoPath(route.path), async (c) => {
      const request = c.req.raw;
      const url = new URL(request.url);
      try {
        let principal: Principal | undefined;
        if (route.scope !== null) {
          principal = await options.authenticate(request);
          if (!principal) throw new RegistryError('unauthorized', 'a valid bearer token is required');
          if (!principal.scopes.has(route.scope))
            throw new RegistryError('forbidden', `this route needs the scope ${route.scope}`);
        }
        const params = rawParams(route.path, url);
        const body = await parseBody(route, request);
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

  // A known path with the wrong method is 405, not 404.
  app.all('/v1/*', (c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = routes.filter((r) => new RegExp(`^${routeRegex(r.path)}$`).test(path)).map((r) => r.method);
    if (allowed.length === 0) return problemResponse(problemOf('not-found', `no route for ${path}`));
    return problemResponse(
      {
        type: 'urn:mreg:problem:method-not-allowed',
        title: 'Method not allowed',
        status: 405,
        detail: `use ${allowed.join(', ')}`,
      },
      { allow: allowed.join(', ') },
    );
  });
  return app;
}

const routeRegex = (path: string): string =>
  path
    .replace(/[.*?^$()|[\]\\]/g, '\\$&')
    .replace(/\{[A-Za-z]+\+\}/g, '.+')
    .replace(/\{[A-Za-z]+\}/g, '[^/]+');

export type { RouteDef };
