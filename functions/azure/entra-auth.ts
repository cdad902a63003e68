/**
 * Who calls the Function App: the Entra ID access token, verified here (the tenant's keys,
 * issuer, audience) rather than taken on App Service's word, because the platform's
 * authentication does not run everywhere the function can be reached (its excluded webhook
 * path, a misconfiguration), and a header it did not set is just a header.
 *
 * - The token comes as `Authorization: Bearer` (API clients, the CLI), or, for a browser on the
 *   App Service session, as `X-MS-TOKEN-AAD-ACCESS-TOKEN`, which App Service forwards from its
 *   token store. That session travels with a cookie, so a cross-site `Origin` is refused there.
 * - Subject: the token's `oid` (the Entra object id, stable per user or app). Scopes: app roles
 *   (`roles`, assigned per user or app by the tenant) give read, write and admin; delegated
 *   scopes (`scp`, consented per client) give read and write only.
 * - `X-MS-CLIENT-PRINCIPAL` grants nothing. Where it is present it must be what App Service
 *   documents for this token: identity provider `aad`, the same object id; its `role_typ` and
 *   roles are not read. Anything else is a forgery, and the request is refused.
 */
import type { JWTPayload } from 'jose';
import { type AccessTokenVerifier, bearerToken, claimStrings } from '../../shared/auth/jwt-authenticator.js';
import { RegistryError } from '../../shared/errors.js';
import { ALL_SCOPES, type Authenticator, scopesFromClaims, WRITE_SCOPES } from '../../shared/ports/auth.js';

export const SESSION_TOKEN_HEADER = 'x-ms-token-aad-access-token';
const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

interface ClientPrincipal {
  auth_typ?: unknown;
  claims?: unknown;
}

/** Decodes `X-MS-CLIENT-PRINCIPAL` (base64 JSON); undefined when it is not that. */
export function parseClientPrincipal(header: string): ClientPrincipal | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as ClientPrincipal) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the header describes this token's caller as App Service would: provider `aad`, same object id. */
export function clientPrincipalAgrees(header: string, objectId: string): boolean {
  const principal = parseClientPrincipal(header);
  if (principal?.auth_typ !== 'aad' || !Array.isArray(principal.claims)) return false;
  const ids = principal.claims
    .filter((c): c is { typ: string; val: string } => typeof c?.typ === 'string' && typeof c?.val === 'string')
    .filter((c) => c.typ === OBJECT_ID_CLAIM || c.typ === 'oid')
    .map((c) => c.val);
  return ids.length > 0 && ids.every((id) => id === objectId);
}

/** A browser's `Origin` names this site: the request's own host (as App Service forwards it). */
function sameSite(origin: string, request: Request): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host === new URL(request.url).host || host === request.headers.get('host');
}

export function principalOfEntraToken(payload: JWTPayload) {
  const subject = typeof payload.oid === 'string' && payload.oid !== '' ? payload.oid : payload.sub;
  if (typeof subject !== 'string') return undefined;
  const scopes = scopesFromClaims(claimStrings(payload.scp), { grant: WRITE_SCOPES });
  for (const scope of scopesFromClaims(claimStrings(payload.roles), { grant: ALL_SCOPES })) scopes.add(scope);
  return { subject, scopes };
}

export function entraAuthenticator(verify: AccessTokenVerifier): Authenticator {
  return async (request) => {
    const bearer = bearerToken(request);
    const token = bearer ?? request.headers.get(SESSION_TOKEN_HEADER) ?? undefined;
    if (token === undefined) return undefined;
    const payload = await verify(token);
    if (!payload) return undefined;
    const principal = principalOfEntraToken(payload);
    if (!principal) return undefined;
    const header = request.headers.get('x-ms-client-principal');
    if (header !== null && !clientPrincipalAgrees(header, principal.subject)) return undefined;
    const origin = request.headers.get('origin');
    if (bearer === undefined && origin !== null && !sameSite(origin, request))
      throw new RegistryError('forbidden', "this site's session cannot be used from another site", {
        issues: [{ field: 'header.origin', message: 'not this site' }],
      });
    return principal;
  };
}
