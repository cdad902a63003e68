/**
 * Lambda entry point `api`: config from the environment, adapters built once per environment.
 * It builds the request-only `RegistryApi`, so background work stays out of its bundle.
 */
import { RegistryApi } from '../../shared/service/registry-api.js';
import { claimMappingFromEnv, configFromEnv } from './config.js';
import { createApiHandler } from './handlers/api-handler.js';
import { createLogger } from './logger.js';
import { awsRegistryPorts, createClients } from './runtime.js';

const config = configFromEnv();
export const handler = createApiHandler({
  registry: new RegistryApi(awsRegistryPorts(config, createClients(config))),
  logger: createLogger('mreg-api'),
  claims: claimMappingFromEnv(),
});
