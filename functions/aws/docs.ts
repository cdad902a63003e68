/**
 * Lambda entry point `docs`: `GET /v1/openapi.json`, generated from the route table. Its own
 * small function, so the API bundle carries neither the JSON Schema generator nor the work.
 */
import { documentsApp } from '../../shared/http/documents.js';
import { unboundRoutes } from '../../shared/http/routes.js';
import { createHttpHandler } from './handlers/api-handler.js';
import { createLogger } from './logger.js';

export const handler = createHttpHandler({
  app: () => documentsApp(unboundRoutes()),
  logger: createLogger('mreg-docs'),
});
