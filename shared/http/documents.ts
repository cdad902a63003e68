/**
 * The API's own documents: the OpenAPI 3.1 JSON generated from the route table, the `/docs`
 * viewer where the runtime can serve its assets, and the web UI (`/ui/`) where it ships one. A
 * separate module, so a runtime that serves them elsewhere (the AWS API leaves them to its own
 * small function) does not bundle the JSON Schema generator.
 */
import { Hono } from 'hono';
import { type DocsAssets, docsPage } from './docs.js';
import { buildOpenApi } from './openapi.js';
import { problemOf, problemResponse } from './problem.js';
import type { RouteDef } from './route-table.js';
import { type UiOptions, uiRoutes } from './ui.js';

export const OPENAPI_PATH = '/v1/openapi.json';

/** Adds the documents to `app`; what `createApp` takes as `documents`. */
export type DocumentRoutes = (app: Hono, routes: RouteDef[]) => void;

export interface DocumentOptions {
  /** Set: `/docs` serves the viewer too; unset: only the OpenAPI document. */
  docsAssets?: DocsAssets;
  /** Set: the web UI at `/ui/`. */
  ui?: UiOptions;
}

export function documentRoutes(options: DocumentOptions = {}): DocumentRoutes {
  return (app, routes) => {
    if (options.ui) uiRoutes(app, options.ui);
    // Built on first request: cold starts do not pay for it.
    let openapi: Record<string, unknown> | undefined;
    app.get(OPENAPI_PATH, (c) => {
      openapi ??= buildOpenApi(routes);
      return c.json(openapi);
    });
    const { docsAssets } = options;
    if (!docsAssets) return;
    app.get('/docs', (c) => c.html(docsPage(OPENAPI_PATH, '/docs/assets')));
    app.get('/docs/assets/:name', async (c) => {
      const asset = await docsAssets(c.req.param('name'));
      return asset ?? problemResponse(problemOf('not-found', 'no such asset'));
    });
  };
}

/** An app serving only the documents of `routes` (and the UI, when given): the AWS `docs` function. */
export function documentsApp(routes: RouteDef[], options: Pick<DocumentOptions, 'ui'> = {}): Hono {
  const app = new Hono();
  documentRoutes(options)(app, routes);
  app.notFound((c) => problemResponse(problemOf('not-found', `no document at ${new URL(c.req.url).pathname}`)));
  return app;
}
