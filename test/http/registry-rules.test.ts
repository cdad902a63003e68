/** The registry's rules through its HTTP API: authorization, concurrency, idempotency, lifecycle. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/domain/keys.js';
import { registryRoutes } from '../../shared/http/routes.js';
import type { IdempotencyRow } from '../../shared/service/records.js';
import { callersKey } from '../../shared/service/versions/create.js';
import { type AppHarness, createAppHarness, principal } from '../support/app-harness.js';
import { overriding } from '../support/object-store-overrides.js';

let h: AppHarness;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Upload {
  path: string;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  multipart?: { uploadId: string; partSize: number; partCount: number };
}
interface Created {
  version: { version: number; state: string; etag: string; createdBy: string };
  uploads: Upload[];
}

beforeAll(async () => {
  h = await createAppHarness({ multipartThresholdBytes: 6 * 1024 * 1024, blobGraceSeconds: 60 });
});
afterAll(async () => h.close());

/** Creates a READY version with these bytes, uploading through the signed URL. */
async function pushVersion(
  model: string,
  bytes: Uint8Array,
  extra: Record<string, unknown> = {},
  as = principal('alice', 'write'),
) {
  const created = await h.json<Created>('POST', `/v1/models/${model}/versions`, {
    body: { files: [{ path: 'model.bin', size: bytes.length, sha256: sha(bytes) }], ...extra },
    as,
  });
  expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
  for (const upload of created.body.uploads) {
    const res = await h.signed(upload.url ?? '', {
      method: 'PUT',
      headers: upload.headers ?? {},
      body: new Uint8Array(bytes),
    });
    expect(res.status).toBe(200);
  }
  const committed = await h.json('POST', `/v1/models/${model}/versions/${created.body.version.version}/commit`, { as });
  expect(committed.status, JSON.stringify(committed.body)).toBe(200);
  return created.body;
}

describe('authentication and authorization', () => {
  it('401 without credentials, 403 without the scope', async () => {
    const none = await h.request('GET', '/v1/models', { as: 'none' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await h.request('POST', '/v1/models', { body: { name: 'r1' }, as: 'read' })).status).toBe(403);
    expect((await h.request('GET', '/v1/models', { as: 'read' })).status).toBe(200);
    expect((await h.request('GET', '/healthz', { as: 'none' })).status).toBe(200);
  });

  it('only the owner, maintainers and admins write a model that has maintainers', async () => {
    const bob = principal('bob', 'write');
    const carol = principal('carol', 'write');
    const dave = principal('dave', 'write');
    expect(
      (await h.json('POST', '/v1/models', { body: { name: 'guarded', maintainers: ['carol'] }, as: bob })).status,
    ).toBe(201);
    const patch = { body: { description: 'changed' } };
    expect((await h.request('PATCH', '/v1/models/guarded', { ...patch, as: dave })).status).toBe(403);
    expect((await h.request('PATCH', '/v1/models/guarded', { ...patch, as: carol })).status).toBe(200);
    expect((await h.request('PATCH', '/v1/models/guarded', { ...patch, as: bob })).status).toBe(200);
    expect((await h.request('PATCH', '/v1/models/guarded', { ...patch, as: principal('root', 'admin') })).status).toBe(
      200,
    );
    const files = [{ path: 'a', size: 1, sha256: 'b'.repeat(64) }];
    expect((await h.request('POST', '/v1/models/guarded/versions', { body: { files }, as: dave })).status).toBe(403);
    expect((await h.json('GET', '/v1/models/guarded')).body.latestVersion).toBe(0);
  });

  it('protected aliases and approval need admin', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'prot', protectedAliases: ['production'] } });
    await pushVersion('prot', randomBytes(100));
    expect((await h.request('PUT', '/v1/models/prot/aliases/production', { body: { version: 1 } })).status).toBe(403);
    expect((await h.request('PUT', '/v1/models/prot/aliases/staging', { body: { version: 1 } })).status).toBe(200);
    const admin = principal('root', 'admin');
    expect(
      (await h.request('PUT', '/v1/models/prot/aliases/production', { body: { version: 1 }, as: admin })).status,
    ).toBe(200);
    expect((await h.request('DELETE', '/v1/models/prot/aliases/production')).status).toBe(403);
    expect((await h.request('PATCH', '/v1/models/prot/versions/1', { body: { approval: 'APPROVED' } })).status).toBe(
      403,
    );
    const approved = await h.json('PATCH', '/v1/models/prot/versions/1', { body: { approval: 'APPROVED' }, as: admin });
    expect(approved.body.approval).toBe('APPROVED');
  });
});

