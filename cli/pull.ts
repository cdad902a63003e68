/**
 * `mreg pull`: resolve a reference, download every file through its signed URL into
 * `<file>.mreg-partial`, check its SHA-256, and only then move it into place. A partial file
 * left by an interrupted pull is continued with a ranged read (its bytes hashed first); a
 * connection lost mid-file continues the same way after a backoff. Bytes that fail the check
 * are deleted, never moved into place. Files already present with the right digest are kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CliError, IntegrityError } from './errors.js';
import { PARTIAL_SUFFIX, sha256OfFile } from './files.js';
import type { HashCache } from './hash-cache.js';
import { inParallel } from './pool.js';
import type { ByteProgress } from './progress.js';
import type { ProgressFactory } from './push.js';
import { RegistryClient, type VersionFile, type VersionView } from './registry-client.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';
import { StorageError, storageVerdict } from './storage.js';

export { IntegrityError } from './errors.js';

export interface PullOptions {
  model: string;
  ref: string;
  /** The directory the version's files land in. */
  out: string;
  /** Files downloading at once. */
  concurrency?: number;
  hashCache?: HashCache;
  progress?: ProgressFactory;
  notify?: (message: string) => void;
  retry?: RetryPolicy;
}

export type FileOutcome = 'downloaded' | 'resumed' | 'unchanged';

export interface PullResult {
  version: VersionView;
  dest: string;
  files: Array<VersionFile & { outcome: FileOutcome }>;
  /** Bytes that came over the network in this run. */
  downloadedBytes: number;
  /** Bytes an interrupted pull had already written, continued with ranged reads. */
  resumedBytes: number;
}

/** Appends to the partial file, hashing exactly what reached the disk (so a retry continues from its length). */
class PartialFile {
  /** The kept bytes were dropped: the server answered the whole file. */
  restarted = false;

  private constructor(
    private readonly handle: FileHandle,
    public hash: Hash,
    public length: number,
  ) {}

  /** Opens the partial file, keeping (and hashing) what an earlier run wrote unless it is too long. */
  static async open(path: string, maxLength: number): Promise<PartialFile> {
    const existing = await stat(path).catch(() => undefined);
    const hash = createHash('sha256');
    let length = 0;
    if (existing?.isFile() && existing.size > 0 && existing.size <= maxLength) {
      for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      return new PartialFile(await open(path, 'r+'), hash, length);
    }
    return new PartialFile(await open(path, 'w'), hash, 0);
  }

  async restart(): Promise<void> {
    await this.handle.truncate(0);
    this.hash = createHash('sha256');
    this.length = 0;
    this.restarted = true;
  }

  async append(chunk: Uint8Array): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, this.length + written);
      written += bytesWritten;
    }
    this.hash.update(chunk);
    this.length += chunk.length;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function fileUrl(client: RegistryClient, model: string, version: number, path: string): Promise<string> {
  const { body } = await client.call<{ url: string }>(
    'GET',
    `${RegistryClient.versionPath(model, String(version))}/files/${RegistryClient.filePath(path)}?redirect=false`,
  );
  return body.url;
}

/** Streams the rest of the file into `partial`, from its current length. */
async function fetchInto(url: string, partial: PartialFile, size: number, progress: ByteProgress, signal: AbortSignal) {
  if (partial.length >= size) return;
  const from = partial.length;
  let res: Response;
  try {
    res = await fetch(url, { headers: from > 0 ? { range: `bytes=${from}-` } : {}, signal });
  } catch (e) {
    throw new StorageError(0, 'GET', url, e);
  }
  if (res.status === 200 && from > 0) {
    // No range support: start over.
    progress.add(-from);
    await partial.restart();
  } else if (res.status === 206) {
    const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    if (Number(range?.[1]) !== from) {
      await res.body?.cancel();
      throw new StorageError(res.status, 'GET', url, `asked for bytes from ${from}, got ${range?.[0] ?? 'no range'}`);
    }
  } else if (res.status !== 200) {
    throw new StorageError(res.status, 'GET', url, await res.text().catch(() => ''));
  }
  if (!res.body) throw new StorageError(res.status, 'GET', url, 'no body');
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await partial.append(chunk);
      progress.add(chunk.length);
    }
  } catch (e) {
    throw new StorageError(0, 'GET', url, e);
  }
}

