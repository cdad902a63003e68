/**
 * Lambda entry point `api`: config from the environment, SDK clients built once per
 * environment. The adapters and the request-only `RegistryApi` (no background work) are
 * imported by the first request that needs the registry, each route group by its first
 * request: the bundle is split (infra/aws/bundling.ts), and a cold start parses the entry alone.
 */
import { loadOnce } from '../../shared/http/lazy-app.js';
import { createClients } from './clients.js';
import { claimMappingFromEnv, configFromEnv } from './config.js';
import { createApiHandler } from './handlers/api-handler.js';
import { createLogger } from './logger.js';

const config = configFromEnv();
const clients = createClients(config);
export const handler = createApiHandler({
  registry: loadOnce(async () => {
    const [{ RegistryApi }, { awsRegistryPorts }] = await Promise.all([
      import('../../shared/service/registry-api.js'),
      import('./ports.js'),
    ]);
    return new RegistryApi(awsRegistryPorts(config, clients));
  }),
  logger: createLogger('mreg-api'),
  claims: claimMappingFromEnv(),
});