describe('optimistic concurrency', () => {
  it('PATCH with a stale If-Match is 412; a fresh one applies the merge patch', async () => {
    const created = await h.json('POST', '/v1/models', {
      body: { name: 'etag', tags: { a: '1', b: '2' }, properties: { x: { y: 1 } } },
    });
    const etag = created.headers.get('etag') ?? '';
    expect(etag).toBe(`"${created.body.etag}"`);
    const ok = await h.json('PATCH', '/v1/models/etag', {
      body: { tags: { a: null, c: '3' }, properties: { x: { z: 2 } } },
      headers: { 'if-match': etag },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.tags).toEqual({ b: '2', c: '3' });
    expect(ok.body.properties).toEqual({ x: { y: 1, z: 2 } });
    const stale = await h.request('PATCH', '/v1/models/etag', {
      body: { description: 'x' },
      headers: { 'if-match': etag },
    });
    expect(stale.status).toBe(412);
    expect((await h.json('GET', '/v1/models/etag')).body.description).toBe('');
  });

  it('concurrent alias moves with the same If-Match: one winner, the rest 412', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'moves' } });
    for (let i = 0; i < 3; i++) await pushVersion('moves', randomBytes(64));
    const first = await h.request('PUT', '/v1/models/moves/aliases/prod', { body: { version: 1 } });
    const etag = first.headers.get('etag') ?? '';
    const results = await Promise.all(
      [2, 3, 2, 3, 2, 3].map((version) =>
        h.request('PUT', '/v1/models/moves/aliases/prod', { body: { version }, headers: { 'if-match': etag } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(5);
    const history = await h.json<{ items: Array<{ from: number | null; to: number }> }>(
      'GET',
      '/v1/models/moves/aliases/prod/history',
    );
    expect(history.body.items).toHaveLength(2);
    expect(history.body.items[0]).toMatchObject({ from: null, to: 1 });
  });

  it('aliases set at once on one version, and a version edited meanwhile, all succeed: no 412 without a stale If-Match', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'many-aliases' } });
    await pushVersion('many-aliases', randomBytes(64));
    const first = await h.request('PUT', '/v1/models/many-aliases/aliases/a0', { body: { version: 1 } });
    const etag = first.headers.get('etag') ?? '';
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        h.request('PUT', `/v1/models/many-aliases/aliases/b${i}`, { body: { version: 1 } }),
      ),
      h.request('PUT', '/v1/models/many-aliases/aliases/a0', { body: { version: 1 }, headers: { 'if-match': etag } }),
      h.request('PATCH', '/v1/models/many-aliases/versions/1', { body: { tags: { edited: 'yes' } } }),
      h.request('PATCH', '/v1/models/many-aliases/versions/1', { body: { description: 'edited' } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(11).fill(200));
    const version = await h.json<{ aliases: string[]; tags: Record<string, string>; description: string }>(
      'GET',
      '/v1/models/many-aliases/versions/1',
    );
    expect(version.body.tags).toEqual({ edited: 'yes' });
    expect(version.body.description).toBe('edited');
  });
});

