/** Lambda entry point `sweeper` (scheduled). */
import { configFromEnv } from './config.js';
import { createSweeperHandler } from './handlers/sweeper-handler.js';
import { createLogger } from './logger.js';
import { createRegistry } from './runtime.js';

export const handler = createSweeperHandler({
  registry: createRegistry(configFromEnv()).registry,
  logger: createLogger('mreg-sweeper'),
});
