/**
 * Rules about the request itself, checked before a route reads it; one place for every
 * runtime's app.
 *
 * - Every runtime: a route that takes a JSON body takes it only as `application/json`. A web
 *   page can send `text/plain`, form and multipart bodies to any site without a CORS preflight,
 *   never `application/json`, so this alone keeps cross-site pages from writing through routes
 *   with bodies wherever credentials travel by themselves (the local open mode, cookie sessions).
 * - The local server's open mode (no token): only its own loopback names with its own port in
 *   `Host` (a rebound DNS name is some other name), and a browser's `Origin`, where one is sent,
 *   must be the server's own. That covers the routes without a body (commit, archive, DELETE) and
 *   reads, which the content type does not.
 */
import { RegistryError } from '../errors.js';
import { problemOf, problemResponse } from './problem.js';

/** `application/json` (or a `+json` type), parameters such as `charset` allowed. */
export function isJsonMediaType(value: string | null | undefined): boolean {
  if (!value) return false;
  const semicolon = value.indexOf(';');
  const type = (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Throws the 415 problem unless the request declares a JSON body. */
export function requireJsonContentType(headers: Headers): void {
  if (isJsonMediaType(headers.get('content-type'))) return;
  throw new RegistryError(
    'unsupported-media-type',
    'this route takes a JSON body: send Content-Type: application/json',
    {
      issues: [{ field: 'header.content-type', message: 'must be application/json' }],
    },
  );
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The `Host` values that name this server on loopback: each loopback name with its port. */
export function loopbackHosts(port: number): Set<string> {
  const hosts = new Set(LOOPBACK_NAMES.map((name) => `${name}:${port}`));
  // A client leaves the default port out of `Host`.
  if (port === 80) for (const name of LOOPBACK_NAMES) hosts.add(name);
  return hosts;
}

const refused = (field: 'header.host' | 'header.origin', detail: string) =>
  problemResponse(problemOf('forbidden', detail, [{ field, message: 'not this server' }]));

/**
 * The local open mode's guard, for every path the server answers (API, documents, UI, signed
 * object URLs): a refusal, or undefined to go on. `port` is read on the first request, when the
 * server listens (port 0 picks one). Per request: one header read, one set lookup, and a string
 * comparison when `Origin` is sent. Synchronous and outside the app's middleware, so that a read
 * the app answers with one handler takes Hono's single-handler path.
 */
export function loopbackOnly(port: () => number): (request: Request) => Response | undefined {
  let hosts: Set<string> | undefined;
  return (request) => {
    hosts ??= loopbackHosts(port());
    const host = request.headers.get('host')?.toLowerCase();
    if (host === undefined || !hosts.has(host))
      return refused(
        'header.host',
        'this registry answers only to its loopback names (127.0.0.1, localhost, [::1]) and its port',
      );
    const origin = request.headers.get('origin');
    if (origin !== null && origin.toLowerCase() !== `http://${host}`)
      return refused('header.origin', 'cross-origin requests are refused: only pages this registry serves may call it');
    return undefined;
  };
}

/** An app's `fetch` behind a guard: the guard's refusal, or the app's answer. */
export const guarded =
  <E>(
    refusal: (request: Request) => Response | undefined,
    fetch: (request: Request, env?: E) => Response | Promise<Response>,
  ) =>
  (request: Request, env?: E): Response | Promise<Response> =>
    refusal(request) ?? fetch(request, env);
