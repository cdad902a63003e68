/**
 * The registry's core flow through the Azure Functions handlers on Azurite: HTTP requests as
 * the host constructs them, bytes PUT through the SAS URL, downloads through the 302, the
 * verifier queue's output binding, Event Grid BlobCreated drop-ins, timers.
 */

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyQueueOutput } from '../../functions/azure/verification-outbox.js';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import { clientPrincipalHeader } from '../support/azure/entra-issuer.js';
import { type FunctionsApp, fixture, functionsApp } from '../support/azure/functions-app.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const INLINE_LIMIT = 64 * 1024;
const MULTIPART_THRESHOLD = 1024 * 1024;
const CONTAINER = 'artifacts';
/** The Event Grid identity of the drop-ins' writer: allowed to create models by drop-in. */
const DROP_IN_WRITER = '00000000-0000-0000-0000-00000000d209';

interface Upload {
  path: string;
  method: string;
  url: string;
  headers: Record<string, string>;
}
interface VersionBody {
  version: { version: number; state: string; files: { path: string; sha256: string }[] };
  uploads: Upload[];
}

let azurite: Azurite;
let fx: FunctionsApp;

beforeAll(async () => {
  azurite = await startAzurite();
  fx = await functionsApp(azurite, {
    container: CONTAINER,
    table: 'e2e',
    inlineHashMaxBytes: INLINE_LIMIT,
    multipartThresholdBytes: MULTIPART_THRESHOLD,
    dropInPrincipals: [DROP_IN_WRITER],
  });
});

afterAll(async () => {
  await fx?.close();
  await azurite?.stop();
});

async function pushVersion(model: string, bytes: Uint8Array, path = 'model.onnx') {
  const created = await fx.call('POST', `/v1/models/${model}/versions`, {
    body: { files: [{ path, size: bytes.length, sha256: sha(bytes) }], format: 'onnx' },
  });
  expect(created.status).toBe(201);
  const body = created.json() as VersionBody;
  const [upload] = body.uploads;
  if (!upload) throw new Error('no upload instruction');
  expect(upload.headers['x-ms-blob-type']).toBe('BlockBlob');
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
  expect(put.status, await put.clone().text()).toBe(201);
  return body.version.version;
}

