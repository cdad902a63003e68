/**
 * What the AWS adapters do beyond the shared contract: the presigned URL's signed headers, the
 * checksum S3 reports, DynamoDB's item layout (ADD-able counters, TTL backstop) and error
 * mapping. Against s3rver and DynamoDB Local, except the pure error mapping.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  GetItemCommand,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMetadataStore, storeErrorOf } from '../../functions/aws/dynamo-metadata-store.js';
import { fullObjectSha256, S3ObjectStore } from '../../functions/aws/s3-object-store.js';
import { ConditionFailedError, RetryableStoreError } from '../../shared/errors.js';
import { ObjectChangedError } from '../../shared/ports/object-store.js';
import { digestStream } from '../../shared/service/blobs.js';
import { awsBackend } from '../reliability/backends/aws-backend.js';
import type { FaultSource } from '../reliability/faults/fault-plan.js';
import { RegistryClient, randomFile } from '../reliability/registry-client.js';
import { s3ChecksumPath } from '../reliability/sections/s3-checksum-path.js';
import {
  type DynamoLocalHandle,
  type S3rverHandle,
  s3rverClient,
  startDynamoLocal,
  startS3rver,
} from '../support/aws/servers.js';

let dynamo: DynamoLocalHandle;
let s3: S3rverHandle;
let metadata: DynamoMetadataStore;
let objects: S3ObjectStore;
const TABLE = 'mreg-adapters';

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([startDynamoLocal(), startS3rver()]);
  await dynamo.createTable(TABLE);
  metadata = new DynamoMetadataStore({ client: dynamo.client, tableName: TABLE });
  objects = new S3ObjectStore({ client: s3.client, bucket: s3.bucket });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('S3ObjectStore', () => {
  it('signs content-length and x-amz-checksum-sha256 into the PUT URL and returns them as headers', async () => {
    const bytes = randomBytes(64);
    const signed = await objects.presignPut('mreg/uploads/u1/0', {
      size: bytes.length,
      sha256: sha(bytes),
      contentType: 'application/octet-stream',
      expiresInSeconds: 600,
    });
    const url = new URL(signed.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'host',
      'x-amz-checksum-sha256',
    ]);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    // WHEN_REQUIRED: no checksum of an empty body, no algorithm the client did not choose.
    expect([...url.searchParams.keys()].filter((k) => /crc|checksum|sdk-checksum/i.test(k))).toEqual([]);
    expect(signed.headers).toEqual({
      'content-length': '64',
      'x-amz-checksum-sha256': Buffer.from(sha(bytes), 'hex').toString('base64'),
      'content-type': 'application/octet-stream',
    });
    const res = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes });
    expect(res.status).toBe(200);
    expect((await objects.head('mreg/uploads/u1/0'))?.size).toBe(64);
  });

  it('signs If-None-Match: * for a PUT into a create-only prefix (the blob area), and only there', async () => {
    const store = new S3ObjectStore({ client: s3.client, bucket: s3.bucket, createOnlyPrefixes: ['mreg/blobs/'] });
    const options = { size: 3, sha256: sha(Buffer.from('abc')), expiresInSeconds: 60 };
    const blob = await store.presignPut(`mreg/blobs/sha256/${options.sha256}`, options);
    expect(new URL(blob.url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('if-none-match');
    expect(blob.headers['if-none-match']).toBe('*');
    const staged = await store.presignPut('mreg/uploads/u/0', options);
    expect(new URL(staged.url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).not.toContain('if-none-match');
    expect(staged.headers['if-none-match']).toBeUndefined();
  });

  it('puts the file name into the GET URL as content-disposition, UTF-8 names included', async () => {
    const signed = await objects.presignGet('mreg/blobs/sha256/abc', {
      expiresInSeconds: 60,
      filename: 'módel "v1".onnx',
      contentType: 'application/octet-stream',
    });
    const disposition = new URL(signed.url).searchParams.get('response-content-disposition');
    expect(disposition).toBe(`attachment; filename="m_del _v1_.onnx"; filename*=UTF-8''m%C3%B3del%20%22v1%22.onnx`);
    expect(new URL(signed.url).searchParams.get('response-content-type')).toBe('application/octet-stream');
  });

  it('reports only a full-object SHA-256, never a multipart composite', () => {
    const hex = sha(Buffer.from('hello'));
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    expect(fullObjectSha256(b64, 'FULL_OBJECT')).toBe(hex);
    expect(fullObjectSha256(b64, undefined)).toBe(hex);
    expect(fullObjectSha256(`${b64}-3`, 'COMPOSITE')).toBeUndefined();
    expect(fullObjectSha256(b64, 'COMPOSITE')).toBeUndefined();
    expect(fullObjectSha256(undefined, undefined)).toBeUndefined();
  });

  it('user metadata comes back with the head; a copy pinned to a stale etag fails', async () => {
    const key = 'incoming/fraud/model.onnx';
    const put = async (body: Buffer) => {
      const signed = await objects.presignPut(key, { size: body.length, sha256: sha(body), expiresInSeconds: 60 });
      await fetch(signed.url, {
        method: 'PUT',
        headers: { ...signed.headers, 'x-amz-meta-mreg_intent': 'create_model' },
        body: new Uint8Array(body),
      });
    };
    await put(randomBytes(20));
    const first = await objects.head(key);
    expect(first?.metadata).toMatchObject({ mreg_intent: 'create_model' });
    await put(randomBytes(21));
    await expect(objects.copy(key, 'mreg/uploads/x/0', { ifMatch: first?.etag ?? '' })).rejects.toBeInstanceOf(
      ObjectChangedError,
    );
    const current = await objects.head(key);
    await objects.copy(key, 'mreg/uploads/x/0', { ifMatch: current?.etag ?? '' });
    expect((await objects.head('mreg/uploads/x/0'))?.size).toBe(21);
    await expect(objects.read('missing/key')).rejects.toBeInstanceOf(ObjectChangedError);
  });

  it('copies a source above the single-copy limit part by part, pinned to its etag', async () => {
    const client = s3rverClient(s3.endpoint);
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const partwise = new S3ObjectStore({ client, bucket: s3.bucket, singleCopyMaxBytes: 5 * 1024 * 1024 });
    const bytes = randomBytes(12 * 1024 * 1024 + 17);
    const key = 'mreg/uploads/big/0';
    const signed = await objects.presignPut(key, { size: bytes.length, sha256: sha(bytes), expiresInSeconds: 60 });
    expect(
      (await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(bytes) })).status,
    ).toBe(200);
    const head = await objects.head(key);
    await partwise.copy(key, `mreg/blobs/sha256/${sha(bytes)}`, { ifMatch: head?.etag ?? '' });
    const copied = await objects.head(`mreg/blobs/sha256/${sha(bytes)}`);
    expect(copied?.size).toBe(bytes.length);
    expect(commands.filter((c) => c === 'UploadPartCopyCommand')).toHaveLength(3);
    expect(commands).not.toContain('CopyObjectCommand');
    expect((await digestStream(await objects.read(`mreg/blobs/sha256/${sha(bytes)}`))).sha256).toBe(sha(bytes));
    await expect(partwise.copy(key, 'mreg/blobs/sha256/stale', { ifMatch: 'stale' })).rejects.toBeInstanceOf(
      ObjectChangedError,
    );
    expect(await objects.head('mreg/blobs/sha256/stale')).toBeUndefined();
    client.destroy();
  });

  it('never rewrites an object in a create-only prefix: a second copy there leaves the first in place', async () => {
    const store = new S3ObjectStore({ client: s3.client, bucket: s3.bucket, createOnlyPrefixes: ['mreg/blobs/'] });
    const stage = async (key: string, body: Buffer) => {
      const signed = await objects.presignPut(key, { size: body.length, sha256: sha(body), expiresInSeconds: 60 });
      await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(body) });
      return (await objects.head(key))?.etag ?? '';
    };
    const first = randomBytes(64);
    const second = randomBytes(64);
    const blob = 'mreg/blobs/sha256/create-only-check';
    await store.copy('mreg/uploads/a/0', blob, { ifMatch: await stage('mreg/uploads/a/0', first) });
    // The source of the second copy is gone by the time it runs, as when another writer finished first.
    const etag = await stage('mreg/uploads/b/0', second);
    await objects.delete('mreg/uploads/b/0');
    await store.copy('mreg/uploads/b/0', blob, { ifMatch: etag });
    expect((await digestStream(await objects.read(blob))).sha256).toBe(sha(first));
    // Outside the create-only prefix a copy replaces the destination.
    await objects.copy('mreg/uploads/a/0', 'mreg/uploads/c/0');
    await stage('mreg/uploads/d/0', second);
    await objects.copy('mreg/uploads/d/0', 'mreg/uploads/c/0');
    expect((await digestStream(await objects.read('mreg/uploads/c/0'))).sha256).toBe(sha(second));
  });

  it('lists no parts of an unknown upload', async () => {
    expect(await objects.listParts('mreg/uploads/none/0', 'deadbeef')).toEqual([]);
  });
});

/**
 * The S3 production path on a server that has it: HEAD reports `ChecksumSHA256` (the checksum
 * shim in front of s3rver), so commit skips hashing and reads no staged byte; other bytes PUT
 * through the signed URL are refused with 400 as S3 refuses them. On s3rver alone the same flow
 * hashes, which shows the count of staged reads measures hashing.
 */
