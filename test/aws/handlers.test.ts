/**
 * The Lambda handlers on the real core, against DynamoDB Local and s3rver, driven with
 * real-shaped events (API Gateway 2.0, SQS-wrapped S3 notifications, stream records, schedule).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBridgeEventSink } from '../../functions/aws/eventbridge-event-sink.js';
import { createApiHandler } from '../../functions/aws/handlers/api-handler.js';
import { createObjectCreatedHandler } from '../../functions/aws/handlers/object-created-handler.js';
import { createPublisherHandler } from '../../functions/aws/handlers/publisher-handler.js';
import { createSweeperHandler } from '../../functions/aws/handlers/sweeper-handler.js';
import { createVerifierHandler } from '../../functions/aws/handlers/verifier-handler.js';
import { tableVerificationQueue } from '../../functions/aws/verification-queue.js';
import { RegistryService } from '../../shared/service/registry-service.js';
import { type AwsTestBed, startAwsTestBed } from '../support/aws/aws-registry.js';
import { type EventBridgeRecorder, startEventBridgeRecorder } from '../support/aws/eventbridge-recorder.js';
import { apiEvent, fixture, lambdaContext, sqsEvent, streamEvent, streamRecord } from '../support/aws/events.js';
import { S3RVER_PRINCIPAL } from '../support/aws/servers.js';

let bed: AwsTestBed;
let events: EventBridgeRecorder;
// Quiet by default (failures are expected in some tests); the log test uses its own INFO logger.
const logger = new Logger({ serviceName: 'mreg-test', logLevel: 'SILENT' });
const WRITER = { sub: 'alice', scope: 'openid registry.write' };
const READER = { sub: 'rita', scope: 'registry.read' };

beforeAll(async () => {
  [bed, events] = await Promise.all([startAwsTestBed('mreg-handlers'), startEventBridgeRecorder()]);
});

afterAll(async () => {
  await Promise.all([bed?.stop(), events?.stop()]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const api = (log: Logger = logger) => createApiHandler({ registry: bed.aws.registry, logger: log });

/** Lines Powertools writes during `run` (it logs through its own console on stdout/stderr). */
async function logLinesOf(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  await run();
  vi.restoreAllMocks();
  return lines;
}

async function createVersionWithBytes(model: string, bytes: Buffer) {
  const handler = api();
  await handler(apiEvent({ method: 'POST', path: '/v1/models', body: { name: model }, claims: WRITER }));
  const created = await handler(
    apiEvent({
      method: 'POST',
      path: `/v1/models/${model}/versions`,
      body: { files: [{ path: 'model.onnx', size: bytes.length, sha256: sha(bytes) }] },
      claims: WRITER,
    }),
  );
  expect(created.statusCode).toBe(201);
  const body = JSON.parse(created.body ?? '{}') as {
    version: { version: number };
    uploads: Array<{ url: string; headers: Record<string, string> }>;
  };
  const upload = body.uploads[0];
  if (!upload) throw new Error('no upload instruction');
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  return body.version.version;
}

/** A READY version (its blob held, its history written), made by this test alone. */
async function readyVersion(model: string): Promise<number> {
  const n = await createVersionWithBytes(model, randomBytes(512));
  const commit = await api()(
    apiEvent({ method: 'POST', path: `/v1/models/${model}/versions/${n}/commit`, claims: WRITER }),
  );
  expect(commit.statusCode).toBe(200);
  return n;
}