describe('Azure Functions HTTP handler', () => {
  it('answers 401 without a token (whatever X-MS-CLIENT-PRINCIPAL says), 403 without registry roles', async () => {
    expect((await fx.call('POST', '/v1/models', { body: { name: 'nobody' }, as: null })).status).toBe(401);
    const headers = fixture<Record<string, string>>('x-ms-client-principal-headers.json');
    expect((await fx.call('POST', '/v1/models', { body: { name: 'nobody' }, as: null, headers })).status).toBe(401);
    const forged = { 'x-ms-client-principal': clientPrincipalHeader({ oid: 'x', roles: ['registry.admin'] }) };
    expect((await fx.call('POST', '/v1/models', { body: { name: 'nobody' }, as: null, headers: forged })).status).toBe(
      401,
    );
    expect((await fx.call('POST', '/v1/models', { body: { name: 'nobody' }, as: { oid: 'no-roles' } })).status).toBe(
      403,
    );
    const reader = { oid: 'reader-oid', roles: ['registry.read'] };
    expect((await fx.call('GET', '/v1/models', { as: reader })).status).toBe(200);
    expect((await fx.call('POST', '/v1/models', { body: { name: 'nobody' }, as: reader })).status).toBe(403);
    const plain = await fx.call('POST', '/v1/models', { headers: { 'content-type': 'text/plain' }, as: undefined });
    expect(plain.status).toBe(415);
  });

  it('creates a model and a version, takes bytes through the SAS URL, commits, resolves -1 and downloads', async () => {
    const created = await fx.call('POST', '/v1/models', { body: { name: 'fraud', tags: { team: 'risk' } } });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: 'fraud', createdBy: '00000000-0000-0000-0000-0000000000a1' });

    const bytes = randomBytes(20_000);
    const version = await pushVersion('fraud', bytes);
    const commit = await fx.call('POST', `/v1/models/fraud/versions/${version}/commit`);
    expect(commit.status).toBe(200);
    expect(commit.json()).toMatchObject({ state: 'READY' });

    const latest = await fx.call('GET', '/v1/models/fraud/versions/-1');
    expect(latest.status).toBe(200);
    expect(latest.json()).toMatchObject({ version, state: 'READY' });

    const download = await fx.call('GET', '/v1/models/fraud/versions/-1/files/model.onnx');
    expect(download.status).toBe(302);
    const location = download.headers.get('location') ?? '';
    expect(location).toMatch(/[?&]sig=/);
    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-disposition')).toContain('model.onnx');
    expect(sha(new Uint8Array(await fetched.arrayBuffer()))).toBe(sha(bytes));
  });

  it('hands a file too large to hash in the request to the verifier queue, which makes it READY', async () => {
    const bytes = randomBytes(INLINE_LIMIT + 10_000);
    const version = await pushVersion('fraud', bytes, 'big.bin');
    const commit = await fx.call('POST', `/v1/models/fraud/versions/${version}/commit`);
    expect(commit.status).toBe(202);
    expect(commit.json()).toMatchObject({ state: 'PENDING' });
    const queued = commit.context.extraOutputs.get(verifyQueueOutput);
    expect(queued).toEqual([{ model: 'fraud', version }]);

    // The host delivers each array element as one queue message (JSON text).
    const state = await fx.handlers.verify(JSON.stringify({ model: 'fraud', version }), fx.context('verify'));
    expect(state).toBe('READY');
    const latest = await fx.call('GET', '/v1/models/fraud/versions/latest');
    expect(latest.json()).toMatchObject({ version, state: 'READY' });
  });

  it('uploads a large file as blocks through signed Put Block URLs; the verifier commits and checks it', async () => {
    const bytes = randomBytes(MULTIPART_THRESHOLD + 300_000);
    const created = await fx.call('POST', '/v1/models/fraud/versions', {
      body: { files: [{ path: 'weights.safetensors', size: bytes.length, sha256: sha(bytes) }] },
    });
    expect(created.status).toBe(201);
    const body = created.json() as {
      version: { version: number };
      uploads: { multipart?: { uploadId: string; partSize: number; partCount: number } }[];
    };
    const multipart = body.uploads[0]?.multipart;
    if (!multipart) throw new Error('expected a multipart upload');
    const partNumbers = Array.from({ length: multipart.partCount }, (_, i) => i + 1);
    const parts = await fx.call('POST', `/v1/models/fraud/versions/${body.version.version}/parts`, {
      body: { path: 'weights.safetensors', partNumbers },
    });
    expect(parts.status).toBe(200);
    for (const part of (
      parts.json() as { parts: { partNumber: number; url: string; headers: Record<string, string> }[] }
    ).parts) {
      const chunk = bytes.subarray((part.partNumber - 1) * multipart.partSize, part.partNumber * multipart.partSize);
      const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: new Uint8Array(chunk) });
      expect(put.status, await put.clone().text()).toBe(201);
    }
    const commit = await fx.call('POST', `/v1/models/fraud/versions/${body.version.version}/commit`);
    expect(commit.status).toBe(202);
    const state = await fx.handlers.verify(
      JSON.stringify({ model: 'fraud', version: body.version.version }),
      fx.context('verify'),
    );
    expect(state).toBe('READY');
    const download = await fx.call(
      'GET',
      `/v1/models/fraud/versions/${body.version.version}/files/weights.safetensors`,
    );
    const fetched = await fetch(download.headers.get('location') ?? '');
    expect(sha(new Uint8Array(await fetched.arrayBuffer()))).toBe(sha(bytes));
  });

  it('a bad queue message throws (the host retries a throwing message, then poison-queues it: maxDequeueCount in host.json)', async () => {
    await expect(fx.handlers.verify('{"model":1}', fx.context('verify'))).rejects.toThrow(/not a verification request/);
    // The retry and the poison queue are the Functions host's, driven by this setting; nothing here runs the host.
    const host = JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(host.extensions.queues.maxDequeueCount).toBeGreaterThan(1);
  });
});

