/**
 * Opaque page tokens: base64url JSON bound to the listing (route), its partition and its
 * filter. Every field is checked on the way back in: a malformed, tampered or foreign token
 * is a 400 naming `pageToken`, never a 500.
 */
import * as z from 'zod/mini';
import { invalid } from '../errors.js';
import { lazySchema } from '../schemas.js';

const TokenSchema = lazySchema(() =>
  z.strictObject({
    v: z.literal(1),
    r: z.string().check(z.maxLength(64)),
    p: z.string().check(z.maxLength(300)),
    f: z.string().check(z.maxLength(2048)),
    a: z.string().check(z.maxLength(2048)),
  }),
);

export interface PageScope {
  route: string;
  partition: string;
  filter: string;
}

export function encodePageToken(scope: PageScope, after: string): string {
  const body = { v: 1, r: scope.route, p: scope.partition, f: scope.filter, a: after };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Returns the row key to continue after, or throws a 400 when the token is not one of ours for
 * this listing. A listing read more than one way names each way's key prefix.
 */
export function decodePageToken(token: string, scope: PageScope, keyPrefix: string | readonly string[]): string {
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid('pageToken', 'malformed page token');
  let parsed: z.infer<ReturnType<typeof TokenSchema>>;
  try {
    parsed = TokenSchema().parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw invalid('pageToken', 'malformed page token');
  }
  if (parsed.r !== scope.route || parsed.p !== scope.partition || parsed.f !== scope.filter)
    throw invalid('pageToken', 'page token belongs to another listing or filter');
  const prefixes = typeof keyPrefix === 'string' ? [keyPrefix] : keyPrefix;
  if (!prefixes.some((p) => parsed.a.startsWith(p))) throw invalid('pageToken', 'page token does not fit this listing');
  return parsed.a;
}

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export function pageSizeOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^[0-9]{1,7}$/.test(raw)) throw invalid('pageSize', 'must be an integer from 1 to 1000');
  const n = Number(raw);
  if (n < 1 || n > MAX_PAGE_SIZE) throw invalid('pageSize', 'must be an integer from 1 to 1000');
  return n;
}
