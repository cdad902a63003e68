/**
 * The route table in groups, each under its own path prefixes, each imported on its first
 * request by the lazily loaded app (`lazy-app.ts`): a bundle split by esbuild carries a group,
 * its service code and its schemas in chunks that a cold start does not parse.
 * In order, the groups are the whole table (`registryRoutes`; test/http/lazy-app.test.ts).
 */
import { ARTIFACTS_PREFIX, MLFLOW_PREFIXES } from '../compat/mlflow/prefixes.js';
import type { RegistryApi } from '../service/registry-api.js';
import type { RouteDef } from './route-table.js';

export interface RouteGroup {
  name: string;
  /** Every route of the group lies at or under one of these. */
  prefixes: readonly string[];
  routes(): Promise<(registry: RegistryApi) => RouteDef[]>;
}

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  {
    name: 'models',
    prefixes: ['/v1/models'],
    routes: async () => {
      const [models, versions, aliases] = await Promise.all([
        import('./routes/models.js'),
        import('./routes/versions.js'),
        import('./routes/aliases.js'),
      ]);
      return (registry) => [
        ...models.modelRoutes(registry),
        ...versions.versionRoutes(registry),
        ...aliases.aliasRoutes(registry),
      ];
    },
  },
  {
    name: 'tracking',
    prefixes: ['/v1/experiments', '/v1/runs'],
    routes: async () => {
      const [tracking, artifacts] = await Promise.all([
        import('./routes/tracking.js'),
        import('./routes/run-artifacts.js'),
      ]);
      return (registry) => [...tracking.trackingRoutes(registry), ...artifacts.runArtifactRoutes(registry)];
    },
  },
  {
    name: 'mlflow',
    prefixes: [...MLFLOW_PREFIXES, ARTIFACTS_PREFIX],
    routes: async () => (await import('../compat/mlflow/routes/index.js')).mlflowRoutes,
  },
];
