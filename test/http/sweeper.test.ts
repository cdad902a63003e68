/** The sweeper reconciles what crashes and abandoned uploads leave behind. */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../shared/domain/keys.js';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';

let h: AppHarness;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// A registry per test: a sweep reports on everything in it, so no count may depend on another test.
beforeEach(async () => {
  h = await createAppHarness({ pendingTimeoutSeconds: 3600 });
});
afterEach(async () => h.close());

describe('sweeper', () => {
  it('records a number a crashed create took as a FAILED version, after a grace period; deleted ones stay deleted', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'crashy' } });
    const bytes = randomBytes(10);
    const files = [{ path: 'a', size: bytes.length, sha256: sha(bytes) }];
    await h.json('POST', '/v1/models/crashy/versions', { body: { files } });
    // A create that died between taking its number and writing its version.
    expect(await h.metadata.increment(keys.model('crashy'), keys.counter, 'n')).toBe(2);
    await h.json('POST', '/v1/models/crashy/versions', { body: { files } });
    await h.request('DELETE', '/v1/models/crashy/versions/3');
    expect((await h.registry.sweep()).holes).toBe(0);
    h.clock.advance(11 * 60);
    const report = await h.registry.sweep();
    expect(report.holes).toBe(1);
    const hole = await h.json('GET', '/v1/models/crashy/versions/2');
    expect(hole.body).toMatchObject({ state: 'FAILED', verification: { status: 'FAILED' } });
    expect((await h.request('GET', '/v1/models/crashy/versions/3')).status).toBe(404);
    expect((await h.registry.sweep()).holes).toBe(0);
  });

  it('finishes PENDING versions whose bytes arrived, and fails those whose bytes never came', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'pend' } });
    const bytes = randomBytes(64);
    const arrived = await h.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
      'POST',
      '/v1/models/pend/versions',
      { body: { files: [{ path: 'a', size: bytes.length, sha256: sha(bytes) }] } },
    );
    const upload = arrived.body.uploads[0];
    await h.signed(upload?.url ?? '', { method: 'PUT', headers: upload?.headers ?? {}, body: new Uint8Array(bytes) });
    const other = randomBytes(64);
    await h.json('POST', '/v1/models/pend/versions', {
      body: { files: [{ path: 'b', size: other.length, sha256: sha(other) }] },
    });
    const first = await h.registry.sweep();
    expect(first.pending.finished).toBe(1);
    expect((await h.json('GET', '/v1/models/pend/versions/1')).body.state).toBe('READY');
    expect((await h.json('GET', '/v1/models/pend/versions/2')).body.state).toBe('PENDING');
    h.clock.advance(3601);
    const second = await h.registry.sweep();
    expect(second.pending.failed).toBe(1);
    expect((await h.json('GET', '/v1/models/pend/versions/1')).body.state).toBe('READY');
    expect((await h.json('GET', '/v1/models/pend/versions/2')).body).toMatchObject({
      state: 'FAILED',
      verification: { reasons: ['the upload did not complete before the pending timeout'] },
    });
  });
});

describe('a create that crashed between the catalog and the model row', () => {
  it('is not listed, makes a concurrent create retry, and is cleared by the sweeper', async () => {
    const row = {
      name: 'phantom',
      description: '',
      owner: 'x',
      tags: {},
      state: 'LIVE',
      createdAt: '',
      etag: 'e',
      pending: true,
    };
    await h.metadata.batch(keys.catalog, [
      { op: 'put', sk: 'phantom', data: { ...row, updatedAt: h.clock.now().toISOString() } },
    ]);
    const list = await h.json<{ items: Array<{ name: string }> }>('GET', '/v1/models?filter=name%5E%3Dphantom');
    expect(list.body.items).toEqual([]);
    const busy = await h.request('POST', '/v1/models', { body: { name: 'phantom' } });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    h.clock.advance(61);
    await h.registry.sweep();
    expect(await h.metadata.get(keys.catalog, 'phantom')).toBeUndefined();
    expect((await h.request('POST', '/v1/models', { body: { name: 'phantom' } })).status).toBe(201);
    const listed = await h.json<{ items: Array<{ name: string }> }>('GET', '/v1/models?filter=name%5E%3Dphantom');
    expect(listed.body.items.map((m) => m.name)).toEqual(['phantom']);
  });
});
