/**
 * Who calls, for the sections that are not about authentication: the principal travels in a
 * test header (the same one test/support/app-harness.ts reads), so one registry serves every
 * role. The auth section uses real JWTs through `jwtAuthenticator` instead.
 */
import type { Authenticator, Principal, Scope } from '../../shared/ports/auth.js';

export const PRINCIPAL_HEADER = 'x-test-principal';

export type Role = 'none' | 'read' | 'write' | 'admin';

export const ROLE_SCOPES: Record<Exclude<Role, 'none'>, Scope[]> = {
  read: ['registry.read'],
  write: ['registry.read', 'registry.write'],
  admin: ['registry.read', 'registry.write', 'registry.admin'],
};

export const principalOf = (subject: string, role: Exclude<Role, 'none'>): Principal => ({
  subject,
  scopes: new Set(ROLE_SCOPES[role]),
});

export const ADMIN = principalOf('reliability-admin', 'admin');

export function principalHeader(principal: Principal): string {
  return JSON.stringify({ subject: principal.subject, scopes: [...principal.scopes] });
}

const SCOPES = new Set<string>(['registry.read', 'registry.write', 'registry.admin']);
const isScope = (value: unknown): value is Scope => typeof value === 'string' && SCOPES.has(value);

export const headerAuthenticator: Authenticator = async (request) => {
  const raw = request.headers.get(PRINCIPAL_HEADER);
  if (!raw) return undefined;
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { subject, scopes } = parsed as { subject?: unknown; scopes?: unknown };
  if (typeof subject !== 'string' || !Array.isArray(scopes)) return undefined;
  return { subject, scopes: new Set(scopes.filter(isScope)) };
};
