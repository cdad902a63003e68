/**
 * The trust-boundary attacks of issue #14 (auth/boundary-attacks.ts) with fuzzed inputs: any
 * foreign origin and body type against the local open mode, any forged principal header
 * against the Azure authenticator, any foreign scope prefix against the AWS handler, any
 * foreign writer's drop-in, any excess over a part. Every run is a hostile case; one that gets
 * past its boundary is a hostile case accepted.
 */
import fc from 'fast-check';
import { registryRoutes } from '../../../shared/http/routes.js';
import {
  type AttackResult,
  BOUNDARY_ATTACKS,
  type BoundaryAttack,
  type BoundaryTargets,
  boundaryTargets,
  clientPrincipal,
} from '../auth/boundary-attacks.js';
import { DROP_IN_WRITER, type Registry } from '../backend.js';

export type BoundaryFuzzFigures = Record<BoundaryAttack, { cases: number; accepted: number }>;

const SCOPES = ['registry.read', 'registry.write', 'registry.admin'];

const foreignOrigin = fc
  .oneof(
    fc.constantFrom(
      'null',
      'https://evil.example',
      'http://127.0.0.1:1',
      'http://localhost:8081',
      'http://127.0.0.1:8080.evil.example',
      'http://localhost.evil.example:8080',
      'file://',
    ),
    fc.webUrl().map((u) => new URL(u).origin),
  )
  .filter((o) => !['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'].includes(o));

const bodyType = fc.constantFrom(
  undefined,
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=b',
  'application/json',
);

const forgedHeader = fc.oneof(
  fc
    .record({
      auth_typ: fc.constantFrom('aad', 'google', 'github', ''),
      role_typ: fc.constantFrom('roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', 'x-my-roles'),
      roles: fc.subarray([...SCOPES, 'Registry.Admin', 'api://mreg/registry.admin']),
      oid: fc.uuid(),
    })
    .map(({ roles, oid, role_typ, auth_typ }) =>
      clientPrincipal({
        auth_typ,
        role_typ,
        claims: [
          { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: oid },
          ...roles.map((val) => ({ typ: role_typ, val })),
        ],
      }),
    ),
  fc.base64String({ maxLength: 200 }),
);

/** Scopes under any prefix but the deployment's own (`mreg/`), bare names included. */
const foreignScope = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('', 'other-prefix/', 'api://mreg/', 'mreg', 'MREG/', 'mreg//', 'xmreg/'),
      fc.string({ maxLength: 12 }).map((s) => `${s}/`),
    ),
    fc.subarray(SCOPES, { minLength: 1 }),
  )
  // Whitespace or a comma would split the claim into other tokens (" mreg/" is the real prefix).
  .filter(([prefix]) => prefix !== 'mreg/' && !/[\s,]/.test(prefix))
  .map(([prefix, scopes]) => scopes.map((s) => `${prefix}${s}`).join(' '));

const foreignWriter = fc
  .oneof(fc.constantFrom('AWS:AIDAFOREIGN', 'AWS:AROAROLE:session', DROP_IN_WRITER, ''), fc.string({ maxLength: 40 }))
  // Only the model's writers may drop into it; its maintainer is the section's admin.
  .filter((c) => c !== 'reliability-admin');

export async function fuzzBoundaries(
  reg: Registry,
  options: { runs: number; seed: number },
  note: (r: AttackResult) => void,
): Promise<BoundaryFuzzFigures> {
  const figures = Object.fromEntries(
    BOUNDARY_ATTACKS.map((a) => [a, { cases: 0, accepted: 0 }]),
  ) as BoundaryFuzzFigures;
  const t: BoundaryTargets = await boundaryTargets(reg);
  const scoped = registryRoutes(reg.registry).filter((r) => r.scope !== null);
  const writes = scoped.filter((r) => r.method !== 'GET');
  const pathOf = (template: string) =>
    template.replace(/\{([A-Za-z]+)\+?\}/g, (_, name: string) => (name === 'model' ? t.guardedModel : 'x'));
  // Oversize parts are the local server's own boundary: fuzzed where the backend is local.
  const attacks = BOUNDARY_ATTACKS.filter((a) => a !== 'oversizePart' || reg.backend === 'local');
  const arbitraries: Record<BoundaryAttack, fc.Arbitrary<() => Promise<AttackResult>>> = {
    crossOriginWrite: fc.tuple(fc.constantFrom(...writes), foreignOrigin, bodyType).map(
      ([r, origin, contentType]) =>
        () =>
          t.crossOriginWrite(pathOf(r.path), r.method, { origin, ...(contentType ? { contentType } : {}) }),
    ),
    forgedPrincipalHeader: fc.tuple(fc.constantFrom(...scoped), forgedHeader).map(
      ([r, header]) =>
        () =>
          t.forgedPrincipalHeader(pathOf(r.path), r.method, header),
    ),
    foreignPrefixScope: fc.tuple(fc.constantFrom(...scoped), foreignScope).map(
      ([r, scope]) =>
        () =>
          t.foreignPrefixScope(pathOf(r.path), r.method, scope),
    ),
    dropInForeignPrincipal: fc
      .tuple(fc.boolean(), foreignWriter, fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/))
      // A new model by the allow-listed writer is allowed: only foreign writers try to create one.
      .filter(([existing, creator]) => existing || creator !== DROP_IN_WRITER)
      .map(
        ([existing, creator, name]) =>
          () =>
            t.dropInForeignPrincipal(existing ? t.guardedModel : `fz-new-${name}`, creator),
      ),
    oversizePart: fc.tuple(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean()).map(
      ([excess, declared]) =>
        () =>
          t.oversizePart(excess, declared),
    ),
  };
  const run = fc.oneof(...attacks.map((attack) => arbitraries[attack]));
  try {
    await fc.assert(
      fc.asyncProperty(run, async (attack) => {
        const r = await attack();
        figures[r.attack].cases++;
        if (r.accepted) {
          figures[r.attack].accepted++;
          note(r);
        }
        return true;
      }),
      { numRuns: options.runs, seed: options.seed },
    );
  } finally {
    await t.close();
  }
  return figures;
}
