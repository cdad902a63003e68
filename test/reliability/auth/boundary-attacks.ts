/**
 * The trust-boundary attacks of issue #14, each against the real code that stands at that
 * boundary, over a section's registry (any backend):
 * - `foreignPrefixScope`: an API Gateway event whose scopes sit under another prefix, through
 *   the AWS `api` handler configured with the deployment's prefix (expected 403);
 * - `forgedPrincipalHeader`: `X-MS-CLIENT-PRINCIPAL` naming an admin, without a verified Entra
 *   token, through the Azure authenticator (expected 401);
 * - `crossOriginWrite`: a browser's cross-site request to the local server in open mode, through
 *   its loopback guard (expected 403);
 * - `dropInForeignPrincipal`: an `incoming/` write by a principal that is not a writer of the
 *   model (or not allowed to create one), through the object-created path (expected refused);
 * - `oversizePart`: more bytes than a local signed part URL was signed for (expected 413).
 * The auth section runs each on every route; the fuzz section runs them with fuzzed inputs.
 * An attack is accepted when the answer is anything but the refusal expected at that boundary.
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { createApiHandler } from '../../../functions/aws/handlers/api-handler.js';
import { entraAuthenticator } from '../../../functions/azure/entra-auth.js';
import { localAuthenticator } from '../../../functions/local/local-auth.js';
import { accessTokenVerifier } from '../../../shared/auth/jwt-authenticator.js';
import { createApp } from '../../../shared/http/app.js';
import { guarded, loopbackOnly } from '../../../shared/http/request-guards.js';
import type { RouteDef } from '../../../shared/http/route-table.js';
import { createAppHarness } from '../../support/app-harness.js';
import { apiEvent } from '../../support/aws/events.js';
import { DROP_IN_WRITER, type Registry } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient } from '../registry-client.js';
import { AUDIENCE, ISSUER, tokenMinter } from './token-minter.js';

export const BOUNDARY_ATTACKS = [
  'dropInForeignPrincipal',
  'crossOriginWrite',
  'forgedPrincipalHeader',
  'foreignPrefixScope',
  'oversizePart',
] as const;
export type BoundaryAttack = (typeof BOUNDARY_ATTACKS)[number];

export interface AttackResult {
  attack: BoundaryAttack;
  /** Got past the boundary (anything but the expected refusal). */
  accepted: boolean;
  /** What came back: an HTTP status or a drop-in outcome. */
  got: string;
  expected: string;
  target: string;
}

/** The deployment's own scope prefix, as the AWS stack passes it to the `api` function. */
const SCOPE_PREFIX = 'mreg/';
const LOCAL_PORT = 8080;
const MIB = 1024 * 1024;

export interface BoundaryTargets {
  /** A model with maintainers that the attackers do not write. */
  guardedModel: string;
  crossOriginWrite(
    path: string,
    method: string,
    headers: { origin: string; contentType?: string },
  ): Promise<AttackResult>;
  forgedPrincipalHeader(path: string, method: string, header: string): Promise<AttackResult>;
  foreignPrefixScope(path: string, method: string, scope: string): Promise<AttackResult>;
  dropInForeignPrincipal(model: string, creator: string): Promise<AttackResult>;
  /** Local signed part URLs only; `declared`: a Content-Length above the part, instead of the bytes. */
  oversizePart(excess: number, declared: boolean): Promise<AttackResult>;
  close(): Promise<void>;
}

const result = (attack: BoundaryAttack, target: string, got: string | number, expected: string | number) => ({
  attack,
  target,
  got: String(got),
  expected: String(expected),
  accepted: String(got) !== String(expected),
});

/** An `X-MS-CLIENT-PRINCIPAL` header value from claims (as App Service encodes one). */
export const clientPrincipal = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

