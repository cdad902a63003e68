/** The local server's authentication: a bearer token from MREG_TOKEN, or open on loopback. */
import { timingSafeEqual } from 'node:crypto';
import { ALL_SCOPES, type Authenticator } from '../../shared/ports/auth.js';

export function localAuthenticator(token: string | undefined): Authenticator {
  if (!token) return async () => ({ subject: 'local', scopes: ALL_SCOPES });
  const expected = Buffer.from(token, 'utf8');
  return async (request) => {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1]) return undefined;
    const given = Buffer.from(match[1].trim(), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { subject: 'local-token', scopes: ALL_SCOPES };
  };
}
