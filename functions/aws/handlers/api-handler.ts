/** The `api` and `docs` functions: API Gateway HTTP API events through the core's fetch apps. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createApp } from '../../../shared/http/app.js';
import type { Authenticator, Principal } from '../../../shared/ports/auth.js';
import type { RegistryApi } from '../../../shared/service/registry-api.js';
import { requestOf, resultOf } from '../api-gateway.js';
import { BARE_SCOPES, type ClaimMapping, principalFromAuthorizer } from '../jwt-principal.js';
import type { Logger } from '../logger.js';

/** `/healthz` has no authorizer, so its events carry no `authorizer` at all. */
export type ApiEvent = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'> & {
  requestContext: Omit<APIGatewayProxyEventV2WithJWTAuthorizer['requestContext'], 'authorizer'> & {
    authorizer?: APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'];
  };
};

export type ApiHandler = (event: ApiEvent, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** What an HTTP handler serves: a `fetch(Request) -> Response` app. */
export interface HttpApp {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * API Gateway events through any fetch app: the principal from the authorizer's claims, a
 * correlation id, one log line per request.
 */
export function createHttpHandler(deps: {
  app: (authenticate: Authenticator, log: (message: string, error: unknown) => void) => HttpApp;
  logger: Logger;
  /** How the authorizer's claims become scopes (default: bare scope names, no admin). */
  claims?: ClaimMapping;
}): ApiHandler {
  const { logger } = deps;
  // The principal of the request in flight: the app's authenticator reads it back.
  const principals = new AsyncLocalStorage<Principal | undefined>();
  const app = deps.app(
    async () => principals.getStore(),
    (message, error) => logger.error(message, error instanceof Error ? error : String(error)),
  );
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    logger.setCorrelationId(event.headers?.['x-correlation-id'] ?? event.requestContext.requestId);
    const principal = principalFromAuthorizer(event.requestContext.authorizer, deps.claims ?? BARE_SCOPES);
    const request = requestOf(event as APIGatewayProxyEventV2);
    const response = await principals.run(principal, () => app.fetch(request));
    logger.info('request', {
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      subject: principal?.subject,
    });
    return resultOf(response);
  };
}

/** The `api` function: the registry's HTTP app (without its documents, which `docs` serves). */
export function createApiHandler(deps: { registry: RegistryApi; logger: Logger; claims?: ClaimMapping }): ApiHandler {
  return createHttpHandler({
    app: (authenticate, log) => createApp({ registry: deps.registry, authenticate, log }),
    logger: deps.logger,
    ...(deps.claims ? { claims: deps.claims } : {}),
  });
}
