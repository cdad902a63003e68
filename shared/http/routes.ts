/** Every API route of the registry, as data: one module per resource. */
import { mlflowRoutes } from '../compat/mlflow/routes/index.js';
import type { RegistryApi } from '../service/registry-api.js';
import type { RouteDef } from './route-table.js';
import { aliasRoutes } from './routes/aliases.js';
import { modelRoutes } from './routes/models.js';
import { runArtifactRoutes } from './routes/run-artifacts.js';
import { trackingRoutes } from './routes/tracking.js';
import { versionRoutes } from './routes/versions.js';

export interface RouteSpec {
  id: string;
  method: RouteDef['method'];
  path: string;
  scope: RouteDef['scope'];
}

/** The route table without a registry behind it (its handlers throw): for documents and enumeration. */
export function unboundRoutes(): RouteDef[] {
  const refuse = () => {
    throw new Error('these routes have no registry behind them');
  };
  // Route modules may take a group (`registry.tracking`) when built; calling any operation throws.
  const group = new Proxy({}, { get: () => refuse });
  const unbound = new Proxy({} as RegistryApi, { get: () => group });
  return registryRoutes(unbound);
}

/** What infrastructure and tests enumerate. */
export function routeSpecs(): RouteSpec[] {
  return unboundRoutes().map(({ id, method, path, scope }) => ({ id, method, path, scope }));
}

/** The whole table, in the order of its groups (`route-groups.ts`, which the lazily loaded app imports one by one). */
export function registryRoutes(registry: RegistryApi): RouteDef[] {
  return [
    ...modelRoutes(registry),
    ...versionRoutes(registry),
    ...aliasRoutes(registry),
    ...trackingRoutes(registry),
    ...runArtifactRoutes(registry),
    ...mlflowRoutes(registry),
  ];
}
