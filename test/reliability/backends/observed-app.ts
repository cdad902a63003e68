/** The registry's HTTP app as a backend serves it, keeping the first errors it did not expect. */
import type { Hono } from 'hono';
import { createApp } from '../../../shared/http/app.js';
import { documentRoutes } from '../../../shared/http/documents.js';
import type { RegistryService } from '../../../shared/service/registry-service.js';
import { headerAuthenticator } from '../principal-header.js';

export function observedApp(registry: RegistryService): { app: Hono; unexpectedErrors: string[] } {
  const unexpectedErrors: string[] = [];
  const app = createApp({
    registry,
    documents: documentRoutes(),
    authenticate: headerAuthenticator,
    log: (message, error) => {
      const e = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (unexpectedErrors.length < 20) unexpectedErrors.push(`${message}: ${e}`);
    },
  });
  return { app, unexpectedErrors };
}