describe('a JSON body over 1 MiB through the Azure Functions handler', () => {
  it('answers 413 as problem+json, with or without Content-Length, and the next invocation works', async () => {
    const body = { name: 'az', description: 'a'.repeat(2 * 1024 * 1024) };
    const length = String(Buffer.byteLength(JSON.stringify(body)));
    for (const headers of [{ 'content-length': length }, {}] as Array<Record<string, string>>) {
      const res = await fx.call('POST', '/v1/models', { body, headers });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 413 });
      expect((await fx.call('GET', '/healthz')).status).toBe(200);
      expect((await fx.call('POST', '/v1/models', { body: { name: 'az-ok' } })).status).toBe(201);
      expect((await fx.call('DELETE', '/v1/models/az-ok')).status).toBeLessThan(300);
    }
  });
});

describe('Azure Functions Event Grid handler (BlobCreated)', () => {
  async function dropIn(path: string, bytes: Uint8Array, metadata: Record<string, string>, identity = DROP_IN_WRITER) {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const blob = service.getContainerClient(CONTAINER).getBlockBlobClient(path);
    const uploaded = await blob.uploadData(bytes, { metadata });
    const [event] = fixture<Record<string, unknown>[]>('eventgrid-blob-created.json');
    if (!event) throw new Error('fixture is empty');
    const data = event.data as Record<string, unknown>;
    return {
      ...event,
      subject: `/blobServices/default/containers/${CONTAINER}/blobs/${path}`,
      data: { ...data, url: blob.url, eTag: uploaded.etag, contentLength: bytes.length, api: 'PutBlob', identity },
    };
  }

  it('registers an incoming/ drop-in, and the same event twice changes nothing', async () => {
    const bytes = randomBytes(5000);
    const event = await dropIn('incoming/dropped/weights file.bin', bytes, {
      mreg_intent: 'create_model',
      mreg_label: '1.0.0',
    });
    const first = await fx.handlers.blobCreated(event, fx.context('blobCreated'));
    expect(first).toMatchObject({ kind: 'registered', model: 'dropped', version: 1, state: 'READY' });

    const version = await fx.call('GET', '/v1/models/dropped/versions/label:1.0.0');
    expect(version.status).toBe(200);
    expect(version.json()).toMatchObject({
      version: 1,
      state: 'READY',
      files: [{ path: 'weights file.bin', size: bytes.length, sha256: sha(bytes) }],
    });

    const again = await fx.handlers.blobCreated(event, fx.context('blobCreated'));
    expect(again).toMatchObject({ model: 'dropped', version: 1 });
    const list = await fx.call('GET', '/v1/models/dropped/versions');
    expect((list.json() as { items: unknown[] }).items).toHaveLength(1);
    expect(await fx.call('GET', '/v1/models/dropped')).toMatchObject({ status: 200 });
    expect((await fx.call('GET', '/v1/models/dropped')).json()).toMatchObject({ latestVersion: 1 });
  });

  it('refuses a drop-in whose writer does not write the model, even one allowed to create models', async () => {
    expect((await fx.call('POST', '/v1/models', { body: { name: 'kept', maintainers: ['someone'] } })).status).toBe(
      201,
    );
    for (const [i, identity] of [DROP_IN_WRITER, '00000000-0000-0000-0000-0000000000ff'].entries()) {
      const event = await dropIn(`incoming/kept/m${i}.bin`, randomBytes(100), {}, identity);
      expect(await fx.handlers.blobCreated(event, fx.context('blobCreated'))).toMatchObject({ kind: 'rejected' });
    }
    expect((await fx.call('GET', '/v1/models/kept/versions/latest')).status).toBe(404);
    expect((await fx.call('GET', '/v1/models/kept/drop-ins')).json()).toMatchObject({
      items: [
        { path: 'm0.bin', state: 'REJECTED', creator: DROP_IN_WRITER },
        { path: 'm1.bin', state: 'REJECTED' },
      ],
    });
  });

  it('finishes a PENDING version when BlobCreated reports its staged bytes, without a commit call', async () => {
    const bytes = randomBytes(3000);
    const created = await fx.call('POST', '/v1/models', { body: { name: 'staged' } });
    expect(created.status).toBe(201);
    const version = await fx.call('POST', '/v1/models/staged/versions', {
      body: { files: [{ path: 'a.bin', size: bytes.length, sha256: sha(bytes) }] },
    });
    const upload = (version.json() as VersionBody).uploads[0];
    if (!upload) throw new Error('no upload instruction');
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
    const [template] = fixture<Record<string, unknown>[]>('eventgrid-blob-created.json');
    const blobUrl = upload.url.slice(0, upload.url.indexOf('?'));
    const event = {
      ...template,
      data: {
        ...(template?.data as Record<string, unknown>),
        url: blobUrl,
        eTag: put.headers.get('etag'),
        contentLength: bytes.length,
        api: 'PutBlob',
      },
    };
    const outcome = await fx.handlers.blobCreated(event, fx.context('blobCreated'));
    expect(outcome).toMatchObject({ kind: 'staged', model: 'staged', version: 1, state: 'READY' });
    expect((await fx.call('GET', '/v1/models/staged/versions/1')).json()).toMatchObject({ state: 'READY' });
  });

  it('takes the CloudEvents schema too, and ignores blobs outside the container and other event types', async () => {
    const bytes = randomBytes(100);
    const grid = await dropIn('incoming/clouded/m.bin', bytes, {});
    const [cloud] = fixture<Record<string, unknown>[]>('cloudevents-blob-created.json');
    const asCloud = { ...cloud, subject: grid.subject, data: grid.data };
    expect(await fx.handlers.blobCreated(asCloud, fx.context('blobCreated'))).toMatchObject({
      kind: 'registered',
      model: 'clouded',
    });
    const elsewhere = {
      ...grid,
      data: { ...grid.data, url: 'https://other.blob.core.windows.net/other/incoming/x/y' },
    };
    expect(await fx.handlers.blobCreated(elsewhere, fx.context('blobCreated'))).toMatchObject({ kind: 'ignored' });
    const deleted = { ...grid, eventType: 'Microsoft.Storage.BlobDeleted' };
    expect(await fx.handlers.blobCreated(deleted, fx.context('blobCreated'))).toMatchObject({ kind: 'ignored' });
  });
});

describe('Azure Functions timers', () => {
  it('publishes the history once to the event sink, then nothing new', async () => {
    const first = await fx.handlers.publishHistory({} as never, fx.context('publishHistory'));
    expect(first.published).toBeGreaterThan(0);
    const ids = fx.sink.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(fx.sink.events.some((e) => e.type === 'ModelVersionReady' && e.model === 'fraud')).toBe(true);
    const second = await fx.handlers.publishHistory({} as never, fx.context('publishHistory'));
    expect(second.published).toBe(0);
  });

  it('sweeps without touching READY versions', async () => {
    const report = await fx.handlers.sweep({} as never, fx.context('sweep'));
    expect(report.blobs.examined).toBeGreaterThan(0);
    expect(report.blobs.collected).toBe(0);
    expect((await fx.call('GET', '/v1/models/fraud/versions/1')).json()).toMatchObject({ state: 'READY' });
  });
});
