/**
 * ObjectStore on one S3 bucket. Clients move bytes through presigned URLs; the PUT URL signs
 * the content length and `x-amz-checksum-sha256`, so S3 itself refuses other bytes. The client
 * must be built with `requestChecksumCalculation: 'WHEN_REQUIRED'` (otherwise the SDK signs an
 * empty body's CRC32 into every URL).
 */

import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /**
   * Key prefixes whose objects are written once (the content-addressed blob area): a signed PUT
   * there also signs `If-None-Match: *`, so S3 refuses to overwrite existing bytes.
   */
  createOnlyPrefixes?: string[];
  /** Sources above this size are copied part by part (`UploadPartCopy`); S3's CopyObject stops at 5 GiB. */
  singleCopyMaxBytes?: number;
  now?: () => Date;
}

/** S3 quotes ETags; the registry (and S3 event notifications) use them bare. */
const bareEtag = (etag: string | undefined): string => (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
const quoted = (etag: string): string => `"${bareEtag(etag)}"`;

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/**
 * Passes `size` bytes on and calls `mismatch` when the stream carries any other number (the
 * caller aborts the upload: S3 would otherwise wait for bytes that never come).
 */
function exactLength(body: ReadableStream<Uint8Array>, size: number, mismatch: (why: string) => void) {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen <= size) return controller.enqueue(chunk);
        mismatch(`more than the ${size} bytes announced`);
        controller.terminate();
      },
      flush() {
        if (seen < size) mismatch(`${seen} bytes arrived, ${size} were announced`);
      },
    }),
  );
}

const statusOf = (e: unknown): number | undefined =>
  e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;

const isMissing = (e: unknown): boolean =>
  statusOf(e) === 404 || (e instanceof Error && ['NotFound', 'NoSuchKey', 'NoSuchUpload'].includes(e.name));

