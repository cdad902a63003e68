/**
 * ObjectStore on the local filesystem. Objects live under `<dir>/objects/<key>`, with a
 * sidecar of metadata (size, etag, SHA-256) under `<dir>/object-meta/`. Signed URLs point at
 * this server's `/_objects/` routes (object-routes.ts), which hash bytes while they stream in.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ListedObject,
  ObjectInfo,
  ObjectStore,
  PutUrlOptions,
  ReadOptions,
  SignedRequest,
  UploadedPart,
  WriteOptions,
} from '../../shared/ports/object-store.js';
import { ObjectChangedError } from '../../shared/ports/object-store.js';
import type { UrlSigner } from './url-signer.js';

interface Sidecar {
  size: number;
  etag: string;
  sha256: string;
  lastModified: string;
  contentType?: string;
  metadata: Record<string, string>;
}

const GIB = 1024 ** 3;

/** Artifacts are the owner's alone: directories 0700, files 0600 (the process umask only narrows these). */
const PRIVATE_DIR = { recursive: true, mode: 0o700 } as const;
const PRIVATE_FILE = { mode: 0o600 } as const;

/** A part's stream ran past the bytes its URL was signed for; nothing of it is kept. */
export class PartTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than the ${maxBytes} bytes this part may hold`);
    this.name = 'PartTooLargeError';
  }
}

export class FileObjectStore implements ObjectStore {
  readonly maxSinglePutBytes = 5 * GIB;
  readonly multipart = { minPartBytes: 5 * 1024 * 1024, maxPartBytes: 5 * GIB, maxParts: 10_000 };

  constructor(
    private readonly dir: string,
    private readonly signer: UrlSigner,
    /** The server's own base URL (known once it listens). */
    private readonly baseUrl: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Maps a key to a path inside `root`, refusing anything that could step outside it. */
  private pathOf(root: string, key: string): string {
    const segments = key.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')))
      throw new Error(`unsafe object key: ${JSON.stringify(key)}`);
    return join(this.dir, root, ...segments);
  }

  private objectPath = (key: string) => this.pathOf('objects', key);
  private sidecarPath = (key: string) => `${this.pathOf('object-meta', key)}.json`;
  private multipartDir(uploadId: string): string {
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(uploadId)) throw new Error('bad upload id');
    return join(this.dir, 'multipart', uploadId);
  }
  private tempPath(): string {
    return join(this.dir, 'tmp', randomUUID());
  }

  private url(key: string, query: string): string {
    return `${this.baseUrl()}/_objects/${key.split('/').map(encodeURIComponent).join('/')}?${query}`;
  }

  private expiry(seconds: number): { expires: number; expiresAt: string } {
    const expires = Math.floor(this.now().getTime() / 1000) + seconds;
    return { expires, expiresAt: new Date(expires * 1000).toISOString() };
  }

  async presignPut(key: string, options: PutUrlOptions): Promise<SignedRequest> {
    const { expires, expiresAt } = this.expiry(options.expiresInSeconds);
    const query = this.signer.sign({ op: 'put', key, expires, size: options.size, sha256: options.sha256 });
    const headers: Record<string, string> = {};
    if (options.contentType) headers['content-type'] = options.contentType;
    return { method: 'PUT', url: this.url(key, query), headers, expiresAt };
  }

  async createMultipart(key: string): Promise<{ uploadId: string }> {
    const uploadId = randomBytes(16).toString('base64url');
    const dir = this.multipartDir(uploadId);
    await mkdir(dir, PRIVATE_DIR);
    await writeFile(join(dir, 'key'), key, PRIVATE_FILE);
    return { uploadId };
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresInSeconds: number; maxBytes: number },
  ): Promise<SignedRequest> {
    const { expires, expiresAt } = this.expiry(options.expiresInSeconds);
    // The part number and the most bytes it may hold are signed: the URL takes that part only.
    const query = this.signer.sign({ op: 'part', key, expires, uploadId, partNumber, size: options.maxBytes });
    return { method: 'PUT', url: this.url(key, query), headers: {}, expiresAt };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const dir = this.multipartDir(uploadId);
    const owner = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    if (owner !== key) return [];
    const parts: UploadedPart[] = [];
    for (const name of await readdir(dir)) {
      if (!/^[0-9]+$/.test(name)) continue;
      const info = await stat(join(dir, name));
      // The ETag the part's PUT answered (S3 lists the same one), so a resuming client can match them.
      const etag = await readFile(join(dir, `${name}.etag`), 'utf8').catch(() => `${info.size}-${info.mtimeMs}`);
      parts.push({ partNumber: Number(name), size: info.size, etag });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /**
   * Receives one part's bytes (called by the part route after the signature checked out),
   * cutting the stream with `PartTooLargeError` as soon as it passes `maxBytes`; its ETag is
   * their MD5, as on S3.
   */
  async writePart(
    uploadId: string,
    partNumber: number,
    body: ReadableStream<Uint8Array>,
    maxBytes: number = this.multipart.maxPartBytes,
  ): Promise<{ size: number; etag: string }> {
    const dir = this.multipartDir(uploadId);
    await stat(join(dir, 'key'));
    const temp = this.tempPath();
    await mkdir(dirname(temp), PRIVATE_DIR);
    let size = 0;
    const limit = Math.min(maxBytes, this.multipart.maxPartBytes);
    const md5 = createHash('md5');
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new PartTooLargeError(limit));
        md5.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(body as import('node:stream/web').ReadableStream),
        counter,
        createWriteStream(temp, PRIVATE_FILE),
      );
      const etag = md5.digest('hex');
      await writeFile(join(dir, `${partNumber}.etag`), etag, PRIVATE_FILE);
      await rename(temp, join(dir, String(partNumber)));
      return { size, etag };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const dir = this.multipartDir(uploadId);
    const temp = this.tempPath();
    await mkdir(dirname(temp), PRIVATE_DIR);
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(temp, PRIVATE_FILE);
    try {
      for (const part of [...parts].sort((a, b) => a.partNumber - b.partNumber)) {
        const input = createReadStream(join(dir, String(part.partNumber)));
        for await (const chunk of input) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        }
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      await this.install(key, temp, { size, sha256: hash.digest('hex'), metadata: {} });
    } finally {
      out.destroy();
      await rm(temp, { force: true });
    }
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipart(_key: string, uploadId: string): Promise<void> {
    await rm(this.multipartDir(uploadId), { recursive: true, force: true });
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; filename?: string; contentType?: string },
  ): Promise<SignedRequest> {
    const { expires, expiresAt } = this.expiry(options.expiresInSeconds);
    const fields = { op: 'get' as const, key, expires, ...(options.filename ? { filename: options.filename } : {}) };
    return { method: 'GET', url: this.url(key, this.signer.sign(fields)), headers: {}, expiresAt };
  }

  /**
   * Streams bytes in, hashing as they come, and installs them only if the size and SHA-256
   * match what was signed. Returns the problem when they do not; nothing is kept then.
   */
  async receive(
    key: string,
    body: ReadableStream<Uint8Array>,
    expected: { size?: number; sha256?: string; contentType?: string; metadata?: Record<string, string> },
  ): Promise<{ ok: true; etag: string } | { ok: false; reason: string }> {
    const temp = this.tempPath();
    await mkdir(dirname(temp), PRIVATE_DIR);
    const hash = createHash('sha256');
    let size = 0;
    const limit = expected.size;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (limit !== undefined && size > limit) return done(new Error('more bytes than signed'));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      try {
        await pipeline(
          Readable.fromWeb(body as import('node:stream/web').ReadableStream),
          meter,
          createWriteStream(temp, PRIVATE_FILE),
        );
      } catch (e) {
        if (limit !== undefined && size > limit) return { ok: false, reason: `more than the ${limit} bytes signed` };
        throw e;
      }
      const sha256 = hash.digest('hex');
      if (limit !== undefined && size !== limit)
        return { ok: false, reason: `${size} bytes arrived, ${limit} were signed` };
      if (expected.sha256 !== undefined && sha256 !== expected.sha256)
        return { ok: false, reason: `sha256 ${sha256} does not match the signed ${expected.sha256}` };
      const sidecar: Omit<Sidecar, 'etag' | 'lastModified'> = { size, sha256, metadata: expected.metadata ?? {} };
      if (expected.contentType) sidecar.contentType = expected.contentType;
      const etag = await this.install(key, temp, sidecar);
      return { ok: true, etag };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ etag: string }> {
    const expected: { size?: number; contentType?: string } = {};
    if (options.size !== undefined) expected.size = options.size;
    if (options.contentType !== undefined) expected.contentType = options.contentType;
    const result = await this.receive(key, body, expected);
    if (!result.ok) throw new ObjectChangedError(`writing ${key}: ${result.reason}`);
    return { etag: result.etag };
  }

  /** Writes bytes directly (tests and drop-ins); the same path as a signed PUT without a signature. */
  async put(key: string, bytes: Uint8Array, metadata: Record<string, string> = {}): Promise<string> {
    const result = await this.receive(key, new Blob([new Uint8Array(bytes)]).stream(), { metadata });
    if (!result.ok) throw new Error(result.reason);
    return result.etag;
  }

  private async install(key: string, temp: string, sidecar: Omit<Sidecar, 'etag' | 'lastModified'>): Promise<string> {
    const target = this.objectPath(key);
    const etag = randomUUID();
    const full: Sidecar = { ...sidecar, etag, lastModified: this.now().toISOString() };
    await mkdir(dirname(target), PRIVATE_DIR);
    await mkdir(dirname(this.sidecarPath(key)), PRIVATE_DIR);
    // Sidecar first, then the bytes: a reader that finds the bytes finds their metadata.
    const sidecarTemp = `${this.sidecarPath(key)}.${etag}.tmp`;
    await writeFile(sidecarTemp, JSON.stringify(full), PRIVATE_FILE);
    await rename(sidecarTemp, this.sidecarPath(key));
    await rename(temp, target);
    return etag;
  }

  private async sidecar(key: string): Promise<Sidecar | undefined> {
    try {
      await stat(this.objectPath(key));
      return JSON.parse(await readFile(this.sidecarPath(key), 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const meta = await this.sidecar(key);
    if (!meta) return undefined;
    return {
      key,
      size: meta.size,
      etag: meta.etag,
      lastModified: meta.lastModified,
      sha256: meta.sha256,
      metadata: meta.metadata,
    };
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const meta = await this.sidecar(key);
    if (!meta || (options.ifMatch !== undefined && options.ifMatch !== meta.etag))
      throw new ObjectChangedError(`object ${key} is gone or changed`);
    const range = options.range ? { start: options.range.start, end: options.range.end } : {};
    return Readable.toWeb(createReadStream(this.objectPath(key), range)) as ReadableStream<Uint8Array>;
  }

  async copy(fromKey: string, toKey: string, options: { ifMatch?: string } = {}): Promise<void> {
    const meta = await this.sidecar(fromKey);
    if (!meta || (options.ifMatch !== undefined && options.ifMatch !== meta.etag))
      throw new ObjectChangedError(`object ${fromKey} is gone or changed`);
    const temp = this.tempPath();
    await mkdir(dirname(temp), PRIVATE_DIR);
    // Installed files are never written in place (every write renames a new file over the
    // key), so a hard link is a safe, instant copy; other file systems get a real copy.
    await link(this.objectPath(fromKey), temp).catch(() => copyFile(this.objectPath(fromKey), temp));
    const { etag: _e, lastModified: _l, ...rest } = meta;
    await this.install(toKey, temp, rest);
  }

  async delete(key: string): Promise<void> {
    await rm(this.objectPath(key), { force: true });
    await rm(this.sidecarPath(key), { force: true });
  }

  async list(
    prefix: string,
    options: { after?: string; limit: number },
  ): Promise<{ items: ListedObject[]; lastKey?: string }> {
    const root = join(this.dir, 'object-meta');
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const key = keyPrefix + entry.name;
        if (entry.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix))
            await walk(join(dir, entry.name), `${key}/`);
        } else if (entry.name.endsWith('.json')) {
          const objectKey = key.slice(0, -'.json'.length);
          if (objectKey.startsWith(prefix) && (options.after === undefined || objectKey > options.after))
            keys.push(objectKey);
        }
      }
    };
    await walk(root, '');
    keys.sort();
    const page = keys.slice(0, options.limit);
    const items: ListedObject[] = [];
    for (const key of page) {
      const meta = await this.sidecar(key);
      if (meta) items.push({ key, size: meta.size, lastModified: meta.lastModified });
    }
    const result: { items: ListedObject[]; lastKey?: string } = { items };
    const last = page.at(-1);
    if (keys.length > options.limit && last !== undefined) result.lastKey = last;
    return result;
  }
}
