/**
 * The caller as App Service authentication (Easy Auth) hands it over: `X-MS-CLIENT-PRINCIPAL`,
 * base64 JSON `{auth_typ, claims: [{typ, val}], name_typ, role_typ}`. The platform strips
 * this header from outside requests only while authentication is on, so it is trusted only
 * when the caller says so (`WEBSITE_AUTH_ENABLED`, see config.ts).
 */
import type { Authenticator, Principal } from '../../shared/ports/auth.js';
import { scopesFromClaims } from '../../shared/ports/auth.js';

interface Claim {
  typ: string;
  val: string;
}

export interface ClientPrincipal {
  auth_typ?: string;
  claims: Claim[];
  name_typ?: string;
  role_typ?: string;
}

const ROLE_TYPES = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const SCOPE_TYPES = ['scp', 'http://schemas.microsoft.com/identity/claims/scope'];
/** The Entra object id first (stable per user or app), then the generic subject claims. */
const SUBJECT_TYPES = [
  'http://schemas.microsoft.com/identity/claims/objectidentifier',
  'oid',
  'sub',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
];

/** Decodes the header; undefined when it is missing or not the documented shape. */
export function parseClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (!header) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (!Array.isArray(record.claims)) return undefined;
  const claims = record.claims.filter(
    (c): c is Claim => typeof c === 'object' && c !== null && typeof c.typ === 'string' && typeof c.val === 'string',
  );
  const principal: ClientPrincipal = { claims };
  for (const field of ['auth_typ', 'name_typ', 'role_typ'] as const)
    if (typeof record[field] === 'string') principal[field] = record[field];
  return principal;
}

export function principalOf(client: ClientPrincipal, fallbackId?: string | null): Principal | undefined {
  const values = (types: string[]) => client.claims.filter((c) => types.includes(c.typ)).map((c) => c.val);
  const roleTypes = client.role_typ ? [...ROLE_TYPES, client.role_typ] : ROLE_TYPES;
  const subject = SUBJECT_TYPES.map((t) => values([t])[0]).find((v) => v) ?? fallbackId ?? undefined;
  if (!subject) return undefined;
  return { subject, scopes: scopesFromClaims([...values(roleTypes), ...values(SCOPE_TYPES)]) };
}

/** Reads the principal from Easy Auth's headers; falls back to `bearer` (a verified JWT) when given. */
export function appServiceAuthenticator(options: {
  trustClientPrincipal: boolean;
  bearer?: Authenticator;
}): Authenticator {
  return async (request) => {
    if (options.trustClientPrincipal) {
      const client = parseClientPrincipal(request.headers.get('x-ms-client-principal'));
      if (client) return principalOf(client, request.headers.get('x-ms-client-principal-id'));
    }
    return options.bearer ? options.bearer(request) : undefined;
  };
}
