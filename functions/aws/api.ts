/** Lambda entry point `api`: config from the environment, adapters built once per environment. */
import { configFromEnv } from './config.js';
import { createApiHandler } from './handlers/api-handler.js';
import { createLogger } from './logger.js';
import { createRegistry } from './runtime.js';

export const handler = createApiHandler({
  registry: createRegistry(configFromEnv()).registry,
  logger: createLogger('mreg-api'),
});
