/**
 * Lambda entry point `docs`: `GET /v1/openapi.json`, generated from the route table, and the
 * web UI's page and assets (`/ui/...`, public routes: the assets hold no data; the UI calls
 * the API with the user's own token). Its own small function, so the API bundle carries
 * neither the JSON Schema generator nor the UI.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentsApp } from '../../shared/http/documents.js';
import { unboundRoutes } from '../../shared/http/routes.js';
import { directoryUiAssets, UI_DIRECTORY } from '../../ui/assets.js';
import { uiAuthFromEnv } from './config.js';
import { createHttpHandler } from './handlers/api-handler.js';
import { createLogger } from './logger.js';

export const handler = createHttpHandler({
  app: () =>
    documentsApp(unboundRoutes(), {
      ui: {
        // The stack's bundling writes the built UI beside the bundle (uiBuildCommands).
        assets: directoryUiAssets(join(dirname(fileURLToPath(import.meta.url)), UI_DIRECTORY)),
        config: { runtime: 'aws', auth: uiAuthFromEnv(process.env) },
      },
    }),
  logger: createLogger('mreg-docs'),
});
