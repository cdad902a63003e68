/** The local server's authentication: a bearer token from MREG_TOKEN, or open on loopback. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ALL_SCOPES, type Authenticator } from '../../shared/ports/auth.js';

/** Compared as SHA-256 digests: always 32 bytes, so the time taken says nothing of the token's length. */
const digestOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

export function localAuthenticator(token: string | undefined): Authenticator {
  if (!token) return async () => ({ subject: 'local', scopes: ALL_SCOPES });
  const expected = digestOf(token);
  return async (request) => {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1]) return undefined;
    if (!timingSafeEqual(digestOf(match[1].trim()), expected)) return undefined;
    return { subject: 'local-token', scopes: ALL_SCOPES };
  };
}
