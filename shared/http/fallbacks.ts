/** What the app answers where no route matched: 404, or 405 where the path is known. */
import { problemOf, problemResponse } from './problem.js';
import type { RouteDef } from './route-table.js';

export const noRoute = (method: string, url: string): Response =>
  problemResponse(problemOf('not-found', `no route for ${method} ${new URL(url).pathname}`));

/** A known path with the wrong method is 405, not 404. */
export function methodNotAllowed(routes: readonly RouteDef[], url: string): Response {
  const path = new URL(url).pathname;
  const allowed = routes.filter((r) => new RegExp(`^${routeRegex(r.path)}$`).test(path)).map((r) => r.method);
  if (allowed.length === 0) return problemResponse(problemOf('not-found', `no route for ${path}`));
  return problemResponse(
    {
      type: 'urn:mreg:problem:method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: `use ${allowed.join(', ')}`,
    },
    { allow: allowed.join(', ') },
  );
}

export const routeRegex = (path: string): string =>
  path
    .replace(/[.*?^$()|[\]\\]/g, '\\$&')
    .replace(/\{[A-Za-z]+\+\}/g, '.+')
    .replace(/\{[A-Za-z]+\}/g, '[^/]+');
