/**
 * Auth: the matrix generated from the route table (every route x none/read/write/admin)
 * through `jwtAuthenticator` with real signed tokens, and on every route the attacks that must
 * not get in: bad signature, expired, not yet valid, wrong issuer or audience, ID tokens,
 * `alg: none`, HS256 key confusion, no subject, no expiry, tokens outside the header. Then the
 * trust-boundary attacks of issue #14 (auth/boundary-attacks.ts) on every route they apply to:
 * foreign-prefix scopes (AWS), a forged principal header (Azure), cross-origin writes (the local
 * open mode), drop-ins by a foreign principal, oversize parts.
 */
import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { jwtAuthenticator } from '../../../shared/auth/jwt-authenticator.js';
import { createApp } from '../../../shared/http/app.js';
import type { RouteDef } from '../../../shared/http/route-table.js';
import { registryRoutes } from '../../../shared/http/routes.js';
import type { Scope } from '../../../shared/ports/auth.js';
import { attacksOffRoute, attacksOnRoute, BOUNDARY_ATTACKS, boundaryTargets } from '../auth/boundary-attacks.js';
import { AUDIENCE, ISSUER, nowSeconds, standardClaims, type TokenMinter, tokenMinter } from '../auth/token-minter.js';
import type { Registry } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { BASE, RegistryClient } from '../registry-client.js';

export interface AuthFigures {
  routes: number;
  cells: number;
  attacks: number;
  accepted: number;
  wrongStatus: number;
  /** Accepted forgeries by attack name (every attack listed, 0 when refused everywhere). */
  acceptedByAttack: Record<string, number>;
  examples: Array<{ route: string; case: string; status: number; expected: string }>;
}

type Role = 'none' | 'read' | 'write' | 'admin';
const ROLES: Role[] = ['none', 'read', 'write', 'admin'];
const ROLE_SCOPE: Record<Exclude<Role, 'none'>, Scope> = {
  read: 'registry.read',
  write: 'registry.write',
  admin: 'registry.admin',
};
const IMPLIED: Record<Exclude<Role, 'none'>, Scope[]> = {
  read: ['registry.read'],
  write: ['registry.read', 'registry.write'],
  admin: ['registry.read', 'registry.write', 'registry.admin'],
};

/** The three claim styles of the platforms; routes rotate through them. */
function scopeClaims(role: Exclude<Role, 'none'>, style: number): JWTPayload {
  const scope = ROLE_SCOPE[role];
  if (style % 3 === 0) return { scope: `openid ${scope}` };
  if (style % 3 === 1) return { scp: [scope] };
  return { roles: [scope] };
}

interface Fixture {
  model: string;
  exp: string;
  run: string;
}

/** A concrete path for a route: each parameter gets a value that exists (unknown parameters get `x`). */
function concretePath(route: RouteDef, f: Fixture): string {
  const values: Record<string, string> = {
    model: f.model,
    ref: '1',
    alias: 'champion',
    key: 'loss',
    path: 'model.bin',
    id: route.path.startsWith('/v1/experiments') ? f.exp : f.run,
  };
  return route.path.replace(/\{([A-Za-z]+)\+?\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

async function fixture(reg: Registry): Promise<Fixture> {
  const client = new RegistryClient(reg);
  const model = 'authz';
  await client.createModel(model);
  const bytes = randomBytes(32);
  await client.push(model, [{ path: 'model.bin', bytes }]);
  await client.json('PUT', `/v1/models/${model}/aliases/champion`, { body: { version: 1 }, as: ADMIN });
  const exp = await client.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'authz-exp' } });
  const run = await client.json<{ id: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} });
  await client.json('POST', `/v1/runs/${run.body.id}/metrics`, { body: { metrics: [{ key: 'loss', value: 1 }] } });
  return { model, exp: exp.body.id, run: run.body.id };
}

interface Attack {
  name: string;
  /** 401: not authenticated at all; 403: authenticated without the scope. */
  expected: 401 | 403;
  authorize(m: TokenMinter): Promise<{ header?: string; query?: string }>;
}

const admin = (extra: JWTPayload = {}) => standardClaims({ scope: 'registry.admin', ...extra });
const bearer = (token: string) => ({ header: `Bearer ${token}` });

