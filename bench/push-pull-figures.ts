/**
 * The push/pull measurement every backend's benchmark shares: a raw signed PUT/GET of the
 * bytes (no hashing, no registry) against the CLI's push and pull through the registry, and
 * identical bytes pushed again (goal: under 2 s at any size), both with the hash cache the first
 * push filled and with a cold one (a new machine, a cleared cache: the file is hashed again).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { HashCache } from '../cli/hash-cache.js';
import { pull } from '../cli/pull.js';
import { push, sha256OfFile } from '../cli/push.js';
import type { RegistryClient } from '../cli/registry-client.js';
import type { ObjectStore } from '../shared/ports/object-store.js';

/** Writes `mib` MiB of incompressible bytes. */
export async function writeRandomFile(file: string, mib: number): Promise<void> {
  const out = createWriteStream(file);
  const chunk = randomBytes(4 * 1024 * 1024);
  for (let i = 0; i < mib / 4; i++) {
    chunk[0] = i & 0xff;
    if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

export const seconds = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return Number(((performance.now() - t) / 1000).toFixed(3));
};

/** A raw signed PUT and GET of the file to the store (no hashing, no registry): the baseline, in seconds. */
export async function rawTransfer(
  objects: ObjectStore,
  file: string,
  dir: string,
  digest: { size: number; sha256: string },
): Promise<{ put: number; get: number }> {
  const key = 'mreg/bench/raw.bin';
  const signedPut = await objects.presignPut(key, { ...digest, expiresInSeconds: 3600 });
  const put = await seconds(async () => {
    const res = await fetch(signedPut.url, {
      method: 'PUT',
      headers: { ...signedPut.headers, 'content-length': String(digest.size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (res.status >= 300) throw new Error(await res.text());
  });
  const signedGet = await objects.presignGet(key, { expiresInSeconds: 3600 });
  const get = await seconds(async () => {
    const res = await fetch(signedGet.url);
    await pipeline(Readable.fromWeb(res.body as NodeReadableStream), createWriteStream(join(dir, 'raw.out')));
  });
  await rm(join(dir, 'raw.out'), { force: true });
  return { put, get };
}

export async function measurePushPull(options: {
  benchmark: string;
  client: RegistryClient;
  /** The store behind the registry, for the raw baseline on the same server. */
  objects: ObjectStore;
  dir: string;
  file: string;
  mib: number;
  about?: Record<string, unknown>;
}): Promise<Record<string, unknown>> {
  const { client, objects, dir, file, mib } = options;
  const { sha256, size } = await sha256OfFile(file);
  const { put: rawPut, get: rawGet } = await rawTransfer(objects, file, dir, { size, sha256 });
  await client.call('POST', '/v1/models', { name: 'bench' });
  const hashCache = new HashCache(join(dir, 'hashes.json'));
  const mregPush = await seconds(() => push(client, { model: 'bench', files: [file], root: dir, hashCache }));
  const mregPull = await seconds(() => pull(client, { model: 'bench', ref: 'latest', out: join(dir, 'pulled') }));
  const pulled = await sha256OfFile(join(dir, 'pulled', 'model.bin'));
  const again = await seconds(() =>
    push(client, { model: 'bench', files: [file], root: dir, hashCache, label: 'again' }),
  );
  const coldHashCache = new HashCache(join(dir, 'cold-hashes.json'));
  const againCold = await seconds(() =>
    push(client, { model: 'bench', files: [file], root: dir, hashCache: coldHashCache, label: 'again-cold' }),
  );
  const mbps = (s: number) => Number((mib / s).toFixed(1));
  return {
    benchmark: options.benchmark,
    ...options.about,
    mib,
    rawPut: { seconds: rawPut, mibPerSecond: mbps(rawPut) },
    rawGet: { seconds: rawGet, mibPerSecond: mbps(rawGet) },
    push: { seconds: mregPush, mibPerSecond: mbps(mregPush), vsRawPut: Number((rawPut / mregPush).toFixed(3)) },
    pull: {
      seconds: mregPull,
      mibPerSecond: mbps(mregPull),
      vsRawGet: Number((rawGet / mregPull).toFixed(3)),
      verified: pulled.sha256 === sha256,
    },
    identicalAgain: {
      seconds: again,
      coldHashCacheSeconds: againCold,
      goalSecondsMax: 2,
      pass: again < 2 && againCold < 2,
    },
    sha256,
  };
}