describe('idempotency', () => {
  it('a replayed create returns the same version; a different body with the key is 409', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'idem' } });
    const body = { files: [{ path: 'a.bin', size: 5, sha256: sha(Buffer.from('hello')) }] };
    const headers = { 'idempotency-key': 'job-42-attempt' };
    const first = await h.json<Created>('POST', '/v1/models/idem/versions', { body, headers });
    const again = await Promise.all(
      [1, 2, 3].map(() => h.json<Created>('POST', '/v1/models/idem/versions', { body, headers })),
    );
    expect(first.status).toBe(201);
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(r.body.version.version).toBe(first.body.version.version);
      expect(r.body.uploads).toHaveLength(1);
    }
    const other = await h.request('POST', '/v1/models/idem/versions', {
      body: { files: [{ path: 'b.bin', size: 5, sha256: sha(Buffer.from('hello')) }] },
      headers,
    });
    expect(other.status).toBe(409);
    expect((await h.json<{ items: unknown[] }>('GET', '/v1/models/idem/versions')).body.items).toHaveLength(1);
  });
});

describe('idempotency keys belong to their caller', () => {
  it('the same key from another caller makes that caller its own version, never a replay of someone else', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'idem-callers' } });
    const body = { files: [{ path: 'a.bin', size: 5, sha256: sha(Buffer.from('hello')) }] };
    const headers = { 'idempotency-key': 'nightly-build' };
    const alice = await h.json<Created>('POST', '/v1/models/idem-callers/versions', {
      body,
      headers,
      as: principal('alice', 'write'),
    });
    const bob = await h.json<Created>('POST', '/v1/models/idem-callers/versions', {
      body,
      headers,
      as: principal('bob', 'write'),
    });
    expect(alice.status).toBe(201);
    expect(bob.status).toBe(201);
    expect(bob.body.version.version).not.toBe(alice.body.version.version);
    expect(bob.body.version.createdBy).toBe('bob');
    // Another body under the same key: bob's own key, not a conflict with alice's request.
    const carol = await h.request('POST', '/v1/models/idem-callers/versions', {
      body: { files: [{ path: 'c.bin', size: 5, sha256: sha(Buffer.from('hello')) }] },
      headers,
      as: principal('carol', 'write'),
    });
    expect(carol.status).toBe(201);
    // Each caller's own retry still replays their own version.
    const bobAgain = await h.json<Created>('POST', '/v1/models/idem-callers/versions', {
      body,
      headers,
      as: principal('bob', 'write'),
    });
    expect(bobAgain.status).toBe(200);
    expect(bobAgain.body.version.version).toBe(bob.body.version.version);
  });
});