describe('api handler', () => {
  it('answers /healthz without an authorizer, and refuses /v1 without a principal (401)', async () => {
    const health = await api()(apiEvent({ method: 'GET', path: '/healthz' }), lambdaContext('mreg-api'));
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body ?? '')).toEqual({ status: 'ok' });
    const anonymous = await api()(apiEvent({ method: 'GET', path: '/v1/models' }));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.['content-type']).toContain('application/problem+json');
  });

  it('authorizes with the token scopes: a reader cannot create (403), a writer can (201, createdBy = sub)', async () => {
    const denied = await api()(apiEvent({ method: 'POST', path: '/v1/models', body: { name: 'm1' }, claims: READER }));
    expect(denied.statusCode).toBe(403);
    const created = await api()(apiEvent({ method: 'POST', path: '/v1/models', body: { name: 'm1' }, claims: WRITER }));
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body ?? '')).toMatchObject({ name: 'm1', createdBy: 'alice', owner: 'alice' });
    const read = await api()(apiEvent({ method: 'GET', path: '/v1/models/m1', claims: READER }));
    expect(read.statusCode).toBe(200);
    expect(read.headers?.etag).toBeTruthy();
  });

  it('takes a base64-encoded body, and answers 400 for a body the schema refuses, 415 for one not sent as JSON', async () => {
    const event = apiEvent({ method: 'POST', path: '/v1/models', claims: WRITER });
    event.body = Buffer.from(JSON.stringify({ name: 'b64-model' })).toString('base64');
    event.isBase64Encoded = true;
    expect((await api()(event)).statusCode).toBe(415);
    expect((await api()(event)).headers?.['content-type']).toBe('application/problem+json');
    event.headers = { ...event.headers, 'content-type': 'application/json' };
    expect((await api()(event)).statusCode).toBe(201);
    const bad = await api()(
      apiEvent({ method: 'POST', path: '/v1/models', body: { name: 'x', nope: 1 }, claims: WRITER }),
    );
    expect(bad.statusCode).toBe(400);
  });

  it('logs structured lines with the correlation id and no token, claim or URL signature', async () => {
    const bytes = randomBytes(100);
    const loud = new Logger({ serviceName: 'mreg-test', logLevel: 'INFO' });
    const lines = await logLinesOf(async () => {
      const event = apiEvent({
        method: 'POST',
        path: '/v1/models',
        body: { name: 'logged' },
        claims: WRITER,
        headers: { authorization: 'Bearer secret-token-value', 'x-correlation-id': 'corr-123' },
      });
      await api(loud)(event, lambdaContext('mreg-api'));
      await api(loud)(
        apiEvent({
          method: 'POST',
          path: '/v1/models/logged/versions',
          body: { files: [{ path: 'a.bin', size: bytes.length, sha256: sha(bytes) }] },
          claims: WRITER,
        }),
      );
    });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records[0]).toMatchObject({
      level: 'INFO',
      message: 'request',
      service: 'mreg-test',
      correlation_id: 'corr-123',
      status: 201,
      function_name: 'mreg-api',
    });
    const all = lines.join('\n');
    expect(all).not.toContain('secret-token-value');
    expect(all).not.toContain('X-Amz-Signature');
    expect(all).not.toContain('registry.write');
  });
});

