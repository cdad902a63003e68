/** The API Gateway routes, taken from the core's route table so the gateway and the app cannot drift apart. */
import { OPENAPI_PATH } from '../../shared/http/documents.js';
import { routeSpecs } from '../../shared/http/routes.js';
import type { ApiRoute } from './registry-http-api.js';

export function apiRoutes(): ApiRoute[] {
  const core = routeSpecs().map(({ method, path, scope }) => ({ method, path, scope, target: 'api' as const }));
  return [
    { method: 'GET', path: '/healthz', scope: null, target: 'api' },
    // The OpenAPI document has its own function, keeping the API's bundle small (the design's
    // size goal). The `/docs` viewer is left to the local server: every route here but
    // `/healthz` needs a bearer token, which a browser does not send for a page.
    { method: 'GET', path: OPENAPI_PATH, scope: 'registry.read', target: 'docs' },
    // The web UI's page and assets: public (they hold no data), served by the same small
    // function. The UI calls the API routes below with the user's own token.
    { method: 'GET', path: '/ui', scope: null, target: 'docs' },
    { method: 'GET', path: '/ui/{proxy+}', scope: null, target: 'docs' },
    // A route the core leaves open is still behind the authorizer at the gateway.
    ...core.map((r): ApiRoute => ({ ...r, scope: r.scope ?? 'registry.read' })),
  ];
}
