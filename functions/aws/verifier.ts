/** Lambda entry point `verifier`: asynchronous verification of PENDING versions. */
import { configFromEnv } from './config.js';
import { createVerifierHandler } from './handlers/verifier-handler.js';
import { createLogger } from './logger.js';
import { createRegistry } from './runtime.js';

export const handler = createVerifierHandler({
  registry: createRegistry(configFromEnv()).registry,
  logger: createLogger('mreg-verifier'),
});