describe('object-created handler', () => {
  it('registers an SQS-delivered drop-in and reports only the broken message as failed', async () => {
    const handler = createObjectCreatedHandler({ registry: bed.aws.registry, bucket: bed.s3.bucket, logger });
    const bytes = randomBytes(300);
    const received: S3Event[] = [];
    const stop = bed.s3.onEvent((e) => received.push(e));
    await bed.s3.client.send(
      new PutObjectCommand({
        Bucket: bed.s3.bucket,
        Key: 'incoming/dropped/model.onnx',
        Body: bytes,
        Metadata: { mreg_intent: 'create_model' },
      }),
    );
    await vi.waitFor(() => expect(received).toHaveLength(1));
    stop();
    const batch = sqsEvent(['{broken', JSON.stringify(received[0])]);
    const result = await handler(batch, lambdaContext('mreg-object-created'));
    expect(result?.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]?.messageId }]);
    const version = await api()(apiEvent({ method: 'GET', path: '/v1/models/dropped/versions/1', claims: READER }));
    expect(JSON.parse(version.body ?? '')).toMatchObject({ state: 'READY', files: [{ sha256: sha(bytes) }] });
    // Delivered again (at least once): still one version.
    expect((await handler(sqsEvent([JSON.stringify(received[0])])))?.batchItemFailures).toEqual([]);
    const list = await api()(apiEvent({ method: 'GET', path: '/v1/models/dropped/versions', claims: READER }));
    expect((JSON.parse(list.body ?? '') as { items: unknown[] }).items).toHaveLength(1);
  });

  it('refuses drop-ins by principals that do not write the model, even one allowed to create models, and lists them', async () => {
    await api()(
      apiEvent({
        method: 'POST',
        path: '/v1/models',
        body: { name: 'alices', maintainers: ['alice'] },
        claims: WRITER,
      }),
    );
    const handler = createObjectCreatedHandler({ registry: bed.aws.registry, bucket: bed.s3.bucket, logger });
    // 1. The S3 documentation's event (written by AIDAJDPLRKLG7UEXAMPLE), pointed at a real object.
    const bytes = randomBytes(300);
    const put = await bed.s3.client.send(
      new PutObjectCommand({ Bucket: bed.s3.bucket, Key: 'incoming/alices/model.onnx', Body: bytes }),
    );
    const published = fixture<S3Event>('s3-object-created-put.json');
    const [record] = published.Records;
    if (!record) throw new Error('fixture is empty');
    record.s3.bucket.name = bed.s3.bucket;
    record.s3.object = {
      ...record.s3.object,
      key: 'incoming/alices/model.onnx',
      size: bytes.length,
      eTag: (put.ETag ?? '').replace(/"/g, ''),
    };
    expect((await handler(sqsEvent([JSON.stringify(published)])))?.batchItemFailures).toEqual([]);
    // 2. s3rver's own notification of a write with the test credentials, whose principal may
    //    create models by drop-in: that does not make it a writer of alice's model.
    const received: S3Event[] = [];
    const stop = bed.s3.onEvent((e) => received.push(e));
    await bed.s3.client.send(
      new PutObjectCommand({ Bucket: bed.s3.bucket, Key: 'incoming/alices/other.onnx', Body: randomBytes(200) }),
    );
    await vi.waitFor(() => expect(received).toHaveLength(1));
    stop();
    expect((await handler(sqsEvent([JSON.stringify(received[0])])))?.batchItemFailures).toEqual([]);

    const latest = await api()(apiEvent({ method: 'GET', path: '/v1/models/alices/versions/latest', claims: READER }));
    expect(latest.statusCode).toBe(404);
    const listed = await api()(apiEvent({ method: 'GET', path: '/v1/models/alices/drop-ins', claims: READER }));
    expect(JSON.parse(listed.body ?? '')).toMatchObject({
      items: [
        { path: 'model.onnx', state: 'REJECTED', creator: 'AIDAJDPLRKLG7UEXAMPLE' },
        { path: 'other.onnx', state: 'REJECTED', creator: S3RVER_PRINCIPAL },
      ],
    });
  });

  it('ignores objects of another bucket and S3 test events', async () => {
    const objectCreated = vi.fn();
    const handler = createObjectCreatedHandler({ registry: { objectCreated }, bucket: bed.s3.bucket, logger });
    const foreign = JSON.stringify(fixture('s3-object-created-put.json'));
    const test = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bed.s3.bucket });
    expect((await handler(sqsEvent([foreign, test])))?.batchItemFailures).toEqual([]);
    expect(objectCreated).not.toHaveBeenCalled();
  });
});

describe('verifier handler', () => {
  it('verifies a version queued as a VERIFY# row, from its stream record', async () => {
    const bytes = randomBytes(2048);
    const n = await createVersionWithBytes('verify-me', bytes);
    await tableVerificationQueue(bed.aws.metadata).enqueue('verify-me', n);
    const rows = await bed.dynamo.client.send(
      new QueryCommand({
        TableName: bed.config.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'VERIFY#verify-me' } },
      }),
    );
    expect(rows.Items).toHaveLength(1);
    const handler = createVerifierHandler({ registry: bed.aws.registry, logger });
    const result = await handler(streamEvent((rows.Items ?? []).map((item) => streamRecord(item))));
    expect(result?.batchItemFailures).toEqual([]);
    const version = await api()(
      apiEvent({ method: 'GET', path: `/v1/models/verify-me/versions/${n}`, claims: READER }),
    );
    expect(JSON.parse(version.body ?? '')).toMatchObject({ state: 'READY' });
  });

  it('a commit deferred to asynchronous verification reaches the verifier through the table queue', async () => {
    // The same adapters, with every file too big to hash inside a request.
    const deferring = new RegistryService({
      metadata: bed.aws.metadata,
      objects: bed.aws.objects,
      settings: { prefix: 'mreg/', inlineHashMaxBytes: 0 },
      verification: tableVerificationQueue(bed.aws.metadata),
    });
    const handler = createApiHandler({ registry: deferring, logger });
    const bytes = randomBytes(4096);
    await handler(apiEvent({ method: 'POST', path: '/v1/models', body: { name: 'deferred' }, claims: WRITER }));
    const created = await handler(
      apiEvent({
        method: 'POST',
        path: '/v1/models/deferred/versions',
        body: { files: [{ path: 'model.onnx', size: bytes.length, sha256: sha(bytes) }] },
        claims: WRITER,
      }),
    );
    const upload = (
      JSON.parse(created.body ?? '{}') as { uploads: Array<{ url: string; headers: Record<string, string> }> }
    ).uploads[0];
    if (!upload) throw new Error('no upload');
    await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
    const commit = await handler(
      apiEvent({ method: 'POST', path: '/v1/models/deferred/versions/1/commit', claims: WRITER }),
    );
    expect(commit.statusCode).toBe(202);
    const rows = await bed.dynamo.client.send(
      new QueryCommand({
        TableName: bed.config.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'VERIFY#deferred' } },
      }),
    );
    expect(rows.Items).toHaveLength(1);
    const verifier = createVerifierHandler({ registry: deferring, logger });
    const result = await verifier(
      streamEvent((rows.Items ?? []).map((item) => streamRecord(item))),
      lambdaContext('mreg-verifier'),
    );
    expect(result?.batchItemFailures).toEqual([]);
    const version = await handler(apiEvent({ method: 'GET', path: '/v1/models/deferred/versions/1', claims: READER }));
    expect(JSON.parse(version.body ?? '')).toMatchObject({ state: 'READY' });
  });

  it('reports the first failing stream record so the batch resumes there', async () => {
    const runVerification = vi.fn().mockRejectedValueOnce(new Error('throttled'));
    const handler = createVerifierHandler({ registry: { versions: { runVerification } }, logger });
    const record = streamRecord({
      pk: { S: 'VERIFY#m' },
      sk: { S: '000000000001#2026' },
      'd.model': { S: '"m"' },
      'd.version': { N: '1' },
    });
    const context = lambdaContext('mreg-verifier');
    context.getRemainingTimeInMillis = () => 900_000;
    const before = Date.now();
    const result = await handler(streamEvent([record]), context);
    expect(result?.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb?.SequenceNumber }]);
    // Hashing stops a minute before the 15-minute invocation would be cut off.
    const [model, version, options] = runVerification.mock.calls[0] ?? [];
    expect([model, version]).toEqual(['m', 1]);
    expect(options.deadlineMs - before).toBeGreaterThanOrEqual(840_000 - 50);
    expect(options.deadlineMs - Date.now()).toBeLessThanOrEqual(840_000);
  });
});

