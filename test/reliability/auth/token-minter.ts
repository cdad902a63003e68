/**
 * Mints access tokens (and the forgeries that must fail) with a locally generated key pair,
 * the way an OIDC issuer would: RS256, issuer, audience, subject, expiry, scopes in one of
 * the claim styles the platforms use (`scope`, `scp`, `roles`).
 */
import { generateKeyPair, type JWTPayload, type JWTVerifyGetKey, SignJWT, UnsecuredJWT } from 'jose';

export const ISSUER = 'https://issuer.reliability.test/';
export const AUDIENCE = 'api://mreg';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface TokenMinter {
  /** The verifier's key getter (instead of a JWKS URL). */
  keys: JWTVerifyGetKey;
  sign(
    claims: JWTPayload,
    options?: { header?: Record<string, unknown>; key?: 'issuer' | 'stranger' },
  ): Promise<string>;
  unsigned(claims: JWTPayload): string;
  /** HS256 with the issuer's public key as the shared secret (the RS/HS confusion attack). */
  confused(claims: JWTPayload): Promise<string>;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function standardClaims(extra: JWTPayload = {}): JWTPayload {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, nbf: now - 5, exp: now + 600, ...extra };
}

export async function tokenMinter(): Promise<TokenMinter> {
  const issuer: KeyPair = await generateKeyPair('RS256', { extractable: true });
  const stranger: KeyPair = await generateKeyPair('RS256');
  const publicJwk = await crypto.subtle.exportKey('jwk', issuer.publicKey as CryptoKey);
  return {
    keys: async () => issuer.publicKey,
    async sign(claims, options = {}) {
      const key = options.key === 'stranger' ? stranger.privateKey : issuer.privateKey;
      return new SignJWT(claims).setProtectedHeader({ typ: 'at+jwt', ...options.header, alg: 'RS256' }).sign(key);
    },
    unsigned: (claims) => new UnsecuredJWT(claims).encode(),
    async confused(claims) {
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(secret);
    },
  };
}