describe('idempotency after a crash', () => {
  it('a key reserved by a request that died answers 409 in progress, and is taken over after 30 s', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'idem-crash' } });
    const body = { files: [{ path: 'a.bin', size: 5, sha256: sha(Buffer.from('crash')) }] };
    const first = await h.json<Created>('POST', '/v1/models/idem-crash/versions', {
      body,
      headers: { 'idempotency-key': 'first' },
    });
    expect(first.status).toBe(201);
    // What a request that reserved the key and then died leaves: its reservation, with no version.
    const done = await h.metadata.get<IdempotencyRow>(
      keys.model('idem-crash'),
      keys.idempotency(callersKey('alice', 'first')),
    );
    const dead: IdempotencyRow = {
      requestHash: done?.data.requestHash ?? '',
      reservedAt: h.clock.now().toISOString(),
      holder: 'a-request-that-died',
    };
    await h.metadata.batch(keys.model('idem-crash'), [
      { op: 'put', sk: keys.idempotency(callersKey('alice', 'retried')), data: dead },
    ]);
    const headers = { 'idempotency-key': 'retried' };
    const early = await h.request('POST', '/v1/models/idem-crash/versions', { body, headers });
    expect(early.status).toBe(409);
    expect(early.headers.get('retry-after')).toBe('1');
    h.clock.advance(31);
    const retried = await h.json<Created>('POST', '/v1/models/idem-crash/versions', { body, headers });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body.version.version).toBe(first.body.version.version + 1);
    const replayed = await h.json<Created>('POST', '/v1/models/idem-crash/versions', { body, headers });
    expect(replayed.status).toBe(200);
    expect(replayed.body.version.version).toBe(retried.body.version.version);
  });

  it('a request that outlives its reservation loses to the retry that took the key over: one version', async () => {
    // The first request stops inside its create (a multipart upload is being opened) until released.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = true;
    const slow = await createAppHarness({ multipartThresholdBytes: 1024 }, (store) =>
      overriding(store, {
        createMultipart: (target) => async (key, options) => {
          if (holding) {
            holding = false;
            await held;
          }
          return target.createMultipart(key, options);
        },
      }),
    );
    try {
      await slow.json('POST', '/v1/models', { body: { name: 'outlived' } });
      const body = { files: [{ path: 'big.bin', size: 4096, sha256: 'd'.repeat(64) }] };
      const headers = { 'idempotency-key': 'slow' };
      const original = slow.json<Created>('POST', '/v1/models/outlived/versions', { body, headers });
      while (holding) await new Promise((r) => setTimeout(r, 5));
      slow.clock.advance(31);
      const retry = await slow.json<Created>('POST', '/v1/models/outlived/versions', { body, headers });
      expect(retry.status, JSON.stringify(retry.body)).toBe(201);
      release();
      expect((await original).status).toBe(409);
      const again = await slow.json<Created>('POST', '/v1/models/outlived/versions', { body, headers });
      expect(again.body.version.version).toBe(retry.body.version.version);
      const listed = await slow.json<{ items: unknown[] }>('GET', '/v1/models/outlived/versions');
      expect(listed.body.items).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

describe('lifecycle', () => {
  it('refs: -k, latest, archived versions leave -k; filters by tag; paging without duplicates', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'life' } });
    for (let i = 1; i <= 5; i++)
      await pushVersion('life', randomBytes(32), { tags: { parity: i % 2 ? 'odd' : 'even' } });
    expect((await h.json('GET', '/v1/models/life/versions/latest')).body.version).toBe(5);
    expect((await h.json('GET', '/v1/models/life/versions/-3')).body.version).toBe(3);
    expect((await h.json('POST', '/v1/models/life/versions/5/archive')).body.state).toBe('ARCHIVED');
    expect((await h.json('GET', '/v1/models/life/versions/-1')).body.version).toBe(4);
    expect((await h.json('GET', '/v1/models/life/versions/5')).body.state).toBe('ARCHIVED');
    const odd = await h.json<{ items: Array<{ version: number }> }>(
      'GET',
      '/v1/models/life/versions?filter=tags.parity%3Dodd',
    );
    expect(odd.body.items.map((v) => v.version)).toEqual([5, 3, 1]);
    const seen: number[] = [];
    let token: string | null = null;
    do {
      const page: { body: { items: Array<{ version: number }>; nextPageToken: string | null } } = await h.json(
        'GET',
        `/v1/models/life/versions?pageSize=2${token ? `&pageToken=${token}` : ''}`,
      );
      seen.push(...page.body.items.map((v) => v.version));
      token = page.body.nextPageToken;
    } while (token);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  it('delete: 409 while READY versions exist, force removes them; archived models take no versions', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'doomed' } });
    await pushVersion('doomed', randomBytes(10));
    expect((await h.request('DELETE', '/v1/models/doomed')).status).toBe(409);
    expect((await h.request('POST', '/v1/models/doomed/archive')).status).toBe(200);
    const files = [{ path: 'a', size: 1, sha256: 'c'.repeat(64) }];
    expect((await h.request('POST', '/v1/models/doomed/versions', { body: { files } })).status).toBe(409);
    expect((await h.request('DELETE', '/v1/models/doomed?force=true')).status).toBe(204);
    expect((await h.request('GET', '/v1/models/doomed')).status).toBe(404);
    const list = await h.json<{ items: Array<{ name: string }> }>('GET', '/v1/models?filter=name%5E%3Ddoom');
    expect(list.body.items).toEqual([]);
  });

  it('deleting a version takes its aliases with it and records it', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'vdel' } });
    await pushVersion('vdel', randomBytes(10));
    await h.request('PUT', '/v1/models/vdel/aliases/best', { body: { version: 1 } });
    expect((await h.request('DELETE', '/v1/models/vdel/versions/1')).status).toBe(204);
    expect((await h.request('GET', '/v1/models/vdel/aliases/best')).status).toBe(404);
    const history = await h.json<{ items: Array<{ action: string; actor: string }> }>('GET', '/v1/models/vdel/history');
    expect(history.body.items.map((i) => i.action)).toEqual([
      'model.create',
      'version.create',
      'version.ready',
      'alias.set',
      'version.delete',
    ]);
    expect(history.body.items.every((i) => i.actor === 'alice')).toBe(true);
  });
});

