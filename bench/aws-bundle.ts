/**
 * P1: the Lambda API bundle against a bare bundle that only constructs the S3 and DynamoDB
 * clients, both built in this run (ESM, minified, `mainFields: module,main`). Size, and cold
 * init: fresh node processes that import the bundle and handle one request (GET /healthz for
 * the API; the bare handler returns at once). Goals: size <= 1.2x, init <= 1.15x.
 *
 * The bundles are split (infra/aws/bundling.ts): the API's entry imports its route groups and
 * registry on first use, from chunks beside it. So "size" is what a cold start loads: the
 * entry and every file the first request imports, read off a module resolve hook in a fresh
 * process (`loaded`; Node 22.15 and later; elsewhere the entry's static imports, `static`),
 * with the files' total beside it (`apiAllFiles`). `oneCall` and `schemaRequest` say what
 * their first request loads too.
 *
 * The bare bundle is built as the design defines it, with the SDK's default credential chain,
 * and `meetsGoals` gates on it: the design is the newer word. The issue's like-for-like ratios
 * are printed beside (`likeForLike`, `meetsGoalsLikeForLike`): size against `bareLambda` (the
 * bare bundle with the stack's env-only provider, functions/aws/lambda-credentials.ts), init
 * against `bareLambdaFetch` (that bundle also loading Node's fetch API). The API itself no
 * longer loads Node's fetch API: its bundles use the light `Headers`, `Request` and `Response`
 * of functions/aws/lambda-fetch.ts, so that baseline now pays ~35 ms the API does not. Nor do
 * its cold starts load Node's web streams: the SDK's web `ChecksumStream` is defined on first use
 * (functions/aws/web-checksum-stream.ts); the bare bundles never reach that module.
 *
 * The child processes run the Node that runs this script. Lambda runs the stack's runtime
 * (Node 24), where cold starts differ from Node 20's: Node 24's ESM facade of `node:http`
 * loads the fetch API (undici), ~50 ms. The SDK imports `node:http` only on demand (for
 * `http://` endpoints and the instance-metadata credential providers); `node:https`, which it
 * imports at once, does not load undici. `npm run bench:aws-bundle` runs this script on Node 24
 * (npx fetches it from the npm registry once); `npm run bench:aws-bundle:this-node` runs it on
 * the Node at hand.
 *
 * `oneCall` (not the goal's definition; printed beside it): the cold start of a real request.
 * The API resolves `GET /v1/models/bench/versions/-1` (claims as the JWT authorizer passes
 * them) against DynamoDB Local, and the bare bundle's handler sends the one Query that
 * resolution needs, its client pointed there by `AWS_ENDPOINT_URL_DYNAMODB`.
 * `schemaRequest`: the cold start of a request that builds its request schema (schemas are
 * built on first use, so /healthz and a GET build none): `POST /v1/models` with a JSON body,
 * 201, against the bare bundle writing the model's two rows in one TransactWriteItems.
 * Both bare bundles here carry the env-only provider. DynamoDB Local is reached over
 * `http://`, so on Node 24 the SDK loads undici in both processes (through `node:http`), which
 * it would not do against AWS's `https://` endpoints.
 * Usage: npm run bench:aws-bundle [-- --runs 61]
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { type BundleFiles, buildLambdaBundle, PROJECT_ROOT } from '../infra/aws/bundling.js';
import { FUNCTION_RUNTIME } from '../infra/aws/registry-function.js';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import { startAwsTestBed } from '../test/support/aws/aws-registry.js';
import { apiEvent } from '../test/support/aws/events.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(values.runs ?? 61);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bundle-'));

/** The bare bundle of the design: just the two SDK clients. */
const BARE_CLIENTS = `import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const s3 = new S3Client({});
const dynamodb = new DynamoDBClient({});
`;
const BARE_SOURCE = `${BARE_CLIENTS}export const handler = async () => ({ statusCode: 200, body: String(Boolean(s3 && dynamodb)) });
`;

/** A built bundle: its entry (`index.mjs`) and its files (the entry and its chunks). */
interface Bundle {
  file: string;
  dir: string;
  files: BundleFiles;
}

