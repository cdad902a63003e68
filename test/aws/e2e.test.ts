/**
 * The registry's core flow through the Lambda entry points (`functions/aws/api.ts`,
 * `functions/aws/object-created.ts`, configured from the environment as in the cloud), with
 * real-shaped API Gateway 2.0 events, bytes PUT to s3rver through the presigned URLs, and
 * s3rver's own object-created events delivered to `object-created` as SQS messages, so a
 * version turns READY without a commit. Then Debian's `aws` CLI drops a file into `incoming/`.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiHandler } from '../../functions/aws/handlers/api-handler.js';
import type { ObjectCreatedHandler } from '../../functions/aws/handlers/object-created-handler.js';
import type { ModelVersion } from '../../shared/domain/types.js';
import { type AwsTestBed, startAwsTestBed } from '../support/aws/aws-registry.js';
import { startEventBridgeRecorder } from '../support/aws/eventbridge-recorder.js';
import {
  type ApiCall,
  apiEvent,
  asAwsNotification,
  fixture,
  lambdaContext,
  sqsEvent,
  streamEvent,
  streamRecord,
} from '../support/aws/events.js';
import { awsCliEnv } from '../support/aws/servers.js';

const AWS_CLI = '/usr/bin/aws';
const WRITER = { sub: 'trainer', scope: 'registry.write' };
const READER = { sub: 'reader', scope: 'registry.read' };

let bed: AwsTestBed;
let api: ApiHandler;
let objectCreated: ObjectCreatedHandler;
let dir: string;
/** Every notification s3rver emitted, as finally handled (after SQS-like redelivery); none may stay failed. */
const deliveries: Array<Promise<SQSBatchResponse | undefined>> = [];
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  bed = await startAwsTestBed('mreg-e2e');
  dir = await mkdtemp(join(tmpdir(), 'mreg-aws-e2e-'));
  // The entry points read their config when imported, as Lambda loads them.
  Object.assign(process.env, bed.env);
  api = (await import('../../functions/aws/api.js')).handler;
  objectCreated = (await import('../../functions/aws/object-created.js')).handler;
  // The bucket notification: s3rver's events, keys encoded as S3 encodes them, through SQS,
  // which redelivers a message the handler reported failed (here after 200 ms, at most 3 times).
  bed.s3.onEvent((event) => {
    deliveries.push(deliver(JSON.stringify(asAwsNotification(event))));
  });
});

