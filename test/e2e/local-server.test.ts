/**
 * End to end against the real local server (`startLocalServer`, the code behind `npm start`),
 * on a free port with a temp data dir, with nothing but `fetch`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, startTestRegistry, type TestRegistry } from '../support/local-registry.js';

let reg: TestRegistry;
const bytes = randomBytes(256 * 1024);
const digest = sha256(bytes);

beforeAll(async () => {
  reg = await startTestRegistry();
});
afterAll(async () => reg.stop());

interface Upload {
  path: string;
  method: string;
  url: string;
  headers: Record<string, string>;
}

describe('local registry, end to end', () => {
  it('creates, uploads, commits, resolves, downloads, dedupes, rejects bad bytes, survives a restart', async () => {
    const model = await reg.json('POST', '/v1/models', {
      name: 'fraud',
      description: 'fraud scorer',
      tags: { team: 'risk' },
    });
    expect(model.status).toBe(201);
    expect(model.body).toMatchObject({ name: 'fraud', state: 'LIVE', latestVersion: 0, aliases: {} });

    const created = await reg.json<{ version: { version: number; state: string }; uploads: Upload[] }>(
      'POST',
      '/v1/models/fraud/versions',
      { files: [{ path: 'model.onnx', size: bytes.length, sha256: digest }], label: '1.0.0', format: 'onnx' },
    );
    expect(created.status).toBe(201);
    expect(created.body.version).toMatchObject({ version: 1, state: 'PENDING' });
    expect(created.body.uploads).toHaveLength(1);
    const upload = created.body.uploads[0] as Upload;
    expect(upload).toMatchObject({ path: 'model.onnx', method: 'PUT' });

    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status).toBe(200);

    const committed = await reg.json('POST', '/v1/models/fraud/versions/1/commit');
    expect(committed.status).toBe(200);
    expect(committed.body).toMatchObject({
      version: 1,
      state: 'READY',
      files: [{ path: 'model.onnx', sha256: digest }],
    });

    const latest = await reg.json('GET', '/v1/models/fraud/versions/-1');
    expect(latest.body).toMatchObject({ version: 1, state: 'READY' });

    const alias = await reg.json('PUT', '/v1/models/fraud/aliases/champion', { version: 1 });
    expect(alias.body).toEqual({ alias: 'champion', version: 1 });
    expect((await reg.json('GET', '/v1/models/fraud/versions/champion')).body).toMatchObject({ version: 1 });
    expect((await reg.json('GET', '/v1/models/fraud/versions/alias:champion')).body).toMatchObject({ version: 1 });
    expect((await reg.json('GET', '/v1/models/fraud/versions/label:1.0.0')).body).toMatchObject({ version: 1 });

    const redirect = await reg.call('GET', '/v1/models/fraud/versions/champion/files/model.onnx');
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location') ?? '';
    const download = await fetch(location);
    expect(download.status).toBe(200);
    const downloaded = Buffer.from(await download.arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
    expect(sha256(downloaded)).toBe(digest);

    // The same bytes again: the registry holds them, so no upload is asked for.
    const again = await reg.json<{ version: { version: number }; uploads: Upload[] }>(
      'POST',
      '/v1/models/fraud/versions',
      {
        files: [{ path: 'model.onnx', size: bytes.length, sha256: digest }],
      },
    );
    expect(again.status).toBe(201);
    expect(again.body.version.version).toBe(2);
    expect(again.body.uploads).toEqual([]);
    expect((await reg.json('POST', '/v1/models/fraud/versions/2/commit')).body).toMatchObject({ state: 'READY' });

    // Wrong bytes: the signed URL refuses them, and the version never becomes READY.
    const other = randomBytes(1024);
    const wrong = await reg.json<{ version: { version: number }; uploads: Upload[] }>(
      'POST',
      '/v1/models/fraud/versions',
      {
        files: [{ path: 'model.onnx', size: other.length, sha256: sha256(other) }],
      },
    );
    const wrongUpload = wrong.body.uploads[0] as Upload;
    const tampered = Buffer.from(other);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    const rejected = await fetch(wrongUpload.url, { method: 'PUT', headers: wrongUpload.headers, body: tampered });
    expect(rejected.status).toBe(400);
    expect(rejected.headers.get('content-type')).toContain('application/problem+json');
    const notReady = await reg.json('POST', `/v1/models/fraud/versions/${wrong.body.version.version}/commit`);
    expect(notReady.status).toBe(409);
    expect((await reg.json('GET', `/v1/models/fraud/versions/${wrong.body.version.version}`)).body).toMatchObject({
      state: 'PENDING',
    });
    expect((await reg.json('GET', '/v1/models/fraud/versions/-1')).body).toMatchObject({ version: 2 });

    await reg.restart();
    const after = await reg.json('GET', '/v1/models/fraud');
    expect(after.body).toMatchObject({
      name: 'fraud',
      latestVersion: 3,
      aliases: { champion: 1 },
      tags: { team: 'risk' },
    });
    expect((await reg.json('GET', '/v1/models/fraud/versions/-2')).body).toMatchObject({ version: 1, state: 'READY' });
    const list = await reg.json<{ items: Array<{ version: number }> }>('GET', '/v1/models/fraud/versions');
    expect(list.body.items.map((v) => v.version)).toEqual([3, 2, 1]);
    const url = await reg.json<{ url: string; sha256: string }>(
      'GET',
      '/v1/models/fraud/versions/1/files/model.onnx?redirect=false',
    );
    expect(url.body.sha256).toBe(digest);
    const refetched = Buffer.from(await (await fetch(url.body.url)).arrayBuffer());
    expect(sha256(refetched)).toBe(digest);
    const history = await reg.json<{ items: Array<{ action: string }> }>(
      'GET',
      '/v1/models/fraud/aliases/champion/history',
    );
    expect(history.body.items).toHaveLength(1);
  });

  it('50 concurrent version creates get 1..50', async () => {
    expect((await reg.json('POST', '/v1/models', { name: 'race' })).status).toBe(201);
    const file = { path: 'w.bin', size: 3, sha256: sha256(Buffer.from('abc')) };
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        reg.json<{ version: { version: number } }>('POST', '/v1/models/race/versions', { files: [file] }),
      ),
    );
    expect(results.map((r) => r.status).every((s) => s === 201)).toBe(true);
    const numbers = results.map((r) => r.body.version.version).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('serves health, the OpenAPI document and the docs page with its own assets', async () => {
    expect((await reg.json('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const spec = await reg.json<{ openapi: string; paths: Record<string, unknown> }>('GET', '/v1/openapi.json');
    expect(spec.body.openapi).toBe('3.1.0');
    // OpenAPI's name for the greedy file parameter (API Gateway routes it as {path+}).
    expect(Object.keys(spec.body.paths)).toContain('/v1/models/{model}/versions/{ref}/files/{path}');
    const page = await (await reg.call('GET', '/docs')).text();
    expect(page).toContain('/docs/assets/swagger-ui-bundle.js');
    const asset = await reg.call('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });
});

describe('local server security', () => {
  it('with MREG_TOKEN, only the bearer token gets in', async () => {
    const guarded = await startTestRegistry({ token: 's3cret-token' });
    try {
      expect((await guarded.call('GET', '/v1/models')).status).toBe(401);
      expect(
        (await guarded.call('GET', '/v1/models', undefined, { authorization: 'Bearer wrong-token!' })).status,
      ).toBe(401);
      const ok = await guarded.call('GET', '/v1/models', undefined, { authorization: 'Bearer s3cret-token' });
      expect(ok.status).toBe(200);
      expect((await guarded.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(startTestRegistry({ host: '0.0.0.0' })).rejects.toThrow(/MREG_TOKEN/);
  });
});

describe('local server body limit', () => {
  it('answers 413 for a JSON body over 1 MiB, with a declared length or chunked', async () => {
    const big = JSON.stringify({ name: 'big', description: 'x'.repeat(1024 * 1024 + 10) });
    const declared = await fetch(`${reg.url}/v1/models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    const chunked = await fetch(`${reg.url}/v1/models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await reg.json('GET', '/v1/models/big')).status).toBe(404);
  });
});
