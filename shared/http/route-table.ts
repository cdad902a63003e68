/**
 * The route table: method, path, required scope, schemas and handler of every API route.
 * The Hono app, the OpenAPI document and the auth matrix tests are all generated from it,
 * so a new route cannot miss validation, documentation or authorization.
 */
import type { ZodMiniType } from 'zod/mini';
import type { Principal, Scope } from '../ports/auth.js';
import type { ResponseSchemaName } from '../response-schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest<B> {
  principal: Principal;
  /** Path parameters, each already checked against the route's parameter rule. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  body: B;
  url: URL;
  /** The request as received: routes without a JSON body may stream it (an artifact PUT). */
  request: Request;
}

export interface ResponseSpec {
  status: number;
  description: string;
  /** Named, not imported: the response schemas are loaded only where the OpenAPI document is built. */
  schema?: ResponseSchemaName;
}

export interface RouteDef<B = unknown> {
  id: string;
  method: HttpMethod;
  /** OpenAPI-style path: `{name}` for one segment, `{path+}` for the rest of the path. */
  path: string;
  /** `null`: no authentication (health, docs). */
  scope: Scope | null;
  summary: string;
  tag: string;
  /** Built on the route's first request (see `lazySchema`). */
  body?: () => ZodMiniType<B>;
  /**
   * A faster check of the common valid body, for hot routes: what it returns is the body; what
   * it does not accept (undefined) goes through `body`, which decides and names the failing field.
   */
  acceptBody?: (value: unknown) => B | undefined;
  /** The body is a file's bytes, streamed by the handler (not JSON, no JSON size limit). */
  rawBody?: true;
  query?: Array<{ name: string; description: string }>;
  headers?: Array<{ name: string; description: string }>;
  responses: ResponseSpec[];
  /**
   * How this route's errors leave it, when not as problem+json (another product's wire format:
   * MLflow's `{"error_code","message"}`). Every error the route throws, authentication included.
   */
  formatError?: (error: unknown, log: (message: string, error: unknown) => void) => Response;
  handle(request: RouteRequest<B>): Promise<Response>;
}

export const defineRoute = <B>(route: RouteDef<B>): RouteDef<unknown> => route as RouteDef<unknown>;
