/**
 * Verifies OAuth 2.0 access tokens (JWT) against an issuer's keys: signature, expiry, issuer
 * and audience. ID tokens are refused where an access token belongs (RFC 9068 `typ`,
 * Cognito's `token_use`, or an OpenID `nonce`), so a login token cannot call the API.
 */
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Authenticator, Principal } from '../ports/auth.js';
import { scopesFromClaims } from '../ports/auth.js';

export interface JwtAuthenticatorOptions {
  /** The accepted issuers (`iss`), e.g. an Entra tenant's v2 and v1 issuers. */
  issuer: string | string[];
  audience: string | string[];
  /** The issuer's keys: a JWKS URL, or a key getter (tests). */
  keys: URL | JWTVerifyGetKey;
  /** Allowed clock skew in seconds. */
  clockToleranceSeconds?: number;
  /** How the provider writes the registry's scope names (exactly this prefix, then the name); default bare. */
  scopePrefix?: string;
}

/** A verified access token's claims; `undefined` for any token that is not one. */
export type AccessTokenVerifier = (token: string) => Promise<JWTPayload | undefined>;

export const claimStrings = (value: unknown): string[] =>
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

/** The token of an `Authorization: Bearer` header, if it looks like a JWT. */
export function bearerToken(request: Request): string | undefined {
  return /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
}

export function accessTokenVerifier(options: Omit<JwtAuthenticatorOptions, 'scopePrefix'>): AccessTokenVerifier {
  const getKey = options.keys instanceof URL ? createRemoteJWKSet(options.keys) : options.keys;
  return async (token) => {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        // A token without an expiry would be valid forever.
        requiredClaims: ['exp'],
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      });
      if (isIdToken(protectedHeader, payload) || typeof payload.sub !== 'string') return undefined;
      return payload;
    } catch (e) {
      if (e instanceof errors.JOSEError) return undefined;
      throw e;
    }
  };
}

/** Bearer access tokens; `scope`, `scp` and `roles` under the configured prefix become registry scopes. */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  const verify = accessTokenVerifier(options);
  const prefix = options.scopePrefix ?? '';
  return async (request): Promise<Principal | undefined> => {
    const token = bearerToken(request);
    const payload = token === undefined ? undefined : await verify(token);
    if (!payload || typeof payload.sub !== 'string') return undefined;
    const scopes = scopesFromClaims(
      [...claimStrings(payload.scope), ...claimStrings(payload.scp), ...claimStrings(payload.roles)],
      { prefix },
    );
    return { subject: payload.sub, scopes };
  };
}