describe('the S3 checksum path (through the registry, on the reliability backend)', () => {
  it('with S3 checksums on HEAD: READY without reading a staged byte; other bytes refused with 400', async () => {
    const backend = await awsBackend({ dynamo, s3 });
    expect(await s3ChecksumPath(backend, { cases: 3, checksums: true })).toEqual({
      commits: 3,
      ready: 3,
      stagedReads: 0,
      badDigestsRefused: 3,
      badDigestAttempts: 3,
    });
  });

  it('without them (s3rver alone): the registry hashes the staged bytes itself', async () => {
    const backend = await awsBackend({ dynamo, s3 });
    const figures = await s3ChecksumPath(backend, { cases: 2, checksums: false });
    expect(figures).toMatchObject({ commits: 2, ready: 2, badDigestsRefused: 0 });
    expect(figures.stagedReads).toBeGreaterThanOrEqual(2);
  });
});

describe('a lost answer from DynamoDB (through the fault proxy, on the reliability backend)', () => {
  it('a create whose Idempotency-Key reservation landed but whose answer was lost creates its version', async () => {
    // The proxy forwards the reservation's conditional PutItem, then answers 503: the SDK retries
    // it, and the retry fails its own condition (the row is there). That row is this request's.
    let lost = 0;
    const loseReservation: FaultSource = {
      next: (request) => {
        const put = request.headers['x-amz-target'] === 'DynamoDB_20120810.PutItem';
        if (lost > 0 || !put || !request.body.toString().includes('#retry-after-crash"')) return undefined;
        lost++;
        return 'lostResponse';
      },
      delayMs: () => 0,
    };
    const reg = await (await awsBackend({ dynamo, s3 })).open({ faults: loseReservation });
    try {
      const client = new RegistryClient(reg);
      await client.createModel('lost-answer');
      const file = randomFile('model.bin', 64);
      const options = { idempotencyKey: 'retry-after-crash' };
      const created = await client.createVersion('lost-answer', [file], options);
      expect(lost).toBe(1);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const again = await client.createVersion('lost-answer', [file], options);
      expect(again.status).toBe(200);
      expect(again.body.version.version).toBe(created.body.version.version);
    } finally {
      await reg.close();
    }
  });
});

