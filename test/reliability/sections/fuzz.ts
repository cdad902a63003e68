/**
 * Fuzz: fast-check properties over every route of the route table: no request may produce a
 * 5xx, every error must be `application/problem+json` (MLflow's routes: MLflow's own error
 * format), and a hostile name, path or source the server sees must never be accepted. Then
 * drop-in keys: objects written for real under `incoming/` and announced, counted apart from the
 * HTTP cases; a hostile key must be refused. The trust-boundary attacks of issue #14
 * run fuzzed too (fuzz/boundary-fuzz.ts), each a hostile case.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { registryRoutes } from '../../../shared/http/routes.js';
import { DROP_IN_WRITER, type Registry } from '../backend.js';
import { type BoundaryFuzzFigures, fuzzBoundaries } from '../fuzz/boundary-fuzz.js';
import { HOSTILE_SEGMENTS, hostileDropIn } from '../fuzz/hostile-inputs.js';
import { type FuzzRequest, requestArbitrary } from '../fuzz/request-arbitrary.js';
import type { FieldPools } from '../fuzz/schema-arbitrary.js';
import { ADMIN, principalHeader, principalOf } from '../principal-header.js';
import { BASE, isProblem, RegistryClient } from '../registry-client.js';

export interface DropInFigures {
  /** Drop-ins written to storage, then announced: the object exists when its event is handled. */
  cases: number;
  /** Keys the storage would not hold (it refused the write): no object, so not counted as cases. */
  unwritable: number;
  /** Ordinary drop-ins among the cases that registered: the objects were really there. */
  registered: number;
  hostileCases: number;
  /** Hostile drop-ins that registered a version. */
  hostileAccepted: number;
  /** Hostile drop-ins not refused (ignored for another reason, or registered): the name check did not stop them. */
  hostileNotRefused: number;
  /** Deliveries that threw. */
  errors: number;
}

export interface FuzzFigures {
  /** HTTP requests sent (drop-ins are counted in `dropIns`). */
  cases: number;
  seed: number;
  routes: number;
  errors5xx: number;
  nonProblemErrors: number;
  /** Requests that could not even be built (an invalid URL or header): not counted as cases. */
  unsendable: number;
  hostileCases: number;
  hostileAccepted: number;
  dropIns: DropInFigures;
  /** The trust-boundary attacks, fuzzed (counted in hostileCases and hostileAccepted too). */
  boundaryAttacks?: BoundaryFuzzFigures;
  examples: Array<{ why: string; method: string; url: string; status: number; body?: string; hostile?: string }>;
}

interface Fixtures {
  model: string;
  version: string;
  exp: string;
  run: string;
}

const POOLS: FieldPools = {
  name: ['fuzz-model', 'fz-new', 'a.b_c-1', '$model'],
  ModelName: ['fuzz-model', '$model'],
  path: ['model.bin', 'dir/weights.safetensors', 'a b/c+d.onnx'],
  FilePath: ['model.bin', 'dir/weights.safetensors'],
  label: ['1.0.0', 'v2+build', 'v1'],
  runId: ['$run', 'no-such-run'],
  format: ['onnx', 'safetensors'],
  contentType: ['application/octet-stream', 'text/plain'],
  AliasName: ['champion', 'staging'],
  'tags.key': ['team', 'stage'],
  'params.key': ['lr', 'depth', 'a/b'],
  'body.key': ['lr', 'depth'],
  key: ['loss', 'acc', 'a/b'],
  status: ['FINISHED', 'RUNNING'],
};

const SUBJECTS = {
  admin: principalOf('fuzz-admin', 'admin'),
  write: principalOf('fuzz-writer', 'write'),
  read: principalOf('fuzz-reader', 'read'),
} as const;

