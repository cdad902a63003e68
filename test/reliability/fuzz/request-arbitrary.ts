/**
 * Whole requests for one route of the route table: its path with each parameter valid,
 * hostile (raw, encoded, double-encoded), arbitrary or overlong; a query string; headers; a
 * body from the route's schema (near-valid, mutated) or arbitrary JSON or junk; a role.
 * Valid values are symbolic (`$model`, `$run`, ...) and bound to live fixtures when sent.
 */
import fc from 'fast-check';
import type { RouteDef } from '../../../shared/http/route-table.js';
import { HOSTILE_SEGMENTS, ORDINARY_FILE_NAMES } from './hostile-inputs.js';
import { type FieldPools, mutate, mutationArbitrary, validishBody } from './schema-arbitrary.js';

export type FuzzRole = 'none' | 'read' | 'write' | 'admin';

export interface FuzzRequest {
  routeId: string;
  method: string;
  /** Path with symbolic fixture names, already encoded as it goes on the wire. */
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
  role: FuzzRole;
  /** A hostile input the server sees in a name, path or source position (path parameter or body field). */
  hostile?: { where: string; value: string };
}

/** Valid values of path parameters, by name; a parameter not listed gets generic values (so new routes are fuzzed too). */
const VALID_PARAMS: Record<string, readonly string[]> = {
  model: ['$model', '$model', 'fz-absent'],
  ref: [
    '1',
    '$version',
    'latest',
    '-1',
    'champion',
    'alias:champion',
    'label:v1',
    '0',
    '-1001',
    '99999999999999999999',
  ],
  alias: ['champion', 'staging', 'latest', '1'],
  key: ['loss', 'acc'],
  path: ['model.bin', 'dir/x.bin'],
};

const validParam = (route: RouteDef, name: string): readonly string[] => {
  if (name === 'id') return route.path.startsWith('/v1/experiments') ? ['$exp', 'nope'] : ['$run', 'nope'];
  return VALID_PARAMS[name] ?? ['x', '1'];
};

interface Segment {
  text: string;
  hostile?: string;
}

const segmentArbitrary = (valid: readonly string[]): fc.Arbitrary<Segment> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...valid).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS).map((h) => ({ text: h })) },
    {
      weight: 2,
      // Dots encoded too (`%2E%2E`): a literal `..` is resolved by the client's URL parser and never reaches the server.
      arbitrary: fc
        .constantFrom(...HOSTILE_SEGMENTS)
        .map((h) => ({ text: encodeURIComponent(h).replace(/\./g, '%2E'), hostile: h })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...HOSTILE_SEGMENTS)
        .map((h) => ({ text: encodeURIComponent(encodeURIComponent(h).replace(/\./g, '%2E')), hostile: h })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary-ascii', maxLength: 12 }))
        .map((s) => ({ text: encodeURIComponent(s) })),
    },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%c0%af', '%ff', '%00').map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => ({ text: 'a'.repeat(n) })) },
  );

function pathArbitrary(route: RouteDef): fc.Arbitrary<{ path: string; hostile?: { where: string; value: string } }> {
  const parts = route.path.split('/');
  const pieces = parts.map((part): fc.Arbitrary<{ text: string; hostile?: { where: string; value: string } }> => {
    const rest = /^\{([A-Za-z]+)\+\}$/.exec(part)?.[1];
    const one = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
    const name = rest ?? one;
    if (!name) return fc.constant({ text: part });
    const seg = segmentArbitrary(validParam(route, name));
    const arb = rest ? fc.array(seg, { minLength: 1, maxLength: 4 }) : seg.map((s) => [s]);
    return arb.map((segs) => {
      // In a file path (`{path+}`), `;`, `=` and `~` are ordinary characters (see ORDINARY_FILE_NAMES).
      const hostile = segs.find(
        (s) => s.hostile !== undefined && !(name === 'path' && ORDINARY_FILE_NAMES.has(s.hostile)),
      )?.hostile;
      return {
        text: segs.map((s) => s.text).join('/'),
        ...(hostile !== undefined ? { hostile: { where: `path.${name}`, value: hostile } } : {}),
      };
    });
  });
  return fc.tuple(...pieces).map((ps) => {
    const hostile = ps.find((p) => p.hostile)?.hostile;
    return { path: ps.map((p) => p.text).join('/'), ...(hostile ? { hostile } : {}) };
  });
}

const QUERY_NAMES = ['pageSize', 'pageToken', 'filter', 'force', 'redirect'];

