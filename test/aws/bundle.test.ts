/**
 * The API bundle as the stack ships it (esbuild with the stack's settings, Lambda's env-only
 * credential provider in place of the SDK's default chain), imported and driven against
 * s3rver and DynamoDB Local: signed S3 requests and DynamoDB calls work with the
 * credentials Lambda puts in the environment.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHandler } from '../../functions/aws/handlers/api-handler.js';
import { type BundleFiles, buildLambdaBundle, bundleFunctionSync, PROJECT_ROOT } from '../../infra/aws/bundling.js';
import { UI_DIRECTORY } from '../../ui/assets.js';
import { writeUi } from '../../ui/build.js';
import { type AwsTestBed, startAwsTestBed } from '../support/aws/aws-registry.js';
import { type ApiCall, apiEvent, lambdaContext } from '../support/aws/events.js';

const WRITER = { sub: 'trainer', scope: 'registry.write' };
let bed: AwsTestBed;
let dir: string;
let bundle: string;
let files: BundleFiles;
let api: ApiHandler;
let docs: ApiHandler;

beforeAll(async () => {
  bed = await startAwsTestBed('mreg-bundle');
  dir = await mkdtemp(join(tmpdir(), 'mreg-bundle-test-'));
  bundle = join(dir, 'api', 'index.mjs');
  files = await buildLambdaBundle({ entry: join(PROJECT_ROOT, 'functions/aws/api.ts') }, bundle);
  Object.assign(process.env, bed.env);
  api = ((await import(pathToFileURL(bundle).href)) as { handler: ApiHandler }).handler;
  const docsBundle = join(dir, 'docs', 'index.mjs');
  await buildLambdaBundle({ entry: join(PROJECT_ROOT, 'functions/aws/docs.ts') }, docsBundle);
  // What the stack's bundling adds beside the docs bundle (uiBuildCommands).
  await writeUi(join(dir, 'docs', UI_DIRECTORY));
  Object.assign(process.env, {
    MREG_UI_OIDC_ISSUER: 'https://issuer.example.com/pool',
    MREG_UI_CLIENT_ID: 'ui-client',
    MREG_UI_SCOPES: 'openid mreg/registry.read',
  });
  docs = ((await import(pathToFileURL(docsBundle).href)) as { handler: ApiHandler }).handler;
}, 60_000);

afterAll(async () => {
  await bed?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(request: ApiCall, handler = api): Promise<APIGatewayProxyStructuredResultV2 & { json: unknown }> {
  const result = await handler(apiEvent(request), lambdaContext('mreg-api'));
  const json =
    result.body && /json/.test(String(result.headers?.['content-type'])) ? JSON.parse(result.body) : undefined;
  return { ...result, json };
}

describe('the shipped API bundle', () => {
  it('is split: the stack’s bundling writes the entry and the same chunks, which the entry loads on first use', async () => {
    const staged = join(dir, 'staged');
    bundleFunctionSync(join(PROJECT_ROOT, 'functions/aws/api.ts'), staged);
    // Relative names from readdir itself (Dirent.parentPath of a recursive listing differs across Node 20 releases).
    const names = await readdir(staged, { recursive: true });
    const listed: string[] = [];
    for (const name of names) if ((await stat(join(staged, name))).isFile()) listed.push(name);
    expect(listed.sort()).toEqual(Object.keys(files).sort());
    expect(files['index.mjs']?.dynamicImports.length).toBeGreaterThan(0);
  });

  it('carries Lambda’s credential provider, not the default chain', async () => {
    const text = await readFile(bundle, 'utf8');
    // Debug messages of the default chain's providers (a bundle is too long to print on failure).
    const chainMarks = ['defaultProvider::fromSSO', 'remoteProvider::fromInstanceMetadata', 'fromWebToken'];
    expect(chainMarks.filter((mark) => text.includes(mark))).toEqual([]);
  });

  it('creates a model and a version, takes bytes through the presigned URL, and commits READY', async () => {
    const bytes = randomBytes(4096);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(
      (await call({ method: 'POST', path: '/v1/models', claims: WRITER, body: { name: 'bundled' } })).statusCode,
    ).toBe(201);
    const created = await call({
      method: 'POST',
      path: '/v1/models/bundled/versions',
      claims: WRITER,
      body: { files: [{ path: 'model.bin', size: bytes.length, sha256 }] },
    });
    expect(created.statusCode).toBe(201);
    const { uploads } = created.json as { uploads: Array<{ url: string; headers: Record<string, string> }> };
    const upload = uploads[0];
    if (!upload) throw new Error('no upload');
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    const commit = await call({ method: 'POST', path: '/v1/models/bundled/versions/1/commit', claims: WRITER });
    expect(commit.statusCode).toBe(200);
    expect(commit.json).toMatchObject({ version: 1, state: 'READY', files: [{ path: 'model.bin', sha256 }] });
  });

  it('answers in a fresh process without loading Node’s fetch API (its light objects stand in) or, for a cold /healthz, its web streams', async () => {
    // One cold process, as Lambda runs one: the statuses of its requests, whether undici was
    // loaded, and whether the first request (GET /healthz) had loaded Node's web streams.
    // (Node 20 loads its web streams to run an `-e` module itself: only modules loaded after the start count.)
    const probe = `const before = process.moduleLoadList.length;
const { handler } = await import(process.argv[1]);
const statuses = [];
let webStreams;
for (const event of JSON.parse(process.argv[2])) {
  const result = await handler(event, {});
  statuses.push([result.statusCode, JSON.parse(result.body || 'null')]);
  webStreams ??= process.moduleLoadList.slice(before).some((m) => m.includes('internal/webstreams'));
}
console.log(JSON.stringify({ statuses, webStreams, undici: process.moduleLoadList.some((m) => m.includes('undici')) }));`;
    const events = [
      apiEvent({ method: 'GET', path: '/healthz' }),
      apiEvent({ method: 'POST', path: '/v1/models', claims: WRITER, body: { name: 'cold', tags: { team: 'a' } } }),
      apiEvent({ method: 'GET', path: '/v1/models/cold', claims: WRITER }),
      apiEvent({ method: 'POST', path: '/v1/models', claims: WRITER, body: { name: 7 } }),
    ];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', probe, pathToFileURL(bundle).href, JSON.stringify(events)],
      { env: { PATH: process.env.PATH ?? '', ...bed.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );
    const { statuses, webStreams, undici } = JSON.parse(stdout) as {
      statuses: [number, Record<string, unknown>][];
      webStreams: boolean;
      undici: boolean;
    };
    expect(statuses.map(([status]) => status)).toEqual([200, 201, 200, 400]);
    expect(statuses[2]?.[1]).toMatchObject({ name: 'cold', tags: { team: 'a' } });
    expect(statuses[3]?.[1]).toMatchObject({ errors: [{ field: 'name' }] });
    expect(undici).toBe(false);
    expect(webStreams).toBe(false);
  });

  it('leaves the OpenAPI document to the docs bundle, which serves it', async () => {
    const READER = { sub: 'reader', scope: 'registry.read' };
    expect((await call({ method: 'GET', path: '/v1/openapi.json', claims: READER })).statusCode).toBe(404);
    const served = await call({ method: 'GET', path: '/v1/openapi.json', claims: READER }, docs);
    expect(served.statusCode).toBe(200);
    const spec = served.json as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/v1/models/{model}/versions/{ref}');
    expect((await call({ method: 'GET', path: '/v1/models', claims: READER }, docs)).statusCode).toBe(404);
  });

  it('serves the web UI from the docs bundle without credentials: the page with its OIDC settings, and its assets', async () => {
    const page = await call({ method: 'GET', path: '/ui/models/fraud' }, docs);
    expect(page.statusCode).toBe(200);
    const headers = page.headers as Record<string, string>;
    expect(headers['content-type']).toMatch(/^text\/html/);
    expect(headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(headers['content-security-policy']).toMatch(/connect-src 'self' https:\/\/issuer\.example\.com/);
    const body = String(page.body);
    const config = /name="mreg-config" content="([^"]+)"/.exec(body)?.[1]?.replace(/&quot;/g, '"') ?? '';
    expect(JSON.parse(config)).toEqual({
      runtime: 'aws',
      auth: {
        kind: 'oidc',
        issuer: 'https://issuer.example.com/pool',
        clientId: 'ui-client',
        scopes: ['openid', 'mreg/registry.read'],
      },
    });
    const script = /src="\/ui\/assets\/([^"]+\.js)"/.exec(body)?.[1] ?? '';
    const asset = await call({ method: 'GET', path: `/ui/assets/${script}` }, docs);
    expect(asset.statusCode).toBe(200);
    expect((asset.headers as Record<string, string>)['cache-control']).toMatch(/immutable/);
    expect(String(asset.body).length).toBeGreaterThan(10_000);
  });
});