async function makeFixtures(client: RegistryClient, epoch: number): Promise<Fixtures> {
  const model = `fz${epoch}`;
  await client.createModel(model);
  const bytes = randomBytes(64);
  const created = await client.createVersion(model, [{ path: 'model.bin', bytes }], { as: ADMIN });
  const n = created.body.version.version;
  for (const u of created.body.uploads) await client.upload(u, bytes);
  await client.commit(model, n, ADMIN);
  await client.json('PUT', `/v1/models/${model}/aliases/champion`, { body: { version: n }, as: ADMIN });
  const exp = await client.json<{ id: string }>('POST', '/v1/experiments', { body: { name: `fzexp${epoch}` } });
  const run = await client.json<{ id: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} });
  await client.json('POST', `/v1/runs/${run.body.id}/metrics`, {
    body: { metrics: [{ key: 'loss', value: 1, step: 1 }] },
  });
  return { model, version: String(n), exp: exp.body.id, run: run.body.id };
}

async function fixturesIntact(client: RegistryClient, f: Fixtures): Promise<boolean> {
  const v = await client.json<{ state?: string }>('GET', `/v1/models/${f.model}/versions/${f.version}`, { as: ADMIN });
  return v.status === 200 && v.body.state === 'READY';
}

const bind = (text: string, f: Fixtures): string =>
  text
    .replaceAll('$model', f.model)
    .replaceAll('$version', f.version)
    .replaceAll('$exp', f.exp)
    .replaceAll('$run', f.run);