const queryValue = fc.oneof(
  fc.constantFrom('1', '0', '-1', '1000', '1001', '1e3', '0x10', '', 'true', 'false', 'TRUE', 'null'),
  fc.constantFrom(
    'tags.team=risk',
    'name^=fz',
    'runId=$run',
    'state=READY',
    'owner=x and tags.a=b',
    'bogus',
    '=',
    'tags.=x',
  ),
  fc.base64String({ maxLength: 60 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(...HOSTILE_SEGMENTS),
);

const queryArbitrary = (route: RouteDef): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...QUERY_NAMES, ...(route.query ?? []).map((q) => q.name)),
          fc.string({ maxLength: 8 }),
        ),
        queryValue,
        fc.boolean(),
      ),
      { maxLength: 4 },
    )
    .map((pairs) =>
      pairs
        .map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
        .join(raw0(pairs)),
    );

/** Mostly `&`, sometimes `;` (the parameter-smuggling separator). */
const raw0 = (pairs: unknown[]): string => (pairs.length % 5 === 4 ? ';' : '&');

const headerText = fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'if-match': fc.oneof(fc.constantFrom('*', '"x"', 'W/"x"', '""', '"', 'W/'), headerText),
      'idempotency-key': fc.oneof(headerText, fc.constantFrom('k1', 'a'.repeat(200), ' ', '$model')),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
      ),
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string')));

interface BodyChoice {
  body?: string;
  hostile?: { where: string; value: string };
}

/** Name, path and source fields: a hostile value there must be refused. */
const GUARDED_FIELDS = /(^|\.)(name|path|label|runId|model|alias|protectedAliases)$/;
/**
 * Routes whose `name` is a free-text display name (a run's, an experiment's, a logged model's:
 * MLflow users write "/Users/me/churn model"), never a key or a path: hostile text there is just text.
 */
const DISPLAY_NAME_ROUTES = new Set([
  'createRun',
  'updateRun',
  'createExperiment',
  'updateExperiment',
  'mlflow.createExperiment',
  'mlflow.createExperiment.ajax',
  'mlflow.createLoggedModel',
  'mlflow.createLoggedModel.ajax',
]);
/**
 * A dataset's name (a run input, MLflow's `mlflow.data` name) is free text as well: stored as
 * given and keyed by a hash of it with its digest (run-inputs.ts), on any route that takes it.
 */
const DATASET_NAME = /(^|\.)datasets\.(dataset\.)?name$/;

/** Whether a hostile value in `field` of `route`'s body must be refused. */
const isGuarded = (route: RouteDef, field: string) =>
  GUARDED_FIELDS.test(field) && !(field === 'name' && DISPLAY_NAME_ROUTES.has(route.id)) && !DATASET_NAME.test(field);

function bodyArbitrary(route: RouteDef, pools: FieldPools): fc.Arbitrary<BodyChoice> {
  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('{', '[]', 'null', '"x"', '{"a":', '\u0000', '{"__proto__":{"x":1}}'),
  );
  const arbitraryJson = fc.jsonValue({ maxDepth: 4 }).map((v) => ({ body: JSON.stringify(v) }));
  if (!route.body)
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant<BodyChoice>({}) },
      { weight: 1, arbitrary: junk.map((body) => ({ body })) },
      { weight: 1, arbitrary: arbitraryJson },
    );
  const shaped = fc.tuple(validishBody(route.body(), pools), mutationArbitrary).map(([value, mutation]): BodyChoice => {
    const out = mutate(value, mutation);
    const choice: BodyChoice = { body: JSON.stringify(out.body) ?? '' };
    if (out.hostile !== undefined && out.field !== undefined && isGuarded(route, out.field))
      choice.hostile = { where: `body.${out.field}`, value: out.hostile };
    return choice;
  });
  return fc.oneof(
    { weight: 12, arbitrary: shaped },
    { weight: 2, arbitrary: arbitraryJson },
    { weight: 1, arbitrary: junk.map((body) => ({ body })) },
    { weight: 1, arbitrary: fc.constant<BodyChoice>({}) },
    { weight: 1, arbitrary: fc.constant<BodyChoice>({ body: `{"description":"${'x'.repeat(1_100_000)}"}` }) },
  );
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export function requestArbitrary(routes: RouteDef[], pools: FieldPools): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, fc.constantFrom(...OTHER_METHODS)),
        path: pathArbitrary(route),
        query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, queryArbitrary(route)),
        headers: headersArbitrary,
        body: bodyArbitrary(route, pools),
        role: fc.constantFrom<FuzzRole>('admin', 'admin', 'admin', 'admin', 'write', 'read', 'none'),
      })
      .map((r): FuzzRequest => {
        const req: FuzzRequest = {
          routeId: route.id,
          method: r.method,
          path: r.path.path,
          query: r.query,
          headers: r.headers,
          role: r.role,
        };
        if (r.body.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD') req.body = r.body.body;
        const hostile = r.path.hostile ?? (req.body !== undefined ? r.body.hostile : undefined);
        if (hostile) req.hostile = hostile;
        return req;
      }),
  );
}
