/**
 * `mreg push`: hash the files, declare them, send only the bytes the registry lacks straight
 * to storage (multipart parts in parallel for large files), then commit and wait for READY.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { HashCache } from './hash-cache.js';
import { RegistryClient, RegistryRequestError, type UploadInstruction, type VersionView } from './registry-client.js';

export interface PushOptions {
  model: string;
  files: string[];
  /** Paths in the version are relative to this directory. */
  root: string;
  label?: string;
  description?: string;
  format?: string;
  transientTtlSeconds?: number;
  concurrency?: number;
  hashCache?: HashCache;
}

export async function sha256OfFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function readRange(file: string, start: number, length: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

/** The file as a web stream with backpressure (4 MiB reads). */
const fileStream = (file: string): ReadableStream =>
  Readable.toWeb(createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) as ReadableStream;

async function putOrThrow(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | ReadableStream,
  size: number,
) {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(size) },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  if (res.status >= 300) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
}

export async function push(client: RegistryClient, options: PushOptions): Promise<VersionView> {
  const declared = await Promise.all(
    options.files.map(async (file) => ({
      file,
      path: relative(options.root, file).split(sep).join('/'),
      ...(await sha256OfFile(file)),
    })),
  );
  const body: Record<string, unknown> = { files: declared.map(({ path, size, sha256 }) => ({ path, size, sha256 })) };
  if (options.label) body.label = options.label;
  if (options.description) body.description = options.description;
  if (options.format) body.format = options.format;
  if (options.transientTtlSeconds)
    Object.assign(body, { retention: 'transient', ttlSeconds: options.transientTtlSeconds });
  // The same content pushed again (a retried job) replays instead of making a second version.
  const key = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 40);
  const modelPath = RegistryClient.modelPath(options.model);
  const created = await client.call<{ version: VersionView; uploads: UploadInstruction[] }>(
    'POST',
    `${modelPath}/versions`,
    body,
    {
      'idempotency-key': `push-${key}`,
    },
  );
  const n = created.body.version.version;
  const concurrency = options.concurrency ?? 8;
  for (const upload of created.body.uploads) {
    const source = declared.find((d) => d.path === upload.path);
    if (!source) continue;
    if (upload.url) {
      await putOrThrow(upload.url, upload.headers ?? {}, fileStream(source.file), source.size);
      continue;
    }
    const multipart = upload.multipart;
    if (!multipart) continue;
    const numbers = Array.from({ length: multipart.partCount }, (_, i) => i + 1);
    for (let i = 0; i < numbers.length; i += 1000) {
      const { body: signed } = await client.call<{
        parts: Array<{ partNumber: number; url: string; headers: Record<string, string> }>;
      }>('POST', `${modelPath}/versions/${n}/parts`, { path: upload.path, partNumbers: numbers.slice(i, i + 1000) });
      await inParallel(signed.parts, concurrency, async (part) => {
        const start = (part.partNumber - 1) * multipart.partSize;
        const bytes = await readRange(source.file, start, Math.min(multipart.partSize, source.size - start));
        await putOrThrow(part.url, part.headers, bytes, bytes.length);
      });
    }
  }
  let committed = await client.call<VersionView>('POST', `${modelPath}/versions/${n}/commit`);
  for (let wait = 100; committed.body.state === 'PENDING'; wait = Math.min(wait * 1.5, 1000)) {
    await new Promise((r) => setTimeout(r, wait));
    committed = await client.call<VersionView>('GET', `${modelPath}/versions/${n}`);
  }
  if (committed.body.state !== 'READY')
    throw new RegistryRequestError(409, {
      title: 'not READY',
      detail: committed.body.verification?.reasons.join('; ') ?? '',
    });
  return committed.body;
}