describe('DynamoMetadataStore', () => {
  it('keeps each field its own attribute: integers as numbers, the rest as JSON; expiresAt sets a TTL backstop', async () => {
    const expiresAt = '2030-01-01T00:00:00.000Z';
    await metadata.batch('M#layout', [
      { op: 'put', sk: 'V#1', data: { version: 3, ratio: 0.5, tags: { a: '1' }, expiresAt, big: 2 ** 60 } },
    ]);
    const raw = await dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'M#layout' }, sk: { S: 'V#1' } } }),
    );
    expect(raw.Item?.['d.version']).toEqual({ N: '3' });
    expect(raw.Item?.['d.ratio']).toEqual({ S: '0.5' });
    expect(raw.Item?.['d.tags']).toEqual({ S: '{"a":"1"}' });
    expect(raw.Item?.['d.big']).toEqual({ S: String(2 ** 60) });
    expect(Number(raw.Item?.ttl?.N)).toBe(Date.parse(expiresAt) / 1000 + 7 * 86400);
    expect((await metadata.get('M#layout', 'V#1'))?.data).toEqual({
      version: 3,
      ratio: 0.5,
      tags: { a: '1' },
      expiresAt,
      big: 2 ** 60,
    });
  });

  it('names the failing write of a transaction', async () => {
    await metadata.batch('M#tx', [{ op: 'put', sk: 'c', data: {} }]);
    const failure = await metadata
      .batch('M#tx', [
        { op: 'put', sk: 'a', data: {} },
        { op: 'put', sk: 'b', data: {}, if: { absent: true } },
        { op: 'put', sk: 'c', data: {}, if: { absent: true } },
      ])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConditionFailedError);
    expect((failure as ConditionFailedError).index).toBe(2);
    expect((failure as ConditionFailedError).cause).toBeInstanceOf(TransactionCanceledException);
  });

  it('increment changes the row etag, so etag-conditioned writers notice', async () => {
    await metadata.batch('M#ctr', [{ op: 'put', sk: 'CTR', data: { n: 1 } }]);
    const before = await metadata.get('M#ctr', 'CTR');
    expect(await metadata.increment('M#ctr', 'CTR', 'n', 5)).toBe(6);
    await expect(
      metadata.batch('M#ctr', [{ op: 'put', sk: 'CTR', data: { n: 0 }, if: { etag: before?.etag ?? '' } }]),
    ).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('queries a prefix after a key outside it, and after the end of it', async () => {
    await metadata.batch('M#q', [
      { op: 'put', sk: 'A#1', data: {} },
      { op: 'put', sk: 'B#1', data: {} },
      { op: 'put', sk: 'B#2', data: {} },
      { op: 'put', sk: 'C#1', data: {} },
    ]);
    const sks = async (options: Parameters<DynamoMetadataStore['query']>[1]) =>
      (await metadata.query('M#q', options)).items.map((i) => i.sk);
    expect(await sks({ prefix: 'B#', after: 'A#9', limit: 10 })).toEqual(['B#1', 'B#2']);
    expect(await sks({ prefix: 'B#', after: 'B#9', limit: 10 })).toEqual([]);
    expect(await sks({ prefix: 'B#', after: 'C', limit: 10 })).toEqual([]);
    expect(await sks({ after: 'B#1', limit: 10 })).toEqual(['B#2', 'C#1']);
  });

  it('maps cancellation reasons and throttling to the port errors', () => {
    const cancelled = (codes: string[]) =>
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: codes.map((Code) => ({ Code })),
      });
    const conflict = storeErrorOf(cancelled(['None', 'TransactionConflict']), 'p');
    expect(conflict).toBeInstanceOf(RetryableStoreError);
    const condition = storeErrorOf(cancelled(['None', 'None', 'ConditionalCheckFailed']), 'p');
    expect((condition as ConditionFailedError).index).toBe(2);
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    expect(storeErrorOf(throttled, 'p')).toBeInstanceOf(RetryableStoreError);
    const other = new Error('boom');
    expect(storeErrorOf(other, 'p')).toBe(other);
  });
});
