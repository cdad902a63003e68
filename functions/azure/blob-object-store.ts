/**
 * ObjectStore on Azure Blob storage, one container. Clients move bytes through SAS URLs
 * (blob-sas-signer.ts); large files are block blobs built from SAS-signed Put Block calls
 * and committed here with Put Block List (block-ids.ts). Azure reports no SHA-256 it checked,
 * so `head` leaves `sha256` unset and the core hashes the bytes itself.
 */
import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
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
import { BlobListing } from './blob-listing.js';
import type { BlobSasSigner } from './blob-sas-signer.js';
import { blockIdOf, checkUploadId, newUploadId, partNumberOf } from './block-ids.js';
import { rangedDownload } from './ranged-download.js';
import { asStoreError, statusOf } from './storage-errors.js';

const MIB = 1024 * 1024;
/** How long the read SAS on a copy source lives. */
const COPY_SOURCE_SAS_SECONDS = 600;
/** Reads above this size go as parallel ranged downloads, this many in flight, of this size. */
const PARALLEL_READ_MIN_BYTES = 16 * MIB;
const PARALLEL_READS = 4;
const PARALLEL_READ_CHUNK_BYTES = 8 * MIB;

/** Azure quotes etags; the ports carry them bare (as the object-created event does). */
export const bareEtag = (etag: string): string => etag.replace(/^(W\/)?"(.*)"$/, '$2');
const quotedEtag = (etag: string): string => (etag.startsWith('"') ? etag : `"${etag}"`);

export class BlobObjectStore implements ObjectStore {
  /** Put Blob takes up to 5,000 MiB. */
  readonly maxSinglePutBytes = 5000 * MIB;
  /**
   * Block blobs take up to 50,000 blocks of up to 4,000 MiB and have no minimum (tiny blocks
   * only waste requests). Parts are capped at 10,000: the API's part-URL request numbers parts
   * up to 10,000, so the core must never plan more.
   */
  readonly multipart = { minPartBytes: 4 * MIB, maxPartBytes: 4000 * MIB, maxParts: 10_000 };

  private readonly listing: BlobListing;

  constructor(
    private readonly container: ContainerClient,
    private readonly signer: BlobSasSigner,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.listing = new BlobListing(container);
  }

  private async signedUrl(
    key: string,
    permissions: string,
    expiresInSeconds: number,
    overrides: { contentDisposition?: string; contentType?: string } = {},
  ): Promise<{ url: string; expiresAt: string }> {
    const expiresOn = new Date(this.now().getTime() + expiresInSeconds * 1000);
    const sas = await this.signer.sign({
      containerName: this.container.containerName,
      blobName: key,
      permissions,
      expiresOn,
      ...overrides,
    });
    return { url: `${this.container.getBlobClient(key).url}?${sas}`, expiresAt: expiresOn.toISOString() };
  }

  async presignPut(key: string, options: PutUrlOptions): Promise<SignedRequest> {
    // Create + write only: the URL cannot read or delete. Azure cannot bind the size or the
    // SHA-256 into a SAS; the core checks both before anything becomes READY.
    const { url, expiresAt } = await this.signedUrl(key, 'cw', options.expiresInSeconds);
    const headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob' };
    if (options.contentType) headers['content-type'] = options.contentType;
    return { method: 'PUT', url, headers, expiresAt };
  }

