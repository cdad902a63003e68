/** Every MLflow endpoint the registry serves, as route-table entries (translation over `RegistryApi`). */
import type { RouteDef } from '../../../http/route-table.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import { artifactRoutes } from './artifacts.js';
import { experimentEndpoints } from './experiments.js';
import { loggedModelEndpoints } from './logged-models.js';
import { modelVersionEndpoints } from './model-versions.js';
import { registeredModelEndpoints } from './registered-models.js';
import { runEndpoints } from './runs.js';

export function mlflowRoutes(registry: RegistryApi): RouteDef[] {
  return [
    ...experimentEndpoints(registry),
    ...runEndpoints(registry),
    ...loggedModelEndpoints(registry),
    ...registeredModelEndpoints(registry),
    ...modelVersionEndpoints(registry),
    ...artifactRoutes(registry),
  ];
}
