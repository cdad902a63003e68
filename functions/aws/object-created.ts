/** Lambda entry point `object-created`: S3 notifications (SQS, direct, EventBridge) to the core. */
import { configFromEnv } from './config.js';
import { createObjectCreatedHandler } from './handlers/object-created-handler.js';
import { createLogger } from './logger.js';
import { createRegistry } from './runtime.js';

const config = configFromEnv();
export const handler = createObjectCreatedHandler({
  registry: createRegistry(config).registry,
  bucket: config.bucket,
  logger: createLogger('mreg-object-created'),
});