export async function boundaryTargets(reg: Registry): Promise<BoundaryTargets> {
  const registry = reg.registry;
  // The local server in open mode: anyone on loopback, guarded against other sites and names.
  const localApp = createApp({ registry, authenticate: localAuthenticator(undefined), log: () => undefined });
  const localOpen = {
    fetch: guarded(
      loopbackOnly(() => LOCAL_PORT),
      localApp.fetch,
    ),
  };
  // The Azure Function App's authenticator: Entra tokens verified against the issuer's keys.
  const minter = await tokenMinter();
  const azure = createApp({
    registry,
    authenticate: entraAuthenticator(accessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: minter.keys })),
    log: () => undefined,
  });
  // The AWS `api` function with the deployment's scope prefix.
  const aws = createApiHandler({
    registry,
    logger: new Logger({ serviceName: 'mreg-reliability', logLevel: 'SILENT' }),
    claims: { scopePrefix: SCOPE_PREFIX },
  });

  const client = new RegistryClient(reg);
  const guardedModel = `guarded-${randomBytes(4).toString('hex')}`;
  await client.json('POST', '/v1/models', { body: { name: guardedModel, maintainers: [ADMIN.subject] }, as: ADMIN });

  // A local registry whose multipart plan has a 1 KiB last part: 128 MiB + 1 KiB in 64 MiB parts.
  let parts:
    | { urls: string[]; send: (url: string, init: RequestInit) => Promise<Response>; close(): Promise<void> }
    | undefined;
  const partUrls = async () => {
    if (parts) return parts;
    const h = await createAppHarness({ multipartThresholdBytes: MIB });
    await h.json('POST', '/v1/models', { body: { name: 'parts' } });
    await h.json('POST', '/v1/models/parts/versions', {
      body: { files: [{ path: 'big.bin', size: 128 * MIB + 1024, sha256: 'e'.repeat(64) }] },
    });
    const signed = await h.json<{ parts: Array<{ url: string }> }>('POST', '/v1/models/parts/versions/1/parts', {
      body: { path: 'big.bin', partNumbers: [1, 3] },
    });
    parts = { urls: signed.body.parts.map((p) => p.url), send: h.signed, close: h.close };
    return parts;
  };

  const body = (method: string) => (method === 'GET' || method === 'DELETE' ? undefined : '{}');

  return {
    guardedModel,

    async crossOriginWrite(path, method, { origin, contentType }) {
      const headers: Record<string, string> = { host: `127.0.0.1:${LOCAL_PORT}`, origin };
      if (contentType) headers['content-type'] = contentType;
      const b = body(method);
      const res = await localOpen.fetch(
        new Request(`http://127.0.0.1:${LOCAL_PORT}${path}`, { method, headers, ...(b ? { body: b } : {}) }),
      );
      await res.arrayBuffer();
      return result('crossOriginWrite', `${method} ${path} Origin ${origin}`, res.status, 403);
    },

    async forgedPrincipalHeader(path, method, header) {
      const b = body(method);
      const res = await azure.fetch(
        new Request(`https://mreg.azurewebsites.net${path}`, {
          method,
          headers: { 'x-ms-client-principal': header, 'content-type': 'application/json' },
          ...(b ? { body: b } : {}),
        }),
      );
      await res.arrayBuffer();
      return result('forgedPrincipalHeader', `${method} ${path}`, res.status, 401);
    },

    async foreignPrefixScope(path, method, scope) {
      const b = body(method);
      const res = await aws(apiEvent({ method, path, claims: { sub: 'mallory', scope }, ...(b ? { body: b } : {}) }));
      return result('foreignPrefixScope', `${method} ${path} scope ${scope}`, res.statusCode ?? 0, 403);
    },

    async dropInForeignPrincipal(model, creator) {
      const key = `incoming/${model}/foreign-${randomBytes(4).toString('hex')}.bin`;
      const bytes = randomBytes(32);
      const etag = await reg.putObject(key, bytes);
      let outcome: string;
      try {
        outcome = (await registry.objectCreated({ key, size: bytes.length, etag, creator })).kind;
      } catch (e) {
        outcome = `threw ${e instanceof Error ? e.message : String(e)}`;
      }
      return result('dropInForeignPrincipal', `${key} by ${creator}`, outcome, 'rejected');
    },

    async oversizePart(excess, declared) {
      const { urls, send } = await partUrls();
      // Part 3 holds 1 KiB; part 1 holds 64 MiB (only its declared length is sent).
      const [first = '', last = ''] = urls;
      const res = declared
        ? await send(first, { method: 'PUT', headers: { 'content-length': String(64 * MIB + excess) }, body: 'x' })
        : await send(last, { method: 'PUT', body: randomBytes(1024 + excess) });
      await res.arrayBuffer();
      return result(
        'oversizePart',
        declared ? `part 1 declaring +${excess} bytes` : `part 3 with +${excess} bytes`,
        res.status,
        413,
      );
    },

    close: async () => {
      await parts?.close();
    },
  };
}

/** Every boundary attack that applies to a route, as the auth section runs them. */
export async function attacksOnRoute(t: BoundaryTargets, route: RouteDef, path: string): Promise<AttackResult[]> {
  const out: AttackResult[] = [];
  if (route.scope === null) return out;
  const admin = clientPrincipal({
    auth_typ: 'aad',
    claims: [
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'forged' },
      { typ: 'roles', val: 'registry.admin' },
    ],
  });
  out.push(await t.forgedPrincipalHeader(path, route.method, admin));
  const prefixed = ['registry.read', 'registry.write', 'registry.admin'].map((s) => `other-prefix/${s}`).join(' ');
  out.push(await t.foreignPrefixScope(path, route.method, prefixed));
  if (route.method !== 'GET') {
    out.push(
      await t.crossOriginWrite(path, route.method, { origin: 'https://evil.example', contentType: 'text/plain' }),
    );
    out.push(await t.crossOriginWrite(path, route.method, { origin: 'null', contentType: 'application/json' }));
  }
  return out;
}

/** The attacks that are not per route: drop-ins into someone else's model, oversize parts. */
export async function attacksOffRoute(t: BoundaryTargets): Promise<AttackResult[]> {
  return [
    // Not a writer of the model, and not allowed to create models.
    await t.dropInForeignPrincipal(t.guardedModel, 'AWS:AIDAFOREIGN'),
    // Allowed to create models by drop-in: that does not make it a writer of this one.
    await t.dropInForeignPrincipal(t.guardedModel, DROP_IN_WRITER),
    // A model that does not exist, by a principal the deployment does not allow to create one.
    await t.dropInForeignPrincipal(`new-${randomBytes(3).toString('hex')}`, 'AWS:AIDAFOREIGN'),
    await t.oversizePart(1, false),
    await t.oversizePart(32 * MIB, true),
  ];
}
