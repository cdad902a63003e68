/**
 * The CLI's push and pull against the Azure handlers behind the stand-in host (the one the
 * push/pull benchmark uses), on Azurite: a block upload verified by the queue-triggered
 * verifier, the download hash-checked, and identical bytes again without an upload.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull } from '../../cli/pull.js';
import { push, sha256OfFile } from '../../cli/push.js';
import { RegistryClient } from '../../cli/registry-client.js';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import { type FunctionsApp, functionsApp } from '../support/azure/functions-app.js';
import { type FunctionsHost, startFunctionsHost } from '../support/azure/functions-host.js';

let azurite: Azurite;
let fx: FunctionsApp;
let host: FunctionsHost;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  fx = await functionsApp(azurite, {
    container: 'cli',
    table: 'cli',
    inlineHashMaxBytes: 512 * 1024,
    multipartThresholdBytes: 1024 * 1024,
  });
  host = await startFunctionsHost(fx.handlers);
  dir = await mkdtemp(join(tmpdir(), 'mreg-azure-cli-'));
});

afterAll(async () => {
  await host?.close();
  await fx?.close();
  await azurite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CLI through the Azure Functions handlers', () => {
  it('pushes a block upload, pulls it back verified, and pushes identical bytes without uploading', async () => {
    const file = join(dir, 'model.bin');
    await writeFile(file, randomBytes(2 * 1024 * 1024 + 7));
    const client = new RegistryClient({ baseUrl: host.url, token: await fx.token() });
    await expect(
      new RegistryClient({ baseUrl: host.url, token: 'not-a-token-of-the-tenant' }).call('GET', '/v1/models'),
    ).rejects.toMatchObject({ status: 401 });
    await expect(new RegistryClient({ baseUrl: host.url }).call('GET', '/v1/models')).rejects.toMatchObject({
      status: 401,
    });
    await client.call('POST', '/v1/models', { name: 'cli' });
    const pushed = await push(client, { model: 'cli', files: [file], root: dir });
    expect(pushed.version).toMatchObject({ version: 1, state: 'READY' });
    const pulled = await pull(client, { model: 'cli', ref: 'latest', out: join(dir, 'out') });
    expect(pulled.version.version).toBe(1);
    // Compared by digest: a deep equality over megabytes of bytes takes seconds.
    expect(await sha256OfFile(join(dir, 'out', 'model.bin'))).toEqual(await sha256OfFile(file));
    const digest = await sha256OfFile(file);
    const created = await client.call<{ uploads: unknown[] }>('POST', '/v1/models/cli/versions', {
      files: [{ path: 'copy.bin', ...digest }],
    });
    expect(created.body.uploads).toEqual([]);
  });
});
