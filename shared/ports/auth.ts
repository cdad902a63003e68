/** Who is calling, as the platform authenticated them. The core authorizes. */
export type Scope = 'registry.read' | 'registry.write' | 'registry.admin';

export interface Principal {
  subject: string;
  scopes: ReadonlySet<Scope>;
}

/** Maps a platform request to a principal; `undefined` means unauthenticated (401). */
export type Authenticator = (request: Request) => Promise<Principal | undefined>;

export const ALL_SCOPES: ReadonlySet<Scope> = new Set(['registry.read', 'registry.write', 'registry.admin']);
export const WRITE_SCOPES: ReadonlySet<Scope> = new Set(['registry.read', 'registry.write']);

const SCOPE_NAMES: ReadonlySet<string> = ALL_SCOPES;

export interface ScopeClaimOptions {
  /**
   * How the identity provider writes the registry's scope names: exactly this prefix, then the
   * name (a Cognito resource server `mreg/` gives `mreg/registry.read`). Default: bare names.
   * Nothing else counts: `other-prefix/registry.admin` is not `registry.admin`.
   */
  prefix?: string;
  /** The scopes these claims may grant (e.g. read and write from delegated scopes, admin elsewhere). */
  grant?: ReadonlySet<Scope>;
}

/** Adds what a scope implies: admin implies write, write implies read. */
export function withImplied(scopes: Set<Scope>): Set<Scope> {
  if (scopes.has('registry.admin')) scopes.add('registry.write');
  if (scopes.has('registry.write')) scopes.add('registry.read');
  return scopes;
}

/** Turns claim values (`scope` "a b", `scp`, `roles` arrays) into registry scopes, with the ones they imply. */
export function scopesFromClaims(values: Iterable<string>, options: ScopeClaimOptions = {}): Set<Scope> {
  const prefix = options.prefix ?? '';
  const out = new Set<Scope>();
  for (const raw of values) {
    for (const token of raw.split(/[\s,]+/)) {
      if (!token.startsWith(prefix)) continue;
      const name = token.slice(prefix.length);
      if (!SCOPE_NAMES.has(name)) continue;
      const scope = name as Scope;
      if (!options.grant || options.grant.has(scope)) out.add(scope);
    }
  }
  return withImplied(out);
}
