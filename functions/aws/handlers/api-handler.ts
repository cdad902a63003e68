/** The `api` and `docs` functions: API Gateway HTTP API events through the core's fetch apps. */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createLazyApp } from '../../../shared/http/lazy-app.js';
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
  fetch(request: Request, platform?: RequestPlatform): Response | Promise<Response>;
}

/** What the handler hands the app beside the request: the principal the authorizer established. */
interface RequestPlatform {
  principal: Principal | undefined;
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
  // The request's principal travels beside it (Hono's env), which the app's authenticator reads:
  // no AsyncLocalStorage, whose promise hooks every request would pay for on Node 20.
  const app = deps.app(
    async (_request, platform) => (platform as RequestPlatform | undefined)?.principal,
    (message, error) => logger.error(message, error instanceof Error ? error : String(error)),
  );
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    logger.setCorrelationId(event.headers?.['x-correlation-id'] ?? event.requestContext.requestId);
    const principal = principalFromAuthorizer(event.requestContext.authorizer, deps.claims ?? BARE_SCOPES);
    const request = requestOf(event as APIGatewayProxyEventV2);
    const response = await app.fetch(request, { principal });
    logger.info('request', {
      method: request.method,
      path: event.rawPath,
      status: response.status,
      subject: principal?.subject,
    });
    return resultOf(response);
  };
}

/**
 * The `api` function: the registry's HTTP app (without its documents, which `docs` serves),
 * its route groups loaded on first use, so a cold start parses only what its request needs.
 * `registry` may be loaded on first use too (the entry point's is).
 */
export function createApiHandler(deps: {
  registry: RegistryApi | (() => Promise<RegistryApi>);
  logger: Logger;
  claims?: ClaimMapping;
}): ApiHandler {
  const { registry } = deps;
  return createHttpHandler({
    app: (authenticate, log) =>
      createLazyApp({
        registry: typeof registry === 'function' ? registry : async () => registry,
        authenticate,
        log,
      }),
    logger: deps.logger,
    ...(deps.claims ? { claims: deps.claims } : {}),
  });
}