const ATTACKS: Attack[] = [
  { name: 'badSignature', expected: 401, authorize: async (m) => bearer(await m.sign(admin(), { key: 'stranger' })) },
  {
    name: 'expired',
    expected: 401,
    authorize: async (m) => bearer(await m.sign(admin({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))),
  },
  {
    name: 'notYetValid',
    expected: 401,
    authorize: async (m) => bearer(await m.sign(admin({ nbf: nowSeconds() + 3600 }))),
  },
  {
    name: 'wrongIssuer',
    expected: 401,
    authorize: async (m) => bearer(await m.sign(admin({ iss: 'https://evil.test/' }))),
  },
  { name: 'wrongAudience', expected: 401, authorize: async (m) => bearer(await m.sign(admin({ aud: 'api://other' }))) },
  {
    name: 'idTokenTokenUse',
    expected: 401,
    authorize: async (m) => bearer(await m.sign(admin({ token_use: 'id' }), { header: { typ: 'JWT' } })),
  },
  {
    name: 'idTokenNonce',
    expected: 401,
    authorize: async (m) =>
      bearer(
        await m.sign(standardClaims({ nonce: 'n-0S6_WzA2Mj', auth_time: nowSeconds(), roles: ['registry.admin'] }), {
          header: { typ: 'JWT' },
        }),
      ),
  },
  {
    name: 'idTokenTyp',
    expected: 401,
    authorize: async (m) => bearer(await m.sign(admin(), { header: { typ: 'id_token+jwt' } })),
  },
  { name: 'algNone', expected: 401, authorize: async (m) => bearer(m.unsigned(admin())) },
  { name: 'hs256KeyConfusion', expected: 401, authorize: async (m) => bearer(await m.confused(admin())) },
  {
    name: 'noSubject',
    expected: 401,
    authorize: async (m) => {
      const claims = admin();
      delete claims.sub;
      return bearer(await m.sign(claims));
    },
  },
  {
    name: 'noExpiry',
    expected: 401,
    authorize: async (m) => {
      const claims = admin();
      delete claims.exp;
      return bearer(await m.sign(claims));
    },
  },
  { name: 'tokenInQuery', expected: 401, authorize: async (m) => ({ query: `access_token=${await m.sign(admin())}` }) },
  { name: 'basicScheme', expected: 401, authorize: async () => ({ header: 'Basic YWRtaW46YWRtaW4=' }) },
  { name: 'malformed', expected: 401, authorize: async () => ({ header: 'Bearer abc.def' }) },
  { name: 'missingScope', expected: 403, authorize: async (m) => bearer(await m.sign(standardClaims())) },
  {
    name: 'foreignScopeClaim',
    expected: 403,
    authorize: async (m) =>
      bearer(await m.sign(standardClaims({ scopes: 'registry.admin', permissions: ['registry.admin'] }))),
  },
];

export async function authMatrix(reg: Registry): Promise<AuthFigures> {
  const minter = await tokenMinter();
  const app = createApp({
    registry: reg.registry,
    authenticate: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, keys: minter.keys }),
    log: () => undefined,
  });
  const f = await fixture(reg);
  const routes = registryRoutes(reg.registry);
  const figures: AuthFigures = {
    routes: routes.length,
    cells: 0,
    attacks: 0,
    accepted: 0,
    wrongStatus: 0,
    acceptedByAttack: Object.fromEntries([...ATTACKS.map((a) => a.name), ...BOUNDARY_ATTACKS].map((name) => [name, 0])),
    examples: [],
  };
  const call = async (route: RouteDef, auth: { header?: string; query?: string }): Promise<number> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth.header) headers.authorization = auth.header;
    const url = `${BASE}${concretePath(route, f)}${auth.query ? `?${auth.query}` : ''}`;
    const body = route.method === 'GET' ? undefined : '{}';
    const res = await app.fetch(new Request(url, { method: route.method, headers, ...(body ? { body } : {}) }));
    await res.arrayBuffer();
    return res.status;
  };
  const wrong = (route: RouteDef, name: string, status: number, expected: string) => {
    figures.wrongStatus++;
    if (figures.examples.length < 20) figures.examples.push({ route: route.id, case: name, status, expected });
  };

  for (const [index, route] of routes.entries()) {
    for (const role of ROLES) {
      figures.cells++;
      const auth = role === 'none' ? {} : bearer(await minter.sign(standardClaims(scopeClaims(role, index))));
      const status = await call(route, auth);
      if (route.scope === null) {
        if (status === 401 || status === 403 || status >= 500) wrong(route, role, status, 'open route: no 401/403/5xx');
      } else if (role === 'none') {
        if (status !== 401) wrong(route, role, status, '401');
      } else if (!IMPLIED[role].includes(route.scope)) {
        if (status !== 403) wrong(route, role, status, '403');
      } else if (status === 401 || status === 403 || status >= 500)
        wrong(route, role, status, 'allowed: 2xx-4xx, not 401/403');
    }
    if (route.scope === null) continue;
    for (const attack of ATTACKS) {
      figures.attacks++;
      const status = await call(route, await attack.authorize(minter));
      if (status !== 401 && status !== 403) {
        figures.accepted++;
        figures.acceptedByAttack[attack.name] = (figures.acceptedByAttack[attack.name] ?? 0) + 1;
        if (figures.examples.length < 20)
          figures.examples.push({ route: route.id, case: attack.name, status, expected: String(attack.expected) });
      } else if (status !== attack.expected) wrong(route, attack.name, status, String(attack.expected));
    }
  }

  const boundaries = await boundaryTargets(reg);
  try {
    const results = [];
    for (const route of routes) results.push(...(await attacksOnRoute(boundaries, route, concretePath(route, f))));
    results.push(...(await attacksOffRoute(boundaries)));
    for (const r of results) {
      figures.attacks++;
      if (!r.accepted) continue;
      figures.accepted++;
      figures.acceptedByAttack[r.attack] = (figures.acceptedByAttack[r.attack] ?? 0) + 1;
      if (figures.examples.length < 20)
        figures.examples.push({ route: r.target, case: r.attack, status: Number(r.got) || 0, expected: r.expected });
    }
  } finally {
    await boundaries.close();
  }
  return figures;
}
