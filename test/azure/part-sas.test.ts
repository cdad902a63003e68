/**
 * The Azure part SAS grants `w` on its one staging blob (no narrower SAS permission exists for
 * Put Block). Used for anything else than its block, Put Blob of other bytes or a Put Block List
 * of the holder's own blocks, it changes only that staging blob, and the registry's hash check
 * keeps those bytes from ever becoming the version's (infra/azure/README.md, "The blob area").
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import { type FunctionsApp, functionsApp } from '../support/azure/functions-app.js';

const MIB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let azurite: Azurite;
let fx: FunctionsApp;

beforeAll(async () => {
  azurite = await startAzurite();
  fx = await functionsApp(azurite, { container: 'parts', table: 'parts', multipartThresholdBytes: MIB });
  expect((await fx.call('POST', '/v1/models', { body: { name: 'big' } })).status).toBe(201);
});
afterAll(async () => {
  await fx?.close();
  await azurite?.stop();
});

async function multipartVersion(bytes: Uint8Array): Promise<{ version: number; partUrl: string }> {
  const created = await fx.call('POST', '/v1/models/big/versions', {
    body: { files: [{ path: 'w.bin', size: bytes.length, sha256: sha(bytes) }] },
  });
  expect(created.status).toBe(201);
  const body = created.json() as { version: { version: number }; uploads: Array<{ multipart?: unknown }> };
  expect(body.uploads[0]?.multipart).toBeDefined();
  const version = body.version.version;
  const parts = await fx.call('POST', `/v1/models/big/versions/${version}/parts`, {
    body: { path: 'w.bin', partNumbers: [1] },
  });
  const partUrl = (parts.json() as { parts: Array<{ url: string }> }).parts[0]?.url ?? '';
  expect(new URL(partUrl).searchParams.get('comp')).toBe('block');
  return { version, partUrl };
}

/** The same SAS, without the block operation the registry meant it for. */
const withoutBlock = (url: string, extra: Record<string, string> = {}) => {
  const u = new URL(url);
  u.searchParams.delete('comp');
  u.searchParams.delete('blockid');
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.toString();
};

async function neverReadyWithOtherBytes(version: number) {
  const commit = await fx.call('POST', `/v1/models/big/versions/${version}/commit`);
  expect(commit.status).toBe(409);
  const read = await fx.call('GET', `/v1/models/big/versions/${version}`);
  expect(['PENDING', 'FAILED']).toContain((read.json() as { state: string }).state);
}

describe('the part SAS used for more than its block', () => {
  it('Put Blob of other bytes through it: the version never becomes READY', async () => {
    const bytes = randomBytes(2 * MIB);
    const { version, partUrl } = await multipartVersion(bytes);
    const put = await fetch(withoutBlock(partUrl), {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: randomBytes(bytes.length),
    });
    expect(put.status).toBe(201);
    await neverReadyWithOtherBytes(version);
  });

  it('its own block committed with Put Block List, other bytes: the version never becomes READY', async () => {
    const bytes = randomBytes(2 * MIB);
    const { version, partUrl } = await multipartVersion(bytes);
    const blockId = new URL(partUrl).searchParams.get('blockid') ?? '';
    expect((await fetch(partUrl, { method: 'PUT', body: randomBytes(bytes.length) })).status).toBe(201);
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${blockId}</Latest></BlockList>`;
    const committed = await fetch(withoutBlock(partUrl, { comp: 'blocklist' }), { method: 'PUT', body: list });
    expect(committed.status).toBe(201);
    await neverReadyWithOtherBytes(version);
  });

  it('while the intended use, the right bytes through the block, makes it READY', async () => {
    const bytes = randomBytes(2 * MIB);
    const { version, partUrl } = await multipartVersion(bytes);
    expect((await fetch(partUrl, { method: 'PUT', body: bytes })).status).toBe(201);
    const commit = await fx.call('POST', `/v1/models/big/versions/${version}/commit`);
    expect(commit.status).toBe(200);
    expect(commit.json()).toMatchObject({ state: 'READY', files: [{ sha256: sha(bytes) }] });
  });
});