export async function pull(client: RegistryClient, options: PullOptions): Promise<PullResult> {
  const progress =
    options.progress ?? (() => ({ add: () => undefined, detail: () => undefined, stop: () => undefined }));
  const notify = options.notify ?? (() => undefined);
  const policy = options.retry ?? DEFAULT_RETRY;
  const { body: version } = await client.call<VersionView>(
    'GET',
    RegistryClient.versionPath(options.model, options.ref),
  );
  if (version.state !== 'READY' && version.state !== 'ARCHIVED')
    throw new CliError(
      `version ${version.version} of ${options.model} is ${version.state}: it has no verified files to pull`,
    );
  const root = resolve(options.out);
  const targets = version.files.map((file) => {
    const target = join(root, ...file.path.split('/'));
    // The registry validated the path; this still refuses anything that would leave `root`.
    const inside = relative(root, target);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..')
      throw new IntegrityError(`refusing to write outside ${root}: ${file.path}`);
    return { file, target };
  });
  const total = version.files.reduce((a, f) => a + f.size, 0);
  const downloading = progress('downloading', total);
  const outcomes = new Map<string, FileOutcome>();
  let downloadedBytes = 0;
  let resumedBytes = 0;
  try {
    await inParallel(targets, Math.max(1, options.concurrency ?? 4), async ({ file, target }, signal) => {
      downloading.detail(file.path);
      // Already there with the right bytes (the hash cache makes this check free the second time).
      const present = await stat(target).catch(() => undefined);
      if (present?.isFile() && present.size === file.size) {
        const digest = options.hashCache
          ? await options.hashCache.digest(target, (p) => sha256OfFile(p))
          : await sha256OfFile(target);
        if (digest.sha256 === file.sha256) {
          outcomes.set(file.path, 'unchanged');
          downloading.add(file.size);
          return;
        }
      }
      await mkdir(dirname(target), { recursive: true });
      const partialPath = `${target}${PARTIAL_SUFFIX}`;
      for (let fromScratch = false; ; fromScratch = true) {
        if (fromScratch) await rm(partialPath, { force: true });
        const partial = await PartialFile.open(partialPath, file.size);
        const kept = partial.length;
        if (kept > 0) {
          notify(`${file.path}: continuing an interrupted download from ${kept} bytes`);
          downloading.add(kept);
        }
        let url: string | undefined;
        let actual: string;
        try {
          await withRetry(
            async () => {
              url ??= await fileUrl(client, options.model, version.version, file.path);
              await fetchInto(url, partial, file.size, downloading, signal);
            },
            (error) => {
              if (signal.aborted) return { retry: false };
              const verdict = storageVerdict(error);
              // An expired URL (403) is signed again.
              if (verdict.retry && error instanceof StorageError && error.status === 403) url = undefined;
              return verdict;
            },
            policy,
            (error, attempt, delay) =>
              notify(`${file.path}: ${(error as Error).message}; retry ${attempt} in ${(delay / 1000).toFixed(1)}s`),
          );
          actual = partial.hash.digest('hex');
        } finally {
          await partial.close();
        }
        if (actual === file.sha256 && partial.length === file.size) {
          await rename(partialPath, target);
          await options.hashCache?.remember(target, { sha256: actual, size: file.size });
          const continued = partial.restarted ? 0 : kept;
          outcomes.set(file.path, continued > 0 ? 'resumed' : 'downloaded');
          downloadedBytes += file.size - continued;
          resumedBytes += continued;
          return;
        }
        // Never moved into place: the bytes are not the registry's.
        await rm(partialPath, { force: true });
        downloading.add(-partial.length);
        if (kept > 0 && !fromScratch) {
          notify(`${file.path}: the continued download does not check out; downloading it again from the start`);
          continue;
        }
        throw new IntegrityError(
          `${file.path}: SHA-256 mismatch: expected ${file.sha256}, got ${actual} (${partial.length} of ${file.size} bytes); the download was discarded and nothing was written to ${target}`,
          ['the stored copy may be damaged; tell the registry operator, or pull another version'],
        );
      }
    });
  } finally {
    downloading.stop();
    await options.hashCache?.save();
  }
  return {
    version,
    dest: root,
    files: version.files.map((f) => ({ ...f, outcome: outcomes.get(f.path) ?? 'downloaded' })),
    downloadedBytes,
    resumedBytes,
  };
}