describe('transient versions', () => {
  it('vanish from every read once expired, are swept, take no alias, and are capped per model', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'ckpt', maxTransientVersions: 2 } });
    const keep = await pushVersion('ckpt', randomBytes(16));
    const t = await pushVersion('ckpt', randomBytes(16), { retention: 'transient', ttlSeconds: 600 });
    expect((await h.request('PUT', '/v1/models/ckpt/aliases/x', { body: { version: t.version.version } })).status).toBe(
      400,
    );
    expect((await h.json('GET', '/v1/models/ckpt/versions/-1')).body.version).toBe(2);
    h.clock.advance(601);
    expect((await h.request('GET', '/v1/models/ckpt/versions/2')).status).toBe(404);
    expect((await h.json('GET', '/v1/models/ckpt/versions/-1')).body.version).toBe(keep.version.version);
    const list = await h.json<{ items: Array<{ version: number }> }>('GET', '/v1/models/ckpt/versions');
    expect(list.body.items.map((v) => v.version)).toEqual([1]);
    const report = await h.registry.sweep();
    expect(report.expiredVersions).toBe(1);
    const history = await h.json<{ items: Array<{ action: string }> }>('GET', '/v1/models/ckpt/history');
    expect(history.body.items.map((i) => i.action)).toContain('version.expire');
    for (let i = 0; i < 3; i++)
      await pushVersion('ckpt', randomBytes(16), { retention: 'transient', ttlSeconds: 3600 });
    const after = await h.json<{ items: Array<{ version: number }> }>('GET', '/v1/models/ckpt/versions');
    expect(after.body.items.map((v) => v.version)).toEqual([5, 4, 1]);
  });
});

