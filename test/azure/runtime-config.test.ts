/** Pure parts of the Azure runtime: app settings, error classification, block ids, the Event Grid event shape. */
import { describe, expect, it } from 'vitest';
import { blockIdOf, newUploadId, partNumberOf } from '../../functions/azure/block-ids.js';
import { ConfigError, configFromEnv } from '../../functions/azure/config.js';
import { EventGridEventSink, eventGridEventOf } from '../../functions/azure/event-grid-event-sink.js';
import { asStoreError, isTransient } from '../../functions/azure/storage-errors.js';
import { RetryableStoreError } from '../../shared/errors.js';
import type { RegistryEvent } from '../../shared/ports/event-sink.js';

describe('configFromEnv', () => {
  const cloud = {
    MREG_CONTAINER: 'models',
    MREG_BLOB_ENDPOINT: 'https://acct.blob.core.windows.net/',
    MREG_TABLE_ENDPOINT: 'https://app.table.core.windows.net/',
  };

  const tenant = {
    MREG_JWT_ISSUER: 'https://login.microsoftonline.com/t/v2.0, https://sts.windows.net/t/',
    MREG_JWT_AUDIENCE: 'client-id,api://mreg',
    MREG_JWT_JWKS_URL: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
  };

  it('reads endpoints for the managed identity, the tenant the tokens come from, and defaults', () => {
    const config = configFromEnv({ ...cloud, ...tenant, MREG_DROP_IN_PRINCIPALS: 'a, b,' });
    expect(config).toEqual({
      storage: {
        blobEndpoint: cloud.MREG_BLOB_ENDPOINT,
        tableEndpoint: cloud.MREG_TABLE_ENDPOINT,
        container: 'models',
        table: 'mregmetadata',
      },
      prefix: 'mreg/',
      jwt: {
        issuer: ['https://login.microsoftonline.com/t/v2.0', 'https://sts.windows.net/t/'],
        audience: ['client-id', 'api://mreg'],
        jwksUrl: tenant.MREG_JWT_JWKS_URL,
      },
      dropInPrincipals: ['a', 'b'],
    });
  });

  it('refuses to start without the tenant settings: no header is taken on its word instead', () => {
    for (const missing of ['MREG_JWT_ISSUER', 'MREG_JWT_AUDIENCE', 'MREG_JWT_JWKS_URL'])
      expect(() => configFromEnv({ ...cloud, ...tenant, [missing]: '' }), missing).toThrow(missing);
    expect(() =>
      configFromEnv({ ...cloud, WEBSITE_AUTH_ENABLED: 'True', MREG_TRUST_CLIENT_PRINCIPAL: 'true' }),
    ).toThrow(/MREG_JWT_ISSUER/);
  });

  it('prefers a connection string (the emulator) and checks the other settings', () => {
    const config = configFromEnv({
      ...tenant,
      MREG_CONTAINER: 'c',
      MREG_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    });
    expect(config.storage).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
      container: 'c',
      table: 'mregmetadata',
    });
    expect(() => configFromEnv({})).toThrow(ConfigError);
    expect(() => configFromEnv({ ...tenant, MREG_CONTAINER: 'c' })).toThrow(/MREG_BLOB_ENDPOINT/);
    expect(() => configFromEnv({ ...cloud, ...tenant, MREG_PREFIX: 'no-slash' })).toThrow(/end with/);
    expect(() => configFromEnv({ ...cloud, ...tenant, MREG_INLINE_HASH_MAX_BYTES: '-1' })).toThrow(/whole number/);
  });
});

describe('storage errors', () => {
  it('treats throttling, timeouts and dropped connections as retryable, size limits as 413, nothing else', () => {
    for (const e of [
      { statusCode: 429 },
      { statusCode: 503 },
      { code: 'ECONNRESET' },
      { statusCode: 500, details: { odataError: { code: 'OperationTimedOut' } } },
      { name: 'RestError', message: 'Error reading response as text: aborted' },
    ])
      expect(isTransient(e), JSON.stringify(e)).toBe(true);
    for (const e of [
      { statusCode: 404 },
      { statusCode: 412 },
      { name: 'RestError', statusCode: 409 },
      new Error('x'),
      undefined,
    ])
      expect(isTransient(e), JSON.stringify(e)).toBe(false);
    const cause = { statusCode: 503 };
    const wrapped = asStoreError(cause, 'reading');
    expect(wrapped).toBeInstanceOf(RetryableStoreError);
    expect((wrapped as Error).cause).toBe(cause);
    const tooLarge = asStoreError(
      { statusCode: 400, details: { odataError: { code: 'KeyValueTooLarge' } } },
      'writing',
    );
    expect(tooLarge).toMatchObject({ name: 'RegistryError', kind: 'payload-too-large' });
    const plain = { statusCode: 400 };
    expect(asStoreError(plain, 'reading')).toBe(plain);
  });
});

describe('block ids', () => {
  it('are 32 base64 characters for every part and map back only for their own upload', () => {
    const uploadId = newUploadId();
    const ids = [1, 9, 10, 50_000].map((p) => blockIdOf(uploadId, p));
    for (const id of ids) expect(id).toHaveLength(32);
    expect(ids.map((id) => partNumberOf(uploadId, id))).toEqual([1, 9, 10, 50_000]);
    expect(partNumberOf(newUploadId(), ids[0] ?? '')).toBeUndefined();
    expect(() => blockIdOf(uploadId, 0)).toThrow(/out of range/);
    expect(() => blockIdOf('bad id', 1)).toThrow(/not an upload id/);
  });
});

describe('EventGridEventSink', () => {
  const event = (i: number): RegistryEvent => ({
    id: `01H${String(i).padStart(23, '0')}`,
    type: 'ModelVersionReady',
    model: 'fraud',
    time: '2026-11-23T12:00:00.000Z',
    detail: { version: i },
  });

  it('sends the AWS event types with the history ulid as id, in calls of at most 100', async () => {
    expect(eventGridEventOf(event(3))).toEqual({
      id: event(3).id,
      eventType: 'ModelVersionReady',
      subject: 'models/fraud',
      eventTime: new Date('2026-11-23T12:00:00.000Z'),
      dataVersion: '1.0',
      data: { id: event(3).id, model: 'fraud', time: '2026-11-23T12:00:00.000Z', version: 3 },
    });
    const calls: number[] = [];
    const sink = new EventGridEventSink({ send: async (events) => void calls.push(events.length) });
    await sink.publish(Array.from({ length: 250 }, (_, i) => event(i)));
    expect(calls).toEqual([100, 100, 50]);
  });

  it('turns a throttled publish into a retryable error', async () => {
    const sink = new EventGridEventSink({
      send: async () => {
        throw Object.assign(new Error('busy'), { statusCode: 429 });
      },
    });
    await expect(sink.publish([event(1)])).rejects.toBeInstanceOf(RetryableStoreError);
  });
});
