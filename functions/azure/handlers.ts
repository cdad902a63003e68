/**
 * The Function App's handlers, bound to one runtime: each turns its trigger's input into a
 * core call and nothing more. main.ts registers them; tests call them with constructed inputs.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { createApp } from '../../shared/http/app.js';
import { documentRoutes } from '../../shared/http/documents.js';
import type { UiAssets } from '../../shared/http/ui.js';
import { type DeliveredEvent, objectCreatedFromEventGrid } from './blob-created-event.js';
import { toFetchRequest, toHttpResponse } from './http-bridge.js';
import type { AzureRuntime } from './runtime.js';
import { collectingVerifications, verificationRequestOf } from './verification-outbox.js';

/** App Service authentication's login route: the UI goes there on a 401 and comes back signed in. */
export const APP_SERVICE_LOGIN_PATH = '/.auth/login/aad';

export function createHandlers(runtime: AzureRuntime, options: { ui?: UiAssets } = {}) {
  const app = createApp({
    registry: runtime.registry,
    authenticate: runtime.authenticate,
    documents: documentRoutes(
      options.ui
        ? {
            ui: {
              assets: options.ui,
              config: { runtime: 'azure', auth: { kind: 'appservice', loginPath: APP_SERVICE_LOGIN_PATH } },
            },
          }
        : {},
    ),
  });
  const container = runtime.config.storage.container;

  return {
    async http(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
      return collectingVerifications(context, async () =>
        toHttpResponse(await app.fetch(await toFetchRequest(request))),
      );
    },

    async blobCreated(delivered: DeliveredEvent, context: InvocationContext) {
      const mapped = objectCreatedFromEventGrid(delivered, container);
      if ('ignored' in mapped) {
        context.log(`event ignored: ${mapped.ignored}`);
        return { kind: 'ignored' as const, reason: mapped.ignored };
      }
      // A thrown error makes Event Grid deliver again (then dead-letter): the core is idempotent.
      const outcome = await collectingVerifications(context, () => runtime.registry.objectCreated(mapped.event));
      context.log(`${mapped.event.key}: ${JSON.stringify(outcome)}`);
      return outcome;
    },

    async verify(message: unknown, context: InvocationContext) {
      const { model, version } = verificationRequestOf(message);
      const result = await collectingVerifications(context, () =>
        runtime.registry.versions.runVerification(model, version),
      );
      context.log(`verified ${model}/${version}: ${result?.version.state ?? 'nothing to do'}`);
      return result?.version.state;
    },

    async sweep(_timer: Timer, context: InvocationContext) {
      const report = await collectingVerifications(context, () => runtime.registry.sweep());
      context.log(`sweep: ${JSON.stringify(report)}`);
      return report;
    },

    async publishHistory(_timer: Timer, context: InvocationContext) {
      const report = await runtime.registry.drainHistory(runtime.events);
      context.log(`published ${report.published} event(s)`);
      return report;
    },
  };
}

export type AzureHandlers = ReturnType<typeof createHandlers>;