async function bundle(
  name: string,
  input: { entry: string } | { source: string },
  credentialsAlias = true,
): Promise<Bundle> {
  const outfile = join(dir, name, 'index.mjs');
  // The API gets the stack's settings; a bare bundle keeps Node's own fetch API objects and the
  // SDK's modules as they ship (it never reaches the web ChecksumStream the stack defers).
  const files = await buildLambdaBundle('entry' in input ? input : { ...input, resolveDir: PROJECT_ROOT }, outfile, {
    credentialsAlias,
    standIns: 'entry' in input,
  });
  return { file: outfile, dir: join(dir, name), files };
}

const sumBytes = (b: Bundle, names: Iterable<string>) => [...names].reduce((n, f) => n + (b.files[f]?.bytes ?? 0), 0);

/** The entry and the chunks it imports statically: what importing it loads before any request. */
function staticFiles(b: Bundle): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of b.files[f]?.imports ?? []) visit(i);
  };
  visit('index.mjs');
  return seen;
}

/** One fresh process that records every module it resolves: the bundle's files its first request loads. */
const LOADED_PROBE = `const { registerHooks } = await import('node:module');
const loaded = new Set();
registerHooks?.({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.add(r.url); return r; } });
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), {});
if (result.statusCode !== Number(process.argv[3])) throw new Error('status ' + result.statusCode + ': ' + result.body);
console.log(JSON.stringify({ urls: registerHooks ? [...loaded] : null, undici: process.moduleLoadList.some((m) => m.includes('undici')) }));`;

/** What a cold start of `b` on `event` loads: bytes and files, measured (`loaded`) or, without resolve hooks, the static imports. */
async function coldLoad(b: Bundle, event: object = HEALTH_EVENT, env: Record<string, string> = ENV, status = 200) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', LOADED_PROBE, b.file, JSON.stringify(event), String(status)],
    { env },
  );
  const { urls, undici } = JSON.parse(stdout.trim()) as { urls: string[] | null; undici: boolean };
  const files = urls
    ? Object.keys(b.files).filter((f) => urls.includes(pathToFileURL(join(b.dir, f)).href))
    : [...staticFiles(b)];
  return { how: urls ? 'loaded' : 'static', bytes: sumBytes(b, files), files: files.length, fetchApiLoaded: undici };
}

const HEALTH_EVENT = apiEvent({ method: 'GET', path: '/healthz' });

const MODEL = 'bench';
const BARE_QUERY_SOURCE = `${BARE_CLIENTS}import { QueryCommand } from '@aws-sdk/client-dynamodb';
export const handler = async () => {
  const out = await dynamodb.send(new QueryCommand({
    TableName: process.env.MREG_TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ready)',
    ExpressionAttributeValues: { ':pk': { S: 'M#${MODEL}' }, ':ready': { S: 'R#' } },
    Limit: 1,
    ConsistentRead: true,
  }));
  return { statusCode: out.Items?.length === 1 && s3 ? 200 : 500, body: '' };
};
`;

/** One fresh process: import the bundle, handle one event; prints the in-process milliseconds. */
const PROBE = `const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), {});
if (result.statusCode !== Number(process.argv[3])) throw new Error('status ' + result.statusCode + ': ' + result.body);
console.log(performance.now() - t0);`;

const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  MREG_TABLE_NAME: 'mreg-bench',
  MREG_BUCKET: 'mreg-bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_LAMBDA_FUNCTION_NAME: 'mreg-bench',
};

async function coldInit(
  file: string,
  event: object = HEALTH_EVENT,
  env: Record<string, string> = ENV,
  status = 200,
): Promise<{ importAndHandleMs: number; processMs: number }> {
  const started = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', PROBE, file, JSON.stringify(event), String(status)],
    { env },
  );
  return { importAndHandleMs: Number(stdout.trim()), processMs: performance.now() - started };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
/** First quartile, median, third quartile: this machine's spread is as wide as the goal's margin. */
const quartiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] ?? 0;
  return [round(at(0.25)), round(median(xs)), round(at(0.75))];
};
/** The median of api/bare within each round: the two ran seconds apart, on the same machine state. */
const pairedRatio = (api: number[], bare: number[]) =>
  round(median(api.map((ms, i) => ms / (bare[i] ?? Number.NaN))), 3);

/** The bare handler, also building one Request and one Response: what Node's fetch API alone costs on first use. */
const BARE_FETCH_SOURCE = BARE_SOURCE.replace(
  'export const handler = async () => (',
  "export const handler = async () => (new Response(new Request('https://bench.example/healthz').url), ",
);

