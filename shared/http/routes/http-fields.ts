/** What the route modules share: JSON responses, If-Match, paging query fields, problem statuses. */
import { invalid } from '../../errors.js';
import { jsonResponse } from '../json-response.js';
import { errorResponse } from '../problem.js';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  jsonResponse(body, status, { 'content-type': 'application/json', ...headers });

export const withEtag = (status: number, body: { etag: string }): Response =>
  json(status, body, { etag: `"${body.etag}"` });

/** `If-Match: "abc"` (or `W/"abc"`, or bare) -> `abc`. `*` means any, so no condition. */
export function ifMatch(headers: Headers): string | undefined {
  const raw = headers.get('if-match');
  if (raw === null || raw.trim() === '*') return undefined;
  return raw
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

export const pageQuery = (q: URLSearchParams) => {
  const out: { pageSize?: string; pageToken?: string; filter?: string } = {};
  const pageSize = q.get('pageSize');
  const pageToken = q.get('pageToken');
  const filter = q.get('filter');
  if (pageSize !== null) out.pageSize = pageSize;
  if (pageToken !== null) out.pageToken = pageToken;
  if (filter !== null) out.filter = filter;
  return out;
};

export const PAGE_QUERY = [
  { name: 'pageSize', description: '1-1000 (default 100)' },
  { name: 'pageToken', description: 'nextPageToken of the previous page' },
];
export const FILTER = { name: 'filter', description: 'indexed predicates joined by " and "' };
export const IF_MATCH = [{ name: 'If-Match', description: 'the etag last read; a stale one is 412' }];
export const problems = (...statuses: number[]) =>
  statuses.map((status) => ({ status, description: 'problem details', schema: 'Problem' as const }));

/** A 400 naming one query field, as a response (for checks a route makes itself). */
export function registryInvalid(field: string, message: string): Response {
  return errorResponse(invalid(field, message), () => undefined);
}