describe('large files and blobs', () => {
  it('pushes a multipart upload with part URLs in batches and completes it at commit', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'llm' } });
    const bytes = randomBytes(7 * 1024 * 1024 + 123);
    const created = await h.json<Created>('POST', '/v1/models/llm/versions', {
      body: { files: [{ path: 'weights/model.safetensors', size: bytes.length, sha256: sha(bytes) }] },
    });
    const multipart = created.body.uploads[0]?.multipart;
    if (!multipart) throw new Error('expected a multipart upload');
    expect(multipart.partCount).toBeGreaterThanOrEqual(1);
    const partSize = multipart.partSize;
    const numbers = Array.from({ length: multipart.partCount }, (_, i) => i + 1);
    const parts = await h.json<{ parts: Array<{ partNumber: number; url: string; headers: Record<string, string> }> }>(
      'POST',
      '/v1/models/llm/versions/1/parts',
      { body: { path: 'weights/model.safetensors', partNumbers: numbers } },
    );
    expect(parts.status).toBe(200);
    const uploaded = () =>
      h.json<{ partSize: number; partCount: number; parts: Array<{ partNumber: number; size: number }> }>(
        'GET',
        `/v1/models/llm/versions/1/parts?path=${encodeURIComponent('weights/model.safetensors')}`,
      );
    expect((await uploaded()).body).toEqual({
      path: 'weights/model.safetensors',
      partSize,
      partCount: multipart.partCount,
      parts: [],
    });
    for (const part of parts.body.parts) {
      const chunk = bytes.subarray((part.partNumber - 1) * partSize, part.partNumber * partSize);
      expect(
        (await h.signed(part.url, { method: 'PUT', headers: part.headers, body: new Uint8Array(chunk) })).status,
      ).toBe(200);
    }
    // A client resuming an interrupted upload learns which parts the store already holds.
    expect((await uploaded()).body.parts).toEqual(
      numbers.map((n) =>
        expect.objectContaining({ partNumber: n, size: Math.min(partSize, bytes.length - (n - 1) * partSize) }),
      ),
    );
    expect((await h.json('GET', '/v1/models/llm/versions/1/parts')).status).toBe(400);
    const notMultipart = await h.json<{ errors: Array<{ field: string }> }>(
      'GET',
      '/v1/models/llm/versions/1/parts?path=other.bin',
    );
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.body.errors[0]?.field).toBe('path');
    const committed = await h.json('POST', '/v1/models/llm/versions/1/commit');
    expect(committed.status).toBe(200);
    expect(committed.body.state).toBe('READY');
    const file = await h.json<{ url: string }>(
      'GET',
      '/v1/models/llm/versions/1/files/weights/model.safetensors?redirect=false',
    );
    const res = await h.signed(file.body.url, { method: 'GET' });
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(bytes));
    const ranged = await h.signed(file.body.url, { method: 'GET', headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
  });

  it("cuts a file into the client's part size (partSize), keeps that plan for resuming, and refuses one outside the store's limits", async () => {
    await h.json('POST', '/v1/models', { body: { name: 'parts' } });
    const mib = 1024 * 1024;
    const bytes = randomBytes(5 * mib + 10);
    const declared = { path: 'small-parts.bin', size: bytes.length, sha256: sha(bytes) };
    // Below the registry's threshold, yet larger than the part size asked for: it goes multipart.
    const created = await h.json<Created>('POST', '/v1/models/parts/versions', {
      body: { files: [declared], partSize: 5 * mib },
    });
    expect(created.status).toBe(201);
    expect(created.body.uploads[0]?.multipart).toMatchObject({ partSize: 5 * mib, partCount: 2 });
    const listed = await h.json<{ partSize: number; partCount: number }>(
      'GET',
      '/v1/models/parts/versions/1/parts?path=small-parts.bin',
    );
    expect(listed.body).toMatchObject({ partSize: 5 * mib, partCount: 2 });
    // A file no larger than the part size stays a single PUT.
    const single = await h.json<Created>('POST', '/v1/models/parts/versions', {
      body: { files: [{ path: 'one.bin', size: 100, sha256: sha(randomBytes(100)) }], partSize: 5 * mib },
    });
    expect(single.body.uploads[0]?.url).toBeDefined();
    const tooSmall = await h.json<{ errors: Array<{ field: string }> }>('POST', '/v1/models/parts/versions', {
      body: { files: [declared], partSize: 1024 },
    });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.errors[0]?.field).toBe('partSize');
    const versions = await h.json<{ items: unknown[] }>('GET', '/v1/models/parts/versions');
    expect(versions.body.items).toHaveLength(2);
  });

  it('dedupes bytes across models; collects a blob only when nothing references it after the grace period', async () => {
    const bytes = randomBytes(2048);
    await h.json('POST', '/v1/models', { body: { name: 'dedup-a' } });
    await h.json('POST', '/v1/models', { body: { name: 'dedup-b' } });
    const a = await pushVersion('dedup-a', bytes);
    expect(a.uploads).toHaveLength(1);
    const b = await pushVersion('dedup-b', bytes);
    expect(b.uploads).toHaveLength(0);
    await h.request('DELETE', '/v1/models/dedup-a/versions/1');
    h.clock.advance(120);
    const blobKey = `mreg/blobs/sha256/${sha(bytes)}`;
    await h.registry.sweep();
    expect(await h.objects.head(blobKey)).toBeDefined();
    const stillThere = await h.json<{ url: string }>(
      'GET',
      '/v1/models/dedup-b/versions/1/files/model.bin?redirect=false',
    );
    expect((await h.signed(stillThere.body.url, { method: 'GET' })).status).toBe(200);
    await h.request('DELETE', '/v1/models/dedup-b/versions/1');
    h.clock.advance(120);
    const swept = await h.registry.sweep();
    expect(swept.blobs.collected).toBeGreaterThanOrEqual(1);
    expect(await h.objects.head(blobKey)).toBeUndefined();
    const again = await h.json<Created>('POST', '/v1/models/dedup-b/versions', {
      body: { files: [{ path: 'model.bin', size: bytes.length, sha256: sha(bytes) }] },
    });
    expect(again.body.uploads).toHaveLength(1);
  });
});

