/**
 * Push and pull through the Azure Functions handlers (behind a stand-in host, on Azurite) with
 * the CLI's code, against a raw SAS PUT/GET of the same bytes to the same Azurite (no hashing,
 * no registry). Also: identical bytes pushed again (goal: under 2 s at any size).
 * Prints one JSON object. Usage: tsx bench/azure-push-pull.ts [--mib 256]
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { HashCache } from '../cli/hash-cache.js';
import { pull } from '../cli/pull.js';
import { push, sha256OfFile } from '../cli/push.js';
import { RegistryClient } from '../cli/registry-client.js';
import { startAzurite } from '../test/support/azure/azurite.js';
import { ADMIN_ROLES, clientPrincipalHeader, functionsApp } from '../test/support/azure/functions-app.js';
import { startFunctionsHost } from '../test/support/azure/functions-host.js';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MIB = Number(values.mib ?? 256);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-azure-pp-'));
const file = join(dir, 'model.bin');
{
  const out = createWriteStream(file);
  const chunk = randomBytes(4 * 1024 * 1024);
  for (let i = 0; i < MIB / 4; i++) {
    chunk[0] = i & 0xff;
    if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}
const azurite = await startAzurite();
const fx = await functionsApp(azurite, { container: 'bench', table: 'bench' });
const host = await startFunctionsHost(fx.handlers, clientPrincipalHeader('bench-user', ADMIN_ROLES));
const client = new RegistryClient({ baseUrl: host.url, token: 'validated-by-easy-auth' });
const seconds = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return Number(((performance.now() - t) / 1000).toFixed(3));
};
try {
  const { sha256, size } = await sha256OfFile(file);
  // Baseline: the same bytes through a SAS PUT and GET on the same Azurite, nothing else.
  const key = 'mreg/bench/raw.bin';
  const signedPut = await fx.runtime.objects.presignPut(key, { size, sha256, expiresInSeconds: 600 });
  const rawPut = await seconds(async () => {
    const res = await fetch(signedPut.url, {
      method: 'PUT',
      headers: { ...signedPut.headers, 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (res.status !== 201) throw new Error(await res.text());
  });
  const signedGet = await fx.runtime.objects.presignGet(key, { expiresInSeconds: 600 });
  const rawGet = await seconds(async () => {
    const res = await fetch(signedGet.url);
    await pipeline(Readable.fromWeb(res.body as NodeReadableStream), createWriteStream(join(dir, 'raw.out')));
  });
  await client.call('POST', '/v1/models', { name: 'bench' });
  const hashCache = new HashCache(join(dir, 'hashes.json'));
  const mregPush = await seconds(() => push(client, { model: 'bench', files: [file], root: dir, hashCache }));
  const mregPull = await seconds(() => pull(client, { model: 'bench', ref: 'latest', out: join(dir, 'pulled') }));
  const pulled = await sha256OfFile(join(dir, 'pulled', 'model.bin'));
  const again = await seconds(() =>
    push(client, { model: 'bench', files: [file], root: dir, hashCache, label: 'again' }),
  );
  const mbps = (s: number) => Number((MIB / s).toFixed(1));
  console.log(
    JSON.stringify({
      benchmark: 'azure-push-pull',
      server: 'azurite 3.35.0 in memory, handlers behind a stand-in host',
      mib: MIB,
      rawPut: { seconds: rawPut, mibPerSecond: mbps(rawPut) },
      rawGet: { seconds: rawGet, mibPerSecond: mbps(rawGet) },
      push: { seconds: mregPush, mibPerSecond: mbps(mregPush), vsRawPut: Number((rawPut / mregPush).toFixed(3)) },
      pull: {
        seconds: mregPull,
        mibPerSecond: mbps(mregPull),
        vsRawGet: Number((rawGet / mregPull).toFixed(3)),
        verified: pulled.sha256 === sha256,
      },
      identicalAgain: { seconds: again, goalSecondsMax: 2, pass: again < 2 },
      sha256,
    }),
  );
} finally {
  await host.close();
  await azurite.stop();
  await rm(dir, { recursive: true, force: true });
}
