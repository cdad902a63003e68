/**
 * Verifies OAuth 2.0 access tokens (JWT) against an issuer's keys: signature, expiry, issuer
 * and audience. ID tokens are refused where an access token belongs (RFC 9068 `typ`,
 * Cognito's `token_use`, or an OpenID `nonce`), so a login token cannot call the API.
 */
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Authenticator, Principal } from '../ports/auth.js';
import { scopesFromClaims } from '../ports/auth.js';

export interface JwtAuthenticatorOptions {
  issuer: string;
  audience: string | string[];
  /** The issuer's keys: a JWKS URL, or a key getter (tests). */
  keys: URL | JWTVerifyGetKey;
  /** Allowed clock skew in seconds. */
  clockToleranceSeconds?: number;
}

const claimStrings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];

export function isIdToken(header: { typ?: string | undefined }, payload: JWTPayload): boolean {
  if (payload.token_use === 'id') return true;
  if (typeof header.typ === 'string' && /id[_+-]?token/i.test(header.typ)) return true;
  return payload.nonce !== undefined && payload.scope === undefined && payload.scp === undefined;
}

export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const getKey = options.keys instanceof URL ? createRemoteJWKSet(options.keys) : options.keys;
  return async (request): Promise<Principal | undefined> => {
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(request.headers.get('authorization') ?? '');
    if (!match?.[1]) return undefined;
    try {
      const { payload, protectedHeader } = await jwtVerify(match[1], getKey, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        // A token without an expiry would be valid forever.
        requiredClaims: ['exp'],
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      });
      if (isIdToken(protectedHeader, payload) || typeof payload.sub !== 'string') return undefined;
      const scopes = scopesFromClaims([
        ...claimStrings(payload.scope),
        ...claimStrings(payload.scp),
        ...claimStrings(payload.roles),
      ]);
      return { subject: payload.sub, scopes };
    } catch (e) {
      if (e instanceof errors.JOSEError) return undefined;
      throw e;
    }
  };
}
