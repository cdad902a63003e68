/**
 * The principal from API Gateway's JWT authorizer: `sub`, and scopes from `scope` (space
 * separated), `scp` and the authorizer's own `scopes` list. API Gateway hands array claims over
 * flattened to one string `"[a b c]"`; both forms are read.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type Principal, scopesFromClaims } from '../../shared/ports/auth.js';

type JwtAuthorizer = APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer'];

function claimValues(value: unknown): string[] {
  if (typeof value === 'string') {
    const flattened = /^\[(.*)\]$/s.exec(value.trim());
    return [flattened ? (flattened[1] ?? '') : value];
  }
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function principalFromAuthorizer(authorizer: JwtAuthorizer | undefined): Principal | undefined {
  const jwt = authorizer?.jwt;
  const claims: Record<string, unknown> = jwt?.claims ?? {};
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') return undefined;
  const values = [...claimValues(claims.scope), ...claimValues(claims.scp), ...claimValues(jwt?.scopes ?? [])];
  return { subject, scopes: scopesFromClaims(values) };
}