afterAll(async () => {
  await Promise.allSettled(deliveries);
  await bed?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(request: ApiCall): Promise<APIGatewayProxyStructuredResultV2 & { json: unknown }> {
  const result = await api(apiEvent(request), lambdaContext('mreg-api'));
  const text = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? '');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { ...result, json };
}

async function deliver(body: string): Promise<SQSBatchResponse | undefined> {
  let result: SQSBatchResponse | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    result = await objectCreated(sqsEvent([body]), lambdaContext('mreg-object-created'));
    if (result?.batchItemFailures.length === 0) return result;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return result;
}

async function allDelivered(): Promise<void> {
  for (const result of await Promise.all(deliveries)) expect(result?.batchItemFailures).toEqual([]);
}

const versionOf = async (model: string, ref: string) =>
  (await call({ method: 'GET', path: `/v1/models/${model}/versions/${ref}`, claims: READER })).json as ModelVersion;

interface Created {
  version: ModelVersion;
  uploads: Array<{ path: string; url: string; headers: Record<string, string> }>;
}

/**
 * A READY version of `model` (created if absent) made the way the first test shows: bytes PUT
 * to the presigned URL, s3rver's event delivered. Each test makes what it needs, so it passes alone.
 */
async function pushReady(model: string, bytes: Uint8Array, extra: { label?: string } = {}): Promise<number> {
  const made = await call({ method: 'POST', path: '/v1/models', claims: WRITER, body: { name: model } });
  expect([201, 409]).toContain(made.statusCode);
  const created = await call({
    method: 'POST',
    path: `/v1/models/${model}/versions`,
    claims: WRITER,
    body: { files: [{ path: 'model.onnx', size: bytes.length, sha256: sha(bytes) }], ...extra },
  });
  expect(created.statusCode).toBe(201);
  const { version, uploads } = created.json as Created;
  // Bytes the registry already holds need no upload, and so no event: the commit settles them.
  if (uploads.length === 0)
    await call({ method: 'POST', path: `/v1/models/${model}/versions/${version.version}/commit`, claims: WRITER });
  for (const upload of uploads) {
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
  }
  await vi.waitFor(async () => expect((await versionOf(model, String(version.version))).state).toBe('READY'), {
    timeout: 10_000,
  });
  await allDelivered();
  return version.version;
}

describe('AWS end to end', () => {
  const bytes = randomBytes(300_000);

  it('creates a model and a version; bytes PUT to the presigned URL make it READY without commit', async () => {
    const model = await call({
      method: 'POST',
      path: '/v1/models',
      claims: WRITER,
      body: { name: 'churn', description: 'e2e', tags: { team: 'risk' } },
    });
    expect(model.statusCode).toBe(201);
    const created = await call({
      method: 'POST',
      path: '/v1/models/churn/versions',
      claims: WRITER,
      headers: { 'idempotency-key': 'first-push' },
      body: { files: [{ path: 'model.onnx', size: bytes.length, sha256: sha(bytes) }], label: '1.0.0', format: 'onnx' },
    });
    expect(created.statusCode).toBe(201);
    const { version, uploads } = created.json as Created;
    expect(version).toMatchObject({ version: 1, state: 'PENDING' });
    expect(uploads).toHaveLength(1);
    const upload = uploads[0];
    if (!upload) throw new Error('no upload');
    expect(new URL(upload.url).pathname).toMatch(/^\/mreg-test-bucket\/mreg\/uploads\//);
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
    expect(put.status).toBe(200);
    await vi.waitFor(async () => expect((await versionOf('churn', '1')).state).toBe('READY'), { timeout: 10_000 });
    await allDelivered();
  });

  it('resolves -1 and an alias, and downloads through the 302 with the right SHA-256', async () => {
    expect(await pushReady('resolved', bytes, { label: '1.0.0' })).toBe(1);
    expect((await versionOf('resolved', '-1')).version).toBe(1);
    expect((await versionOf('resolved', 'latest')).version).toBe(1);
    const alias = await call({
      method: 'PUT',
      path: '/v1/models/resolved/aliases/champion',
      claims: WRITER,
      body: { version: 1 },
    });
    expect(alias.json).toEqual({ alias: 'champion', version: 1 });
    expect((await versionOf('resolved', 'champion')).version).toBe(1);
    expect((await versionOf('resolved', 'alias:champion')).version).toBe(1);
    expect((await versionOf('resolved', 'label:1.0.0')).version).toBe(1);
    const redirect = await call({
      method: 'GET',
      path: '/v1/models/resolved/versions/alias:champion/files/model.onnx',
      claims: READER,
    });
    expect(redirect.statusCode).toBe(302);
    const location = redirect.headers?.location;
    if (typeof location !== 'string') throw new Error('no Location');
    expect(new URL(location).pathname).toBe(`/mreg-test-bucket/mreg/blobs/sha256/${sha(bytes)}`);
    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('model.onnx');
    expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(sha(bytes));
  });

  it('the same bytes again need no upload', async () => {
    const held = randomBytes(200_000);
    await pushReady('again', held);
    const again = await call({
      method: 'POST',
      path: '/v1/models/again/versions',
      claims: WRITER,
      body: { files: [{ path: 'weights/model.onnx', size: held.length, sha256: sha(held) }] },
    });
    expect(again.statusCode).toBe(201);
    const { version, uploads } = again.json as Created;
    expect(uploads).toEqual([]);
    const commit = await call({
      method: 'POST',
      path: `/v1/models/again/versions/${version.version}/commit`,
      claims: WRITER,
    });
    expect(commit.statusCode).toBe(200);
    expect((commit.json as ModelVersion).state).toBe('READY');
    expect((await versionOf('again', '-1')).version).toBe(version.version);
  });

  it('wrong bytes never make a version READY', async () => {
    const good = await pushReady('wrong', randomBytes(20_000));
    const declared = randomBytes(50_000);
    const wrong = randomBytes(50_000);
    const created = await call({
      method: 'POST',
      path: '/v1/models/wrong/versions',
      claims: WRITER,
      body: { files: [{ path: 'model.onnx', size: declared.length, sha256: sha(declared) }] },
    });
    const { version, uploads } = created.json as Created;
    const upload = uploads[0];
    if (!upload) throw new Error('no upload');
    // s3rver does not check the signed checksum (S3 would refuse these bytes with 400).
    await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(wrong) });
    await vi.waitFor(async () => expect((await versionOf('wrong', String(version.version))).state).toBe('FAILED'), {
      timeout: 10_000,
    });
    await allDelivered();
    const download = await call({
      method: 'GET',
      path: `/v1/models/wrong/versions/${version.version}/files/model.onnx`,
      claims: READER,
    });
    expect(download.statusCode).toBe(409);
    expect((await versionOf('wrong', '-1')).version).toBe(good);
  });

  it('a file above the multipart threshold goes up in parts through signed part URLs, then commits READY', async () => {
    const big = randomBytes(9 * 1024 * 1024);
    expect(
      (await call({ method: 'POST', path: '/v1/models', claims: WRITER, body: { name: 'parts' } })).statusCode,
    ).toBe(201);
    const created = await call({
      method: 'POST',
      path: '/v1/models/parts/versions',
      claims: WRITER,
      body: { files: [{ path: 'big.safetensors', size: big.length, sha256: sha(big) }] },
    });
    expect(created.statusCode).toBe(201);
    const { version, uploads } = created.json as {
      version: ModelVersion;
      uploads: Array<{ path: string; multipart?: { uploadId: string; partSize: number; partCount: number } }>;
    };
    const multipart = uploads[0]?.multipart;
    if (!multipart) throw new Error(`expected a multipart upload, got ${JSON.stringify(uploads)}`);
    const partNumbers = Array.from({ length: multipart.partCount }, (_, i) => i + 1);
    const signed = await call({
      method: 'POST',
      path: `/v1/models/parts/versions/${version.version}/parts`,
      claims: WRITER,
      body: { path: 'big.safetensors', partNumbers },
    });
    expect(signed.statusCode).toBe(200);
    const parts = (
      signed.json as { parts: Array<{ partNumber: number; url: string; headers: Record<string, string> }> }
    ).parts;
    for (const part of parts) {
      const start = (part.partNumber - 1) * multipart.partSize;
      const body = new Uint8Array(big.subarray(start, Math.min(big.length, start + multipart.partSize)));
      const res = await fetch(part.url, { method: 'PUT', headers: part.headers, body });
      expect(res.status).toBe(200);
    }
    const commit = await call({
      method: 'POST',
      path: `/v1/models/parts/versions/${version.version}/commit`,
      claims: WRITER,
    });
    expect(commit.statusCode, JSON.stringify(commit.json)).toBe(200);
    expect((commit.json as ModelVersion).state).toBe('READY');
    await allDelivered();
    const link = await call({
      method: 'GET',
      path: `/v1/models/parts/versions/${version.version}/files/big.safetensors`,
      query: 'redirect=false',
      claims: READER,
    });
    const { url } = link.json as { url: string };
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(sha(big));
  });

  it('Debian awscli copies a file into incoming/ with mreg_intent=create_model: one READY version, right SHA-256', async () => {
    const file = join(dir, 'model.onnx');
    const content = randomBytes(1_000_000);
    await writeFile(file, content);
    await promisify(execFile)(
      AWS_CLI,
      [
        '--endpoint-url',
        bed.s3.endpoint,
        's3',
        'cp',
        file,
        `s3://${bed.s3.bucket}/incoming/fraud/model.onnx`,
        '--metadata',
        'mreg_intent=create_model',
      ],
      { env: awsCliEnv(dir) },
    );
    await vi.waitFor(async () => expect((await versionOf('fraud', '1')).state).toBe('READY'), { timeout: 15_000 });
    await allDelivered();
    const model = await call({ method: 'GET', path: '/v1/models/fraud', claims: READER });
    expect(model.statusCode).toBe(200);
    const versions = await call({ method: 'GET', path: '/v1/models/fraud/versions', claims: READER });
    const items = (versions.json as { items: ModelVersion[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ version: 1, state: 'READY' });
    expect((await versionOf('fraud', '-1')).files).toEqual([
      expect.objectContaining({ path: 'model.onnx', size: content.length, sha256: sha(content) }),
    ]);
  });
});

describe('the other entry points, configured from the environment', () => {
  it('sweeper, verifier and publisher load their config and run', async () => {
    const recorder = await startEventBridgeRecorder();
    try {
      Object.assign(process.env, { MREG_EVENTS_ENDPOINT: recorder.endpoint, MREG_EVENT_BUS_NAME: 'mreg-e2e' });
      // A READY version of its own: a held blob for the sweeper, a version for the verifier, history to publish.
      const n = await pushReady('entry', randomBytes(4096));
      const sweeper = (await import('../../functions/aws/sweeper.js')).handler;
      const report = await sweeper(fixture('eventbridge-scheduled.json'), lambdaContext('mreg-sweeper'));
      expect(report.blobs.examined).toBeGreaterThan(0);
      const verifier = (await import('../../functions/aws/verifier.js')).handler;
      // A direct request for a version that is already READY changes nothing.
      expect(await verifier({ model: 'entry', version: n }, lambdaContext('mreg-verifier'))).toBeUndefined();
      expect((await versionOf('entry', String(n))).state).toBe('READY');
      const publisher = (await import('../../functions/aws/publisher.js')).handler;
      const history = await bed.dynamo.client.send(
        new QueryCommand({
          TableName: bed.config.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
          ExpressionAttributeValues: { ':pk': { S: 'M#entry' }, ':h': { S: 'H#' } },
        }),
      );
      const result = await publisher(streamEvent((history.Items ?? []).map((item) => streamRecord(item))));
      expect(result.batchItemFailures).toEqual([]);
      expect(recorder.entries.map((e) => e.DetailType)).toContain('ModelVersionReady');
      expect(new Set(recorder.entries.map((e) => e.EventBusName))).toEqual(new Set(['mreg-e2e']));
    } finally {
      await recorder.stop();
    }
  });
});