/** The bare handler writing a model's catalog and META rows in one transaction. */
const BARE_WRITE_SOURCE = `${BARE_CLIENTS}import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
export const handler = async (event) => {
  const name = JSON.parse(event.body).name;
  const put = (pk, sk) => ({ Put: { TableName: process.env.MREG_TABLE_NAME, Item: { pk: { S: pk }, sk: { S: sk }, d: { S: event.body } }, ConditionExpression: 'attribute_not_exists(pk)' } });
  await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [put('CATALOG', name), put('M#' + name, 'META')] }));
  return { statusCode: s3 ? 201 : 500, body: '' };
};
`;

/**
 * Runs `api` and `bare` alternately in fresh processes on `events(i)`; medians, quartiles and
 * the paired ratio, and the bytes each one's cold request loads.
 */
async function alternate(
  bundles: { api: Bundle; bare: Bundle },
  events: (i: number, who: 'api' | 'bare') => object,
  env: Record<string, string>,
  status: number,
) {
  const loads = {
    api: await coldLoad(bundles.api, events(-2, 'api'), env, status),
    bare: await coldLoad(bundles.bare, events(-2, 'bare'), env, status),
  };
  await coldInit(bundles.api.file, events(-1, 'api'), env, status);
  await coldInit(bundles.bare.file, events(-1, 'bare'), env, status);
  const api: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    api.push((await coldInit(bundles.api.file, events(i, 'api'), env, status)).importAndHandleMs);
    bare.push((await coldInit(bundles.bare.file, events(i, 'bare'), env, status)).importAndHandleMs);
  }
  return {
    // Without resolve hooks (Node before 22.15) what a request imports is unknown: no figure.
    loadedBytes:
      loads.api.how === 'loaded'
        ? { api: loads.api.bytes, bare: loads.bare.bytes, ratio: round(loads.api.bytes / loads.bare.bytes, 3) }
        : null,
    loadedFiles: loads.api.how === 'loaded' ? { api: loads.api.files, bare: loads.bare.files } : null,
    // Whether Node's fetch API (undici) was loaded by the time the cold request was answered.
    fetchApiLoaded: { api: loads.api.fetchApiLoaded, bare: loads.bare.fetchApiLoaded },
    api: round(median(api)),
    bare: round(median(bare)),
    ratio: round(median(api) / median(bare), 3),
    pairedRatio: pairedRatio(api, bare),
    quartiles: { api: quartiles(api), bare: quartiles(bare) },
  };
}

/**
 * Cold processes that each make one real request on DynamoDB Local: the API resolving `-1`
 * against the bare bundle's one Query, and the API creating a model (building its request
 * schema) against the bare bundle's one transaction.
 */
async function coldRequests(api: Bundle, bareQuery: Bundle, bareWrite: Bundle) {
  const bed = await startAwsTestBed('mreg-bench-p1');
  try {
    const actor = { subject: 'bench', scopes: ALL_SCOPES };
    const { registry } = bed.aws;
    await registry.models.create(actor, { name: MODEL });
    const bytes = new TextEncoder().encode('weights');
    const created = await registry.versions.create(actor, MODEL, {
      files: [{ path: 'model.bin', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }],
    });
    const upload = created.uploads[0];
    if (upload && 'url' in upload) await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    await registry.versions.commit(actor, MODEL, String(created.version.version));
    const event = apiEvent({
      method: 'GET',
      path: `/v1/models/${MODEL}/versions/-1`,
      claims: { sub: 'bench', scope: 'registry.read' },
    });
    const env = {
      ...bed.env,
      PATH: process.env.PATH ?? '',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_LAMBDA_FUNCTION_NAME: 'mreg-bench',
      AWS_ENDPOINT_URL_DYNAMODB: bed.dynamo.endpoint,
    };
    return {
      oneCall: await alternate({ api, bare: bareQuery }, () => event, env, 200),
      schemaRequest: await alternate(
        { api, bare: bareWrite },
        (i, who) =>
          apiEvent({
            method: 'POST',
            path: '/v1/models',
            claims: { sub: 'bench', scope: 'registry.write' },
            body: { name: `schema-${who}-${i + 1}`, description: 'cold start', tags: { team: 'bench' } },
          }),
        env,
        201,
      ),
    };
  } finally {
    await bed.stop();
  }
}

