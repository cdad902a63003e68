/** `mreg pull`: resolve a reference, download every file through its signed URL, verify SHA-256, then move into place. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryClient, type VersionView } from './registry-client.js';

export interface PullOptions {
  model: string;
  ref: string;
  out: string;
  concurrency?: number;
}

export class IntegrityError extends Error {
  override name = 'IntegrityError';
}

export async function pull(client: RegistryClient, options: PullOptions): Promise<VersionView> {
  const modelPath = RegistryClient.modelPath(options.model);
  const { body: version } = await client.call<VersionView>(
    'GET',
    `${modelPath}/versions/${encodeURIComponent(options.ref)}`,
  );
  const root = resolve(options.out);
  let next = 0;
  const files = version.files;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 4, files.length) }, async () => {
      while (next < files.length) {
        const file = files[next++];
        if (!file) return;
        const target = join(root, ...file.path.split('/'));
        // The registry validated the path; this still refuses anything that would leave `root`.
        if (!target.startsWith(root)) throw new IntegrityError(`refusing to write outside ${root}: ${file.path}`);
        const { body: signed } = await client.call<{ url: string; sha256: string }>(
          'GET',
          `${modelPath}/versions/${version.version}/files/${RegistryClient.filePath(file.path)}?redirect=false`,
        );
        const res = await fetch(signed.url);
        if (res.status !== 200 || !res.body) throw new Error(`download of ${file.path} failed: ${res.status}`);
        await mkdir(dirname(target), { recursive: true });
        const partial = `${target}.mreg-partial`;
        const hash = createHash('sha256');
        const hashing = new Transform({
          transform(chunk: Buffer, _e, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        });
        try {
          await pipeline(
            Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
            hashing,
            createWriteStream(partial),
          );
          const actual = hash.digest('hex');
          if (actual !== file.sha256)
            throw new IntegrityError(`${file.path}: sha256 ${actual}, expected ${file.sha256}`);
          await rename(partial, target);
        } finally {
          await rm(partial, { force: true });
        }
      }
    }),
  );
  return version;
}