  async createMultipart(_key: string, _options: { contentType?: string } = {}): Promise<{ uploadId: string }> {
    return { uploadId: newUploadId() }; // blocks need no server-side start
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    { expiresInSeconds }: { expiresInSeconds: number; maxBytes: number },
  ): Promise<SignedRequest> {
    if (partNumber > this.multipart.maxParts) throw new Error(`at most ${this.multipart.maxParts} parts`);
    const blockId = blockIdOf(uploadId, partNumber);
    const { url, expiresAt } = await this.signedUrl(key, 'w', expiresInSeconds);
    return { method: 'PUT', url: `${url}&comp=block&blockid=${encodeURIComponent(blockId)}`, headers: {}, expiresAt };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    checkUploadId(uploadId);
    let blocks: { name: string; size: number }[];
    try {
      const list = await this.container.getBlockBlobClient(key).getBlockList('uncommitted');
      blocks = list.uncommittedBlocks ?? [];
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw asStoreError(e, `listing the blocks of ${key}`);
    }
    const parts: UploadedPart[] = [];
    for (const block of blocks) {
      const partNumber = partNumberOf(uploadId, block.name);
      if (partNumber !== undefined) parts.push({ partNumber, size: block.size, etag: block.name });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    try {
      await this.container
        .getBlockBlobClient(key)
        .commitBlockList(ordered.map((p) => blockIdOf(uploadId, p.partNumber)));
    } catch (e) {
      throw asStoreError(e, `committing the blocks of ${key}`);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    checkUploadId(uploadId);
    // Uncommitted blocks cannot be deleted one by one; committing an empty list discards them
    // at once (instead of after 7 days). Only when no blob exists there, never over real bytes.
    const blob = this.container.getBlockBlobClient(key);
    try {
      await blob.commitBlockList([], { conditions: { ifNoneMatch: '*' } });
      await blob.deleteIfExists();
    } catch (e) {
      if (statusOf(e) === 409 || statusOf(e) === 412) return; // a blob is there: leave it
      throw asStoreError(e, `discarding the blocks of ${key}`);
    }
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; filename?: string; contentType?: string },
  ): Promise<SignedRequest> {
    const overrides: { contentDisposition?: string; contentType?: string } = {};
    if (options.filename)
      overrides.contentDisposition = `attachment; filename*=UTF-8''${encodeURIComponent(options.filename)}`;
    if (options.contentType) overrides.contentType = options.contentType;
    const { url, expiresAt } = await this.signedUrl(key, 'r', options.expiresInSeconds, overrides);
    return { method: 'GET', url, headers: {}, expiresAt };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(p.metadata ?? {})) metadata[name.toLowerCase()] = value;
      const info: ObjectInfo = { key, size: p.contentLength ?? 0, etag: bareEtag(p.etag ?? ''), metadata };
      if (p.versionId) info.versionId = p.versionId;
      if (p.lastModified) info.lastModified = p.lastModified.toISOString();
      return info;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw asStoreError(e, `reading the properties of ${key}`);
    }
  }

  async write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ etag: string }> {
    let size = 0;
    const counted = Readable.fromWeb(body as import('node:stream/web').ReadableStream).on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    try {
      const out = await this.container
        .getBlockBlobClient(key)
        .uploadStream(
          counted,
          8 * MIB,
          4,
          options.contentType ? { blobHTTPHeaders: { blobContentType: options.contentType } } : {},
        );
      if (options.size !== undefined && size !== options.size) {
        await this.delete(key);
        throw new ObjectChangedError(`writing ${key}: ${size} bytes arrived, ${options.size} were announced`);
      }
      return { etag: bareEtag(out.etag ?? '') };
    } catch (e) {
      if (e instanceof ObjectChangedError) throw e;
      throw asStoreError(e, `writing ${key}`);
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const { range, ifMatch } = options;
    const blob = this.container.getBlobClient(key);
    const changed = (e: unknown) => {
      const status = statusOf(e);
      if (status === 404 || status === 412)
        return new ObjectChangedError(`${key} is gone or no longer has etag ${ifMatch ?? '(any)'}`, { cause: e });
      return asStoreError(e, `reading ${key}`);
    };
    try {
      const wanted = range ? range.end - range.start + 1 : undefined;
      if (wanted !== undefined && wanted <= PARALLEL_READ_MIN_BYTES) return await this.readOnce(blob, options);
      // Large or whole reads: learn the size and pin the etag, then read ranges in parallel.
      const properties = await blob.getProperties({
        conditions: ifMatch === undefined ? {} : { ifMatch: quotedEtag(ifMatch) },
      });
      const size = properties.contentLength ?? 0;
      const start = range?.start ?? 0;
      const end = Math.min(range?.end ?? size - 1, size - 1);
      if (end - start + 1 <= PARALLEL_READ_MIN_BYTES || !properties.etag)
        return await this.readOnce(blob, { ...options, ifMatch: ifMatch ?? properties.etag ?? '' });
      return rangedDownload(blob, {
        start,
        end,
        etag: properties.etag,
        chunkBytes: PARALLEL_READ_CHUNK_BYTES,
        inFlight: PARALLEL_READS,
        onError: changed,
      });
    } catch (e) {
      throw changed(e);
    }
  }

  private async readOnce(
    blob: ReturnType<ContainerClient['getBlobClient']>,
    { range, ifMatch }: ReadOptions,
  ): Promise<ReadableStream<Uint8Array>> {
    const response = await blob.download(range?.start ?? 0, range ? range.end - range.start + 1 : undefined, {
      conditions: ifMatch === undefined || ifMatch === '' ? {} : { ifMatch: quotedEtag(ifMatch) },
      // A dropped connection resumes with the same etag pinned, so bytes never mix versions.
      maxRetryRequests: 5,
    });
    const body = response.readableStreamBody;
    if (!body) throw new Error(`no body for ${blob.name}`);
    return Readable.toWeb(body as Readable) as unknown as ReadableStream<Uint8Array>;
  }

  async copy(fromKey: string, toKey: string, options: { ifMatch?: string } = {}): Promise<void> {
    // The source is read through a short read-only SAS: that works with a user-delegation key
    // and with the account key alike, whatever authorizes the destination request.
    const source = await this.signedUrl(fromKey, 'r', COPY_SOURCE_SAS_SECONDS);
    try {
      const poller = await this.container.getBlobClient(toKey).beginCopyFromURL(source.url, {
        intervalInMs: 500,
        ...(options.ifMatch === undefined ? {} : { sourceConditions: { ifMatch: quotedEtag(options.ifMatch) } }),
      });
      const result = await poller.pollUntilDone();
      if (result.copyStatus !== 'success')
        throw new Error(`copying ${fromKey} to ${toKey} ended ${result.copyStatus ?? 'unknown'}`);
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 412)
        throw new ObjectChangedError(`${fromKey} is gone or no longer has etag ${options.ifMatch ?? '(any)'}`, {
          cause: e,
        });
      throw asStoreError(e, `copying ${fromKey} to ${toKey}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.container.getBlobClient(key).deleteIfExists({ deleteSnapshots: 'include' });
    } catch (e) {
      throw asStoreError(e, `deleting ${key}`);
    }
  }

  list(
    prefix: string,
    options: { after?: string; limit: number },
  ): Promise<{ items: ListedObject[]; lastKey?: string }> {
    return this.listing.list(prefix, options);
  }
}