describe('publisher handler', () => {
  const historyRecords = async (model: string) => {
    const rows = await bed.dynamo.client.send(
      new QueryCommand({
        TableName: bed.config.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
        ExpressionAttributeValues: { ':pk': { S: `M#${model}` }, ':h': { S: 'H#' } },
      }),
    );
    return (rows.Items ?? []).map((item) => streamRecord(item));
  };
  const sink = () =>
    new EventBridgeEventSink({
      client: new EventBridgeClient({
        endpoint: events.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
      eventBusName: 'mreg-events',
    });

  it('publishes history rows to EventBridge with the history ulid as detail.id', async () => {
    await readyVersion('published');
    const records = await historyRecords('published');
    const handler = createPublisherHandler({ sink: sink(), logger });
    const result = await handler(
      streamEvent([...records, streamRecord({ pk: { S: 'M#published' }, sk: { S: 'META' } })]),
    );
    expect(result.batchItemFailures).toEqual([]);
    const ready = events.entries.find((e) => e.DetailType === 'ModelVersionReady');
    expect(ready).toMatchObject({ Source: 'mreg.registry', EventBusName: 'mreg-events' });
    const detail = JSON.parse(ready?.Detail ?? '{}') as { id: string; model: string };
    expect(detail.model).toBe('published');
    const ids = records.map((r) => r.dynamodb?.NewImage?.sk?.S?.slice(2));
    expect(ids).toContain(detail.id);
    expect(detail.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('reports the first record of a refused chunk', async () => {
    await readyVersion('refused');
    const records = await historyRecords('refused');
    events.refuseWith = 'ThrottlingException';
    try {
      const result = await createPublisherHandler({ sink: sink(), logger })(streamEvent(records));
      const firstPublishing = records.find((r) => r.dynamodb?.NewImage?.['d.event'] !== undefined);
      expect(firstPublishing?.dynamodb?.SequenceNumber).toBeDefined();
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: firstPublishing?.dynamodb?.SequenceNumber }]);
    } finally {
      events.refuseWith = undefined;
    }
  });
});

describe('sweeper handler', () => {
  it('runs the sweep on the scheduled event and returns its report', async () => {
    await readyVersion('swept');
    const handler = createSweeperHandler({ registry: bed.aws.registry, logger });
    const report = await handler(fixture('eventbridge-scheduled.json'), lambdaContext('mreg-sweeper'));
    expect(report).toMatchObject({ expiredVersions: 0, staleUploads: 0 });
    expect(report.blobs.examined).toBeGreaterThanOrEqual(1);
  });
});
