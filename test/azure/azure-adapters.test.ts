/**
 * What the Azure adapters do beyond the shared contract, on Azurite: etag-conditional deletes
 * inside a table transaction (the SDK drops their etag; our pipeline policy restores it), the
 * failing index, escaped keys as stored, chunked data; block ids, abort cleanup, copy pinned
 * to the source etag, listing resumed from any key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobObjectStore } from '../../functions/azure/blob-object-store.js';
import { storageAdapters } from '../../functions/azure/storage-clients.js';
import type { TableMetadataStore } from '../../functions/azure/table-metadata-store.js';
import { ConditionFailedError } from '../../shared/errors.js';
import { ObjectChangedError } from '../../shared/ports/object-store.js';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';

let azurite: Azurite;
let metadata: TableMetadataStore;
let objects: BlobObjectStore;
let container: ContainerClient;
let raw: TableClient;
let n = 0;
const pk = () => `M#adapter-${n++}`;

beforeAll(async () => {
  azurite = await startAzurite();
  const adapters = storageAdapters({
    connectionString: azurite.connectionString,
    container: 'adapters',
    table: 'adapters',
  });
  container = adapters.blobService.getContainerClient('adapters');
  await container.create();
  await adapters.metadata.ensureTable();
  metadata = adapters.metadata;
  objects = adapters.objects;
  raw = TableClient.fromConnectionString(azurite.connectionString, 'adapters', { allowInsecureConnection: true });
});

afterAll(async () => {
  await azurite?.stop();
});

describe('TableMetadataStore on Azurite', () => {
  it('increments stay unique across processes: two stores (two queues) racing on one counter', async () => {
    const other = storageAdapters({
      connectionString: azurite.connectionString,
      container: 'adapters',
      table: 'adapters',
    }).metadata;
    const key = pk();
    const values = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? metadata : other).increment(key, 'CTR', 'n')),
    );
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('honours an etag-conditional delete inside a multi-write transaction', async () => {
    const p = pk();
    await metadata.batch(p, [{ op: 'put', sk: 'A#x', data: { v: 1 } }]);
    const first = await metadata.get(p, 'A#x');
    await metadata.batch(p, [{ op: 'put', sk: 'A#x', data: { v: 2 } }]);
    const stale = metadata.batch(p, [
      { op: 'put', sk: 'H#1', data: { action: 'alias.delete' } },
      { op: 'delete', sk: 'A#x', if: { etag: first?.etag ?? '' } },
    ]);
    await expect(stale).rejects.toBeInstanceOf(ConditionFailedError);
    await expect(stale).rejects.toMatchObject({ index: 1 });
    expect(await metadata.get(p, 'H#1')).toBeUndefined();
    expect((await metadata.get(p, 'A#x'))?.data).toEqual({ v: 2 });

    const current = await metadata.get(p, 'A#x');
    await metadata.batch(p, [
      { op: 'put', sk: 'H#1', data: { action: 'alias.delete' } },
      { op: 'delete', sk: 'A#x', if: { etag: current?.etag ?? '' } },
    ]);
    expect(await metadata.get(p, 'A#x')).toBeUndefined();
    expect(await metadata.get(p, 'H#1')).toBeDefined();
  });

  it('drops an unconditional delete of a missing row from a transaction instead of failing it', async () => {
    const p = pk();
    await metadata.batch(p, [
      { op: 'put', sk: 'a', data: { v: 1 } },
      { op: 'delete', sk: 'missing' },
      { op: 'delete', sk: 'missing-too' },
    ]);
    expect((await metadata.get(p, 'a'))?.data).toEqual({ v: 1 });
  });

  it('reports the failing write’s index, and fails a foreign etag without a call', async () => {
    const p = pk();
    await metadata.batch(p, [{ op: 'put', sk: 'taken', data: {} }]);
    await expect(
      metadata.batch(p, [
        { op: 'put', sk: 'a', data: {} },
        { op: 'put', sk: 'b', data: {} },
        { op: 'put', sk: 'taken', data: {}, if: { absent: true } },
      ]),
    ).rejects.toMatchObject({ name: 'ConditionFailedError', index: 2 });
    await expect(metadata.batch(p, [{ op: 'put', sk: 'taken', data: {}, if: { etag: 'abc' } }])).rejects.toMatchObject({
      name: 'ConditionFailedError',
      index: 0,
    });
  });

  it('stores escaped keys and chunked data as plain entities', async () => {
    const p = 'M#odd/model?';
    const big = { text: 'y'.repeat(70_000) };
    await metadata.batch(p, [{ op: 'put', sk: 'V#1\\2', data: big }]);
    const entity = await raw.getEntity<Record<string, unknown>>('M"1odd.1model>1', 'V"11]02');
    expect(typeof entity.d0).toBe('string');
    expect(typeof entity.d2).toBe('string');
    expect((await metadata.get(p, 'V#1\\2'))?.data).toEqual(big);
  });
});

describe('BlobObjectStore on Azurite', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('names parts with fixed-width block ids and ignores blocks of other uploads', async () => {
    const key = 'mreg/uploads/u1/0';
    const a = await objects.createMultipart(key, {});
    const b = await objects.createMultipart(key, {});
    for (const [uploadId, part] of [
      [a.uploadId, 1],
      [a.uploadId, 12],
      [b.uploadId, 3],
    ] as const) {
      const signed = await objects.presignPart(key, uploadId, part, {
        expiresInSeconds: 60,
        maxBytes: 8 * 1024 * 1024,
      });
      expect(new URL(signed.url).searchParams.get('blockid')).toHaveLength(32);
      const res = await fetch(signed.url, { method: 'PUT', body: randomBytes(10) });
      expect(res.status).toBe(201);
    }
    expect((await objects.listParts(key, a.uploadId)).map((p) => p.partNumber)).toEqual([1, 12]);
    expect((await objects.listParts(key, b.uploadId)).map((p) => p.partNumber)).toEqual([3]);
  });

  it('abort discards the uncommitted blocks but never a committed blob', async () => {
    const key = 'mreg/uploads/u2/0';
    const { uploadId } = await objects.createMultipart(key, {});
    await fetch((await objects.presignPart(key, uploadId, 1, { expiresInSeconds: 60, maxBytes: 10 })).url, {
      method: 'PUT',
      body: randomBytes(10),
    });
    await objects.abortMultipart(key, uploadId);
    expect(await objects.listParts(key, uploadId)).toEqual([]);
    expect(await objects.head(key)).toBeUndefined();

    const kept = 'mreg/uploads/u3/0';
    await container.getBlockBlobClient(kept).uploadData(Buffer.from('committed'));
    await objects.abortMultipart(kept, (await objects.createMultipart(kept, {})).uploadId);
    expect((await objects.head(kept))?.size).toBe(9);
  });

  it('copies only while the source still has the pinned etag', async () => {
    const from = 'incoming/m/pinned.bin';
    const first = randomBytes(100);
    await container.getBlockBlobClient(from).uploadData(first);
    const pinned = (await objects.head(from))?.etag ?? '';
    expect(pinned).not.toMatch(/"/);
    await objects.copy(from, 'mreg/blobs/sha256/one', { ifMatch: pinned });
    const copied = await objects.read('mreg/blobs/sha256/one');
    const chunks: Uint8Array[] = [];
    for await (const chunk of copied as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(sha(Buffer.concat(chunks))).toBe(sha(first));
    await container.getBlockBlobClient(from).uploadData(randomBytes(100));
    await expect(objects.copy(from, 'mreg/blobs/sha256/two', { ifMatch: pinned })).rejects.toBeInstanceOf(
      ObjectChangedError,
    );
    expect(await objects.head('mreg/blobs/sha256/two')).toBeUndefined();
  });

  it('reads a large blob as parallel ranges in order, all pinned to the etag it started with', async () => {
    const key = 'mreg/blobs/sha256/large';
    const bytes = randomBytes(40 * 1024 * 1024 + 123);
    await container.getBlockBlobClient(key).uploadData(bytes, { blockSize: 8 * 1024 * 1024 });
    const whole = objects.read(key);
    const chunks: Uint8Array[] = [];
    for await (const chunk of (await whole) as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(sha(Buffer.concat(chunks))).toBe(sha(bytes));
    const part = await objects.read(key, { range: { start: 5, end: 20 * 1024 * 1024 } });
    const partChunks: Uint8Array[] = [];
    for await (const chunk of part as unknown as AsyncIterable<Uint8Array>) partChunks.push(chunk);
    expect(sha(Buffer.concat(partChunks))).toBe(sha(bytes.subarray(5, 20 * 1024 * 1024 + 1)));

    // Overwritten after the read began: a later range fails instead of mixing two versions.
    const reader = (await objects.read(key)).getReader();
    await reader.read();
    await container.getBlockBlobClient(key).uploadData(randomBytes(40 * 1024 * 1024));
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toBeInstanceOf(ObjectChangedError);
  });

  it('reports user metadata lower-cased and no SHA-256 (Azure verifies none)', async () => {
    await container.getBlockBlobClient('incoming/m/meta.bin').uploadData(Buffer.from('x'), {
      metadata: { mreg_intent: 'create_version', Mreg_Label: '2.0' },
    });
    const info = await objects.head('incoming/m/meta.bin');
    expect(info?.metadata).toEqual({ mreg_intent: 'create_version', mreg_label: '2.0' });
    expect(info?.sha256).toBeUndefined();
  });

  it('lists from any key, remembered or not, in key order', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `mreg/list/k${i}`);
    for (const name of names) await container.getBlockBlobClient(name).uploadData(Buffer.from('z'));
    const fresh = storageAdapters({
      connectionString: azurite.connectionString,
      container: 'adapters',
      table: 'adapters',
    });
    const fromK2 = await fresh.objects.list('mreg/list/', { after: 'mreg/list/k2', limit: 3 });
    expect(fromK2.items.map((i) => i.key)).toEqual(names.slice(3, 6));
    expect(fromK2.lastKey).toBe('mreg/list/k5');
    const rest = await fresh.objects.list('mreg/list/', { after: fromK2.lastKey, limit: 3 });
    expect(rest.items.map((i) => i.key)).toEqual(names.slice(6));
    expect(rest.lastKey).toBeUndefined();
  });
});