describe('experiments, runs and metrics', () => {
  it('tracks runs, write-once params, validated metric batches, and the versions a run produced', async () => {
    const exp = await h.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'churn' } });
    expect(exp.status).toBe(201);
    expect((await h.request('POST', '/v1/experiments', { body: { name: 'churn' } })).status).toBe(409);
    const run = await h.json<{ id: string; status: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, {
      body: { name: 'r1', params: { lr: '0.01' } },
    });
    expect(run.body.status).toBe('RUNNING');
    const id = run.body.id;
    expect((await h.request('PUT', `/v1/runs/${id}/params`, { body: { lr: '0.01', depth: '6' } })).status).toBe(200);
    expect((await h.request('PUT', `/v1/runs/${id}/params`, { body: { lr: '0.02' } })).status).toBe(409);
    const points = Array.from({ length: 500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i }));
    expect((await h.json('POST', `/v1/runs/${id}/metrics`, { body: { metrics: points } })).body).toEqual({
      written: 500,
    });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: 'x', value: i, step: i }));
    expect((await h.request('POST', `/v1/runs/${id}/metrics`, { body: { metrics: tooMany } })).status).toBe(413);
    // One bad point among 500: a 400 naming it, and nothing of the batch written.
    const oneBad: Array<{ key: string; value: unknown; step: number }> = Array.from({ length: 500 }, (_, i) => ({
      key: i % 2 ? 'acc' : 'f1',
      value: 0.5,
      step: i,
    }));
    oneBad[337] = { key: 'acc', value: 'high', step: 337 };
    const refused = await h.json<{ errors: Array<{ field: string }> }>('POST', `/v1/runs/${id}/metrics`, {
      body: { metrics: oneBad },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((i) => i.field)).toContain('metrics.337.value');
    expect((await h.json<{ items: unknown[] }>('GET', `/v1/runs/${id}/metrics/acc`)).body.items).toEqual([]);
    expect((await h.json<{ items: unknown[] }>('GET', `/v1/runs/${id}/metrics/f1`)).body.items).toEqual([]);
    // JSON has no NaN or Infinity: they travel as names, both ways.
    const odd = [
      { key: 'odd', value: 'NaN', step: 1 },
      { key: 'odd', value: 'Infinity', step: 2 },
      { key: 'odd', value: '-Infinity', step: 3 },
    ];
    expect((await h.request('POST', `/v1/runs/${id}/metrics`, { body: { metrics: odd } })).status).toBe(200);
    const oddPage = await h.json<{ items: Array<{ value: unknown }> }>('GET', `/v1/runs/${id}/metrics/odd`);
    expect(oddPage.body.items.map((p) => p.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
    const nan = [{ key: 'odd', value: 'nan', step: 4 }];
    expect((await h.request('POST', `/v1/runs/${id}/metrics`, { body: { metrics: nan } })).status).toBe(400);
    const page = await h.json<{ items: Array<{ step: number }>; nextPageToken: string }>(
      'GET',
      `/v1/runs/${id}/metrics/loss?pageSize=200`,
    );
    expect(page.body.items.map((p) => p.step)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(page.body.nextPageToken).toBeTruthy();
    await h.json('POST', '/v1/models', { body: { name: 'from-run' } });
    await pushVersion('from-run', randomBytes(8), { runId: id });
    const finished = await h.json<Record<string, unknown>>('PATCH', `/v1/runs/${id}`, { body: { status: 'FINISHED' } });
    expect(finished.body).toMatchObject({
      status: 'FINISHED',
      params: { lr: '0.01', depth: '6' },
      latestMetrics: { loss: 1 / 500, odd: '-Infinity' },
      modelVersions: [{ model: 'from-run', version: 1 }],
    });
    expect(finished.body.endTime).toBeTruthy();
    const filtered = await h.json<{ items: Array<{ runId: string }> }>(
      'GET',
      `/v1/models/from-run/versions?filter=runId%3D${id}`,
    );
    expect(filtered.body.items).toHaveLength(1);
  });
});

