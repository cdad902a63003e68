/**
 * The principal from API Gateway's JWT authorizer: `sub`; read and write from the scopes
 * (`scope`, space separated, `scp`, and the authorizer's own `scopes` list) named exactly as the
 * gateway checks them (`<prefix>registry.write`); admin only from a configured claim (groups or
 * roles a tenant assigns per user, e.g. `cognito:groups`), never from a delegated scope that
 * every user of a client holds. API Gateway hands array claims over flattened to one string
 * `"[a b c]"`; both forms are read.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type Principal, type Scope, scopesFromClaims, WRITE_SCOPES, withImplied } from '../../shared/ports/auth.js';

type JwtAuthorizer = APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'];

export interface ClaimMapping {
  /** The scope names' prefix, as the authorizer's routes name them (`scopePrefix` of the stack). */
  scopePrefix: string;
  /** The claim that makes an admin, and the values of it that do; unset: nobody is an admin. */
  adminClaim?: string;
  adminValues?: string[];
}

export const BARE_SCOPES: ClaimMapping = { scopePrefix: '' };

function claimValues(value: unknown): string[] {
  if (typeof value === 'string') {
    const flattened = /^\[(.*)\]$/s.exec(value.trim());
    return [flattened ? (flattened[1] ?? '') : value];
  }
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

const tokensOf = (value: unknown): string[] => claimValues(value).flatMap((v) => v.split(/[\s,]+/).filter(Boolean));

export function principalFromAuthorizer(
  authorizer: JwtAuthorizer | undefined,
  mapping: ClaimMapping = BARE_SCOPES,
): Principal | undefined {
  const jwt = authorizer?.jwt;
  const claims: Record<string, unknown> = jwt?.claims ?? {};
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') return undefined;
  const values = [...claimValues(claims.scope), ...claimValues(claims.scp), ...claimValues(jwt?.scopes ?? [])];
  const scopes: Set<Scope> = scopesFromClaims(values, { prefix: mapping.scopePrefix, grant: WRITE_SCOPES });
  const admins = mapping.adminValues ?? [];
  if (mapping.adminClaim && tokensOf(claims[mapping.adminClaim]).some((v) => admins.includes(v)))
    withImplied(scopes.add('registry.admin'));
  return { subject, scopes };
}
