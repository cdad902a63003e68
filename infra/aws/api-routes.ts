/** The API Gateway routes, taken from the core's route table so the gateway and the app cannot drift apart. */
import { routeSpecs } from '../../shared/http/routes.js';
import type { ApiRoute } from './registry-http-api.js';

export function apiRoutes(): ApiRoute[] {
  const core = routeSpecs().map(({ method, path, scope }) => ({ method, path, scope }));
  return [
    { method: 'GET', path: '/healthz', scope: null },
    { method: 'GET', path: '/v1/openapi.json', scope: 'registry.read' },
    // A route the core leaves open is still behind the authorizer at the gateway.
    ...core.map((r): ApiRoute => ({ ...r, scope: r.scope ?? 'registry.read' })),
  ];
}
