/** Who is calling, as the platform authenticated them. The core authorizes. */
export type Scope = 'registry.read' | 'registry.write' | 'registry.admin';

export interface Principal {
  subject: string;
  scopes: ReadonlySet<Scope>;
}

/**
 * Maps a platform request to a principal; `undefined` means unauthenticated (401). `platform`
 * is what the runtime handed the app beside the request (`app.fetch(request, platform)`), e.g.
 * the principal a Lambda authorizer already established.
 */
export type Authenticator = (request: Request, platform?: unknown) => Promise<Principal | undefined>;

export const ALL_SCOPES: ReadonlySet<Scope> = new Set(['registry.read', 'registry.write', 'registry.admin']);

const SCOPE_NAMES: Record<string, Scope> = {
  'registry.read': 'registry.read',
  'registry.write': 'registry.write',
  'registry.admin': 'registry.admin',
};

/**
 * Turns claim values (`scope` "a b", `scp`, `roles` arrays) into registry scopes.
 * Accepts both bare names and API-identifier prefixed ones (`api://mreg/registry.read`).
 * Higher scopes imply lower ones: admin implies write implies read.
 */
export function scopesFromClaims(values: Iterable<string>): Set<Scope> {
  const out = new Set<Scope>();
  for (const raw of values) {
    for (const token of raw.split(/[\s,]+/)) {
      const name = token.slice(token.lastIndexOf('/') + 1);
      const scope = SCOPE_NAMES[name];
      if (scope) out.add(scope);
    }
  }
  if (out.has('registry.admin')) out.add('registry.write');
  if (out.has('registry.write')) out.add('registry.read');
  return out;
}