export async function fuzz(
  reg: Registry,
  options: { cases: number; dropIns: number; seed: number },
): Promise<FuzzFigures> {
  const client = new RegistryClient(reg);
  const routes = registryRoutes(reg.registry);
  let epoch = 0;
  let fixtures = await makeFixtures(client, epoch);
  const figures: FuzzFigures = {
    cases: 0,
    seed: options.seed,
    routes: routes.length,
    errors5xx: 0,
    nonProblemErrors: 0,
    unsendable: 0,
    hostileCases: 0,
    hostileAccepted: 0,
    dropIns: {
      cases: 0,
      unwritable: 0,
      registered: 0,
      hostileCases: 0,
      hostileAccepted: 0,
      hostileNotRefused: 0,
      errors: 0,
    },
    examples: [],
  };
  const note = (example: FuzzFigures['examples'][number]) => {
    if (figures.examples.length < 12) figures.examples.push(example);
  };

  const send = async (req: FuzzRequest): Promise<void> => {
    if (figures.cases % 200 === 199 && !(await fixturesIntact(client, fixtures)))
      fixtures = await makeFixtures(client, ++epoch);
    const url = `${BASE}${bind(req.path, fixtures)}${req.query ? `?${bind(req.query, fixtures)}` : ''}`;
    let request: Request;
    try {
      const headers = new Headers(
        Object.entries(req.headers).map(([k, v]): [string, string] => [k, bind(v, fixtures)]),
      );
      if (req.role !== 'none') headers.set('x-test-principal', principalHeader(SUBJECTS[req.role]));
      request = new Request(url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: bind(req.body, fixtures) } : {}),
      });
    } catch {
      figures.unsendable++;
      return;
    }
    figures.cases++;
    const res = await reg.fetch(request);
    const text = await res.text();
    const example = { method: req.method, url, status: res.status, body: text.slice(0, 300) };
    if (res.status >= 500) {
      figures.errors5xx++;
      note({ why: '5xx', ...example });
    } else if (res.status >= 400 && !(isMlflowPath(url) ? isMlflowError(res, text, req.method) : isProblem(res))) {
      figures.nonProblemErrors++;
      note({ why: 'not problem+json', ...example });
    }
    // URL parsing (the client's and the server's) resolves `.`/`..` segments, `%2E%2E` included,
    // before any route sees the request: a path that normalization changed is not the hostile
    // request any more (it names another, ordinary path), so only unchanged paths are counted.
    const intended = routes.find((r) => r.id === req.routeId);
    const sentPath = url.slice(BASE.length).split('?')[0] ?? '';
    if (
      req.hostile &&
      intended &&
      req.method === intended.method &&
      new URL(request.url).pathname === sentPath &&
      shapeOf(intended.path).test(sentPath)
    ) {
      figures.hostileCases++;
      if (res.status < 400) {
        figures.hostileAccepted++;
        note({ why: `hostile accepted at ${req.hostile.where}`, ...example, hostile: req.hostile.value });
      }
    }
  };

  await fc.assert(
    fc.asyncProperty(requestArbitrary(routes, POOLS), async (req) => {
      await send(req);
      return true;
    }),
    { numRuns: options.cases, seed: options.seed, endOnFailure: true },
  );

  // Drop-in keys: the object is written for real, then its event delivered; a hostile model or
  // file name under incoming/ must be refused, an ordinary one registers.
  const drops = figures.dropIns;
  // Ordinary model names are one segment: `incoming/dir/f.bin/<path>` would be model `dir`, and
  // a hostile path after `f.bin/` (`C:/x`) an ordinary one.
  const modelSegment = fc.oneof(fc.constantFrom(...HOSTILE_SEGMENTS), fc.constantFrom('ok', 'm2'));
  const pathSegment = fc.oneof(fc.constantFrom(...HOSTILE_SEGMENTS), fc.constantFrom('m.bin', 'dir/f.bin'));
  await fc.assert(
    fc.asyncProperty(modelSegment, pathSegment, fc.nat(), async (model, path, n) => {
      const key = `incoming/${model}/${path}`;
      const bytes = randomBytes(16 + (n % 64));
      let etag: string;
      try {
        etag = await reg.putObject(key, bytes);
      } catch {
        drops.unwritable++;
        return true;
      }
      drops.cases++;
      const hostile = hostileDropIn(model, path);
      if (hostile) drops.hostileCases++;
      const example = { method: 'EVENT', url: key, status: 0 };
      let outcome: { kind: string; reason?: string };
      try {
        outcome = await reg.registry.objectCreated({ key, size: bytes.length, etag, creator: DROP_IN_WRITER });
      } catch (e) {
        drops.errors++;
        note({ why: `drop-in threw ${String(e)}`, ...example });
        return true;
      }
      if (!hostile) {
        if (outcome.kind === 'registered') drops.registered++;
        return true;
      }
      if (outcome.kind !== 'rejected') {
        drops.hostileNotRefused++;
        note({ why: `hostile drop-in ${outcome.kind}: ${outcome.reason ?? ''}`, ...example, hostile: key });
      }
      if (outcome.kind === 'registered') drops.hostileAccepted++;
      return true;
    }),
    { numRuns: options.dropIns, seed: options.seed },
  );

  figures.boundaryAttacks = await fuzzBoundaries(
    reg,
    { runs: Math.max(50, Math.round(options.cases / 20)), seed: options.seed },
    (r) =>
      note({
        why: `${r.attack} got past: ${r.got} (expected ${r.expected})`,
        method: 'ATTACK',
        url: r.target,
        status: 0,
      }),
  );
  for (const f of Object.values(figures.boundaryAttacks)) {
    figures.hostileCases += f.cases;
    figures.hostileAccepted += f.accepted;
  }
  return figures;
}

/** MLflow's API answers errors in its own format (`{"error_code","message"}`), not problem+json. */
const isMlflowPath = (url: string): boolean =>
  /^\/(api|ajax-api)\/2\.0\/mlflow(-artifacts)?\//.test(new URL(url).pathname);

function isMlflowError(res: Response, text: string, method: string): boolean {
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return false;
  if (method === 'HEAD') return true; // no body to read
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return typeof body.error_code === 'string' && typeof body.message === 'string';
  } catch {
    return false;
  }
}

/** `/v1/models/{model}/files/{path+}` -> a regex of its segment structure. */
function shapeOf(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((part) =>
      /^\{[A-Za-z]+\+\}$/.test(part)
        ? '.+'
        : /^\{[A-Za-z]+\}$/.test(part)
          ? '[^/]+'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${pattern}$`);
}
