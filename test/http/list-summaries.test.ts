/**
 * What list pages carry for the web UI: each model row its latest version number and aliases;
 * each version its file count and total size, also when its file list is stored apart.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';

let h: AppHarness;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(async () => h.close());

interface Listed<T> {
  items: T[];
  nextPageToken: string | null;
}

/** A READY version holding `text`, uploaded through its signed URL. */
async function pushReady(model: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const created = await h.json<{
    version: { version: number };
    uploads: { url: string; headers: Record<string, string> }[];
  }>('POST', `/v1/models/${model}/versions`, {
    body: { files: [{ path: 'model.bin', size: bytes.length, sha256: sha(text) }] },
  });
  for (const upload of created.body.uploads)
    expect((await h.signed(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
  expect((await h.request('POST', `/v1/models/${model}/versions/${created.body.version.version}/commit`)).status).toBe(
    200,
  );
}

describe('list pages for the UI', () => {
  it('model rows carry latestVersion and aliases, read from each model', async () => {
    for (const name of ['sum-a', 'sum-b'])
      expect((await h.request('POST', '/v1/models', { body: { name } })).status).toBe(201);
    for (let i = 0; i < 2; i++) await pushReady('sum-a', `bytes ${i}`);
    expect((await h.request('PUT', '/v1/models/sum-a/aliases/champion', { body: { version: 2 } })).status).toBe(200);
    const page = await h.json<Listed<Record<string, unknown>>>('GET', '/v1/models?filter=name^%3Dsum-');
    expect(page.status).toBe(200);
    const [a, b] = page.body.items;
    expect(a).toMatchObject({ name: 'sum-a', latestVersion: 2, owner: expect.any(String) });
    expect(a?.aliases).toEqual({ champion: 2 });
    expect(b).toMatchObject({ name: 'sum-b', latestVersion: 0, aliases: {} });
    expect(Object.keys(a ?? {}).sort()).toEqual(
      [
        'aliases',
        'createdAt',
        'description',
        'etag',
        'latestVersion',
        'name',
        'owner',
        'state',
        'tags',
        'updatedAt',
      ].sort(),
    );
  });

  it('versions carry fileCount and size, inline file lists and long ones stored apart alike', async () => {
    expect((await h.request('POST', '/v1/models', { body: { name: 'sized' } })).status).toBe(201);
    const small = [
      { path: 'a.bin', size: 10, sha256: sha('a') },
      { path: 'b.bin', size: 32, sha256: sha('b') },
    ];
    // Long enough that the version row keeps its files in rows of their own.
    const many = Array.from({ length: 800 }, (_, i) => ({ path: `shard-${i}.bin`, size: i + 1, sha256: sha(`m${i}`) }));
    for (const files of [small, many])
      expect((await h.request('POST', '/v1/models/sized/versions', { body: { files } })).status).toBe(201);
    const page = await h.json<Listed<{ version: number; fileCount: number; size: number; files: unknown[] }>>(
      'GET',
      '/v1/models/sized/versions',
    );
    const [long, short] = page.body.items;
    expect(short).toMatchObject({ version: 1, fileCount: 2, size: 42 });
    expect(short?.files).toHaveLength(2);
    expect(long).toMatchObject({ version: 2, fileCount: 800, size: (800 * 801) / 2 });
    expect(long?.files).toEqual([]);
    const one = await h.json<{ fileCount: number; size: number; files: unknown[] }>(
      'GET',
      '/v1/models/sized/versions/2',
    );
    expect(one.body).toMatchObject({ fileCount: 800, size: (800 * 801) / 2 });
    expect(one.body.files).toHaveLength(800);
  });
});