try {
  const bundles = {
    api: await bundle('api', { entry: join(PROJECT_ROOT, 'functions/aws/api.ts') }),
    bare: await bundle('bare', { source: BARE_SOURCE }, false),
    bareLambda: await bundle('bare-lambda', { source: BARE_SOURCE }),
    bareLambdaFetch: await bundle('bare-lambda-fetch', { source: BARE_FETCH_SOURCE }),
  };
  type Name = keyof typeof bundles;
  const names = Object.keys(bundles) as Name[];
  // What a cold start on GET /healthz loads (the bare bundles are one file each).
  const loads = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await coldLoad(bundles[n])])),
  ) as Record<Name, Awaited<ReturnType<typeof coldLoad>>>;
  const sizes = Object.fromEntries(names.map((n) => [n, loads[n].bytes])) as Record<Name, number>;
  const allBytes = (b: Bundle) => sumBytes(b, Object.keys(b.files));
  const files = Object.fromEntries(names.map((n) => [n, bundles[n].file])) as Record<Name, string>;
  // Warm the file cache, then alternate so drift hits all alike.
  for (const n of names) await coldInit(files[n]);
  const inits = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const walls = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let i = 0; i < RUNS; i++)
    for (const n of names) {
      const r = await coldInit(files[n]);
      inits[n].push(r.importAndHandleMs);
      walls[n].push(r.processMs);
    }
  const init = Object.fromEntries(names.map((n) => [n, median(inits[n])])) as Record<Name, number>;
  const requests = await coldRequests(
    bundles.api,
    await bundle('bare-query', { source: BARE_QUERY_SOURCE }),
    await bundle('bare-write', { source: BARE_WRITE_SOURCE }),
  );
  const likeForLike = {
    bytesRatio: round(sizes.api / sizes.bareLambda, 3),
    coldInitPairedRatio: pairedRatio(inits.api, inits.bareLambdaFetch),
    oneCallPairedRatio: requests.oneCall.pairedRatio,
    schemaRequestPairedRatio: requests.schemaRequest.pairedRatio,
  };
  const result = {
    benchmark: 'P1 aws api bundle',
    node: process.version,
    // Whether this Node is the functions' runtime: only then is the figure the deployed one.
    lambdaRuntime: FUNCTION_RUNTIME.name,
    onLambdaRuntimeMajor: FUNCTION_RUNTIME.name === `nodejs${process.versions.node.split('.')[0]}.x`,
    runs: RUNS,
    // What a cold start loads: the entry and the files its first request (GET /healthz) imports.
    bytes: {
      how: loads.api.how,
      api: sizes.api,
      apiFilesLoaded: loads.api.files,
      apiStaticImports: sumBytes(bundles.api, staticFiles(bundles.api)),
      apiAllFiles: allBytes(bundles.api),
      apiFiles: Object.keys(bundles.api.files).length,
      bare: sizes.bare,
      ratio: round(sizes.api / sizes.bare, 3),
      goal: 1.2,
      bareLambda: sizes.bareLambda,
      ratioToBareLambda: round(sizes.api / sizes.bareLambda, 3),
      fetchApiLoaded: Object.fromEntries(names.map((n) => [n, loads[n].fetchApiLoaded])),
    },
    coldInitMs: {
      api: round(init.api),
      bare: round(init.bare),
      ratio: round(init.api / init.bare, 3),
      pairedRatio: pairedRatio(inits.api, inits.bare),
      goal: 1.15,
      bareLambda: round(init.bareLambda),
      ratioToBareLambda: round(init.api / init.bareLambda, 3),
      bareLambdaWithFetchApi: round(init.bareLambdaFetch),
      quartiles: Object.fromEntries(names.map((n) => [n, quartiles(inits[n])])),
      processWallMs: Object.fromEntries(names.map((n) => [n, round(median(walls[n]))])),
    },
    ...requests,
    likeForLike,
    // Gated as the design defines it (the newer word): against the bare bundle of just the two
    // clients, which loads no fetch API; neither does the API, with its light objects.
    meetsGoals: sizes.api / sizes.bare <= 1.2 && init.api / init.bare <= 1.15,
    // Like for like (the words): the same credential provider, the fetch API loaded in the bare bundle.
    meetsGoalsLikeForLike: likeForLike.bytesRatio <= 1.2 && likeForLike.coldInitPairedRatio <= 1.15,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