describe('asynchronous verification', () => {
  it('commit answers 202 for files too large to hash inline, then the version turns READY', async () => {
    const slow = await createAppHarness({ inlineHashMaxBytes: 1000 });
    try {
      await slow.json('POST', '/v1/models', { body: { name: 'huge' } });
      const bytes = randomBytes(5000);
      const created = await slow.json<Created>('POST', '/v1/models/huge/versions', {
        body: { files: [{ path: 'w.bin', size: bytes.length, sha256: sha(bytes) }] },
      });
      const upload = created.body.uploads[0];
      await slow.signed(upload?.url ?? '', {
        method: 'PUT',
        headers: upload?.headers ?? {},
        body: new Uint8Array(bytes),
      });
      const committed = await slow.json('POST', '/v1/models/huge/versions/1/commit');
      expect(committed.status).toBe(202);
      expect(committed.body).toMatchObject({ state: 'PENDING', verification: { status: 'RUNNING' } });
      let state = 'PENDING';
      for (let i = 0; i < 100 && state === 'PENDING'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        state = String((await slow.json('GET', '/v1/models/huge/versions/1')).body.state);
      }
      expect(state).toBe('READY');
      expect((await slow.json('GET', '/v1/models/huge/versions/1')).body.verification).toEqual({
        status: 'DONE',
        reasons: [],
      });
    } finally {
      await slow.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('documents every route with its scope, and every named schema resolves', async () => {
    const spec = await h.json<{
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { schemas: object };
    }>('GET', '/v1/openapi.json');
    const routes = registryRoutes(h.registry);
    expect(routes.length).toBeGreaterThanOrEqual(30);
    for (const route of routes) {
      const operation = spec.body.paths[route.path.replace(/\{([A-Za-z]+)\+\}/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.security, `${route.method} ${route.path}`).toEqual(
        route.scope === null ? undefined : [{ bearer: [route.scope] }],
      );
    }
    const operations = Object.values(spec.body.paths).flatMap((p) => Object.values(p));
    expect(operations).toHaveLength(routes.length);
    const text = JSON.stringify(spec.body);
    for (const ref of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      expect(Object.keys(spec.body.components.schemas), ref[1]).toContain(ref[1]);
  });
});

describe('signed part URLs', () => {
  it('a part URL that outlived its upload answers 404, not 500', async () => {
    const small = await createAppHarness({ multipartThresholdBytes: 1024 });
    try {
      await small.json('POST', '/v1/models', { body: { name: 'parts' } });
      const bytes = randomBytes(2048);
      await small.json('POST', '/v1/models/parts/versions', {
        body: { files: [{ path: 'p.bin', size: bytes.length, sha256: sha(bytes) }] },
      });
      const parts = await small.json<{ parts: Array<{ url: string }> }>('POST', '/v1/models/parts/versions/1/parts', {
        body: { path: 'p.bin', partNumbers: [1] },
      });
      await small.request('DELETE', '/v1/models/parts/versions/1');
      const res = await small.signed(parts.body.parts[0]?.url ?? '', { method: 'PUT', body: new Uint8Array(bytes) });
      expect(res.status).toBe(404);
    } finally {
      await small.close();
    }
  });
});