const isPreconditionFailed = (e: unknown): boolean =>
  statusOf(e) === 412 || (e instanceof Error && e.name === 'PreconditionFailed');

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export class S3ObjectStore implements ObjectStore {
  readonly maxSinglePutBytes = 5 * GIB;
  readonly multipart = { minPartBytes: 5 * MIB, maxPartBytes: 5 * GIB, maxParts: 10_000 };

  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly singleCopyMaxBytes: number;
  private readonly createOnlyPrefixes: string[];
  private readonly now: () => Date;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.singleCopyMaxBytes = options.singleCopyMaxBytes ?? 5 * GIB;
    this.createOnlyPrefixes = options.createOnlyPrefixes ?? [];
    this.now = options.now ?? (() => new Date());
  }

  private expiresAt(seconds: number): string {
    return new Date(this.now().getTime() + seconds * 1000).toISOString();
  }

  async presignPut(key: string, options: PutUrlOptions): Promise<SignedRequest> {
    const checksum = hexToBase64(options.sha256);
    const createOnly = this.isCreateOnly(key);
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentLength: options.size,
      ChecksumSHA256: checksum,
      ...(options.contentType ? { ContentType: options.contentType } : {}),
      ...(createOnly ? { IfNoneMatch: '*' } : {}),
    });
    const signed = ['content-length', 'x-amz-checksum-sha256', ...(createOnly ? ['if-none-match'] : [])];
    const url = await getSignedUrl(this.client, command, {
      expiresIn: options.expiresInSeconds,
      signableHeaders: new Set(signed),
      // Kept a header (not a query parameter) so S3 checks the body against it.
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    const headers: Record<string, string> = {
      'content-length': String(options.size),
      'x-amz-checksum-sha256': checksum,
    };
    if (options.contentType) headers['content-type'] = options.contentType;
    if (createOnly) headers['if-none-match'] = '*';
    return { method: 'PUT', url, headers, expiresAt: this.expiresAt(options.expiresInSeconds) };
  }

  async createMultipart(key: string, options: { contentType?: string }): Promise<{ uploadId: string }> {
    const out = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      }),
    );
    if (!out.UploadId) throw new Error(`S3 returned no upload id for ${key}`);
    return { uploadId: out.UploadId };
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    { expiresInSeconds }: { expiresInSeconds: number; maxBytes: number },
  ): Promise<SignedRequest> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
    return { method: 'PUT', url, headers: {}, expiresAt: this.expiresAt(expiresInSeconds) };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        );
        for (const p of out.Parts ?? [])
          if (p.PartNumber !== undefined)
            parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: bareEtag(p.ETag) });
        marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: UploadedPart[],
    conditions: { ifNoneMatch?: '*' } = {},
  ): Promise<void> {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        ...(conditions.ifNoneMatch ? { IfNoneMatch: conditions.ifNoneMatch } : {}),
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((p) => ({ PartNumber: p.partNumber, ETag: quoted(p.etag) })),
        },
      }),
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; filename?: string; contentType?: string },
  ): Promise<SignedRequest> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.filename ? { ResponseContentDisposition: contentDisposition(options.filename) } : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    return { method: 'GET', url, headers: {}, expiresAt: this.expiresAt(options.expiresInSeconds) };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      const info: ObjectInfo = {
        key,
        size: out.ContentLength ?? 0,
        etag: bareEtag(out.ETag),
        metadata: Object.fromEntries(Object.entries(out.Metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      };
      if (out.VersionId && out.VersionId !== 'null') info.versionId = out.VersionId;
      if (out.LastModified) info.lastModified = out.LastModified.toISOString();
      const sha256 = fullObjectSha256(out.ChecksumSHA256, out.ChecksumType);
      if (sha256) info.sha256 = sha256;
      return info;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ etag: string }> {
    // PutObject needs a length up front: a body of unknown length is read into memory first
    // (the function's own body limit bounds it).
    const bytes = options.size === undefined ? new Uint8Array(await new Response(body).arrayBuffer()) : undefined;
    const abort = new AbortController();
    let refused: string | undefined;
    const stream = () =>
      exactLength(body, options.size ?? 0, (why) => {
        refused = why;
        abort.abort();
      });
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes ?? Readable.fromWeb(stream() as import('node:stream/web').ReadableStream),
          ContentLength: bytes?.byteLength ?? options.size,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
        }),
        { abortSignal: abort.signal },
      );
      return { etag: bareEtag(out.ETag) };
    } catch (e) {
      if (refused !== undefined) throw new ObjectChangedError(`writing ${key}: ${refused}`, { cause: e });
      throw e;
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(options.range ? { Range: `bytes=${options.range.start}-${options.range.end}` } : {}),
          ...(options.ifMatch !== undefined ? { IfMatch: quoted(options.ifMatch) } : {}),
        }),
      );
      if (!out.Body) throw new Error(`S3 returned no body for ${key}`);
      return out.Body.transformToWebStream() as ReadableStream<Uint8Array>;
    } catch (e) {
      if (isMissing(e) || isPreconditionFailed(e))
        throw new ObjectChangedError(`object ${key} is gone or changed`, { cause: e });
      throw e;
    }
  }

  async copy(fromKey: string, toKey: string, options: { ifMatch?: string } = {}): Promise<void> {
    const source = `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
    const ifMatch = options.ifMatch !== undefined ? { CopySourceIfMatch: quoted(options.ifMatch) } : {};
    const createOnly = this.isCreateOnly(toKey);
    // A create-only (content-addressed) object that exists holds these bytes already: it is never
    // rewritten, so a reader or a second writer cannot meet it half-replaced.
    if (createOnly && (await this.head(toKey))) return;
    try {
      // One HEAD per copy (copies happen once per ingested blob) tells which copy S3 takes.
      const current = await this.head(fromKey);
      if (!current) throw new ObjectChangedError(`object ${fromKey} is gone`);
      const size = current.size;
      if (size > this.singleCopyMaxBytes) {
        await this.copyInParts(source, toKey, size, ifMatch, createOnly);
        return;
      }
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: source,
          ...ifMatch,
          ...(createOnly ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (e) {
      // Another writer's copy landed first (412 on If-None-Match, 409 while it was in flight).
      if (createOnly && (isPreconditionFailed(e) || statusOf(e) === 409) && (await this.head(toKey))) return;
      if (isMissing(e) || isPreconditionFailed(e))
        throw new ObjectChangedError(`object ${fromKey} is gone or changed`, { cause: e });
      throw e;
    }
  }

  private isCreateOnly(key: string): boolean {
    return this.createOnlyPrefixes.some((p) => key.startsWith(p));
  }

  /** Copies an object larger than one CopyObject takes, 1 GiB per part, every part pinned to the same etag. */
  private async copyInParts(
    source: string,
    toKey: string,
    size: number,
    ifMatch: { CopySourceIfMatch?: string },
    createOnly: boolean,
  ): Promise<void> {
    const { uploadId } = await this.createMultipart(toKey, {});
    try {
      const partBytes = Math.max(this.multipart.minPartBytes, Math.min(GIB, this.singleCopyMaxBytes));
      const parts: UploadedPart[] = [];
      for (let start = 0, partNumber = 1; start < size; start += partBytes, partNumber++) {
        const end = Math.min(size, start + partBytes) - 1;
        const out = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: toKey,
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
            ...ifMatch,
          }),
        );
        parts.push({ partNumber, size: end - start + 1, etag: bareEtag(out.CopyPartResult?.ETag) });
      }
      await this.completeMultipart(toKey, uploadId, parts, createOnly ? { ifNoneMatch: '*' } : {});
    } catch (e) {
      await this.abortMultipart(toKey, uploadId).catch(() => undefined);
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(
    prefix: string,
    options: { after?: string; limit: number },
  ): Promise<{ items: ListedObject[]; lastKey?: string }> {
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        MaxKeys: options.limit,
        ...(options.after !== undefined ? { StartAfter: options.after } : {}),
      }),
    );
    const items: ListedObject[] = (out.Contents ?? []).flatMap((o) =>
      o.Key === undefined
        ? []
        : [{ key: o.Key, size: o.Size ?? 0, lastModified: (o.LastModified ?? new Date(0)).toISOString() }],
    );
    const result: { items: ListedObject[]; lastKey?: string } = { items };
    const last = items.at(-1);
    if (out.IsTruncated && last) result.lastKey = last.key;
    return result;
  }
}

/**
 * S3 reports a full-object SHA-256 only for single PUTs that carried one; a multipart
 * upload's is a checksum of checksums (`...-N`, type COMPOSITE) and says nothing about the bytes.
 */
export function fullObjectSha256(checksum: string | undefined, type: string | undefined): string | undefined {
  if (!checksum || type === 'COMPOSITE' || checksum.includes('-')) return undefined;
  const hex = base64ToHex(checksum);
  return hex.length === 64 ? hex : undefined;
}
