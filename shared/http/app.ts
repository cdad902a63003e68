/**
 * The registry's HTTP app: `fetch(Request) -> Response`. Every runtime (Lambda, Azure
 * Functions, the local Node server) is a thin adapter around it; Azure and the local server
 * build it whole, Lambda's API loads it a route group at a time (`lazy-app.ts`).
 */
import type { Hono } from 'hono/quick';
import type { RegistryApi } from '../service/registry-api.js';
import type { RouteDef } from './route-table.js';
import { registryRoutes } from './routes.js';
import { createRoutesApp, type RoutesAppOptions } from './routes-app.js';

export { MAX_JSON_BODY_BYTES } from './routes-app.js';

export interface AppOptions extends Omit<RoutesAppOptions, 'routes'> {
  registry: RegistryApi;
}

export function createApp(options: AppOptions): Hono {
  const { registry, ...rest } = options;
  return createRoutesApp({ ...rest, routes: registryRoutes(registry) });
}

export type { RouteDef };
