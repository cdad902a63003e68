/**
 * The object port: S3, Azure Blob and the local filesystem. Keys are `/`-separated and
 * already carry the registry prefix. Signed URLs let clients move bytes without the function.
 */
export interface SignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Headers the client must send with the request exactly as given. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  versionId?: string;
  lastModified?: string;
  /** Full-object SHA-256 (hex) that the storage service itself verified, when it reports one. */
  sha256?: string;
  /** User metadata (S3 `x-amz-meta-*`, blob metadata), keys lower-case. */
  metadata: Record<string, string>;
}

export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
}

export interface PutUrlOptions {
  size: number;
  sha256: string;
  contentType?: string;
  expiresInSeconds: number;
}

export interface WriteOptions {
  size?: number;
  contentType?: string;
}

export interface ReadOptions {
  /** Inclusive byte range. */
  range?: { start: number; end: number };
  /** Fails with `ObjectChangedError` unless the object still has this etag. */
  ifMatch?: string;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: string;
}

export interface ObjectStore {
  /** Largest object a single signed PUT may carry; bigger files go multipart. */
  readonly maxSinglePutBytes: number;
  /** Smallest and largest part a multipart upload takes, and the most parts. */
  readonly multipart: { minPartBytes: number; maxPartBytes: number; maxParts: number };

  presignPut(key: string, options: PutUrlOptions): Promise<SignedRequest>;
  createMultipart(key: string, options: { contentType?: string }): Promise<{ uploadId: string }>;
  /**
   * A signed URL for one part. `maxBytes` is the most this part of the plan may hold: a store
   * that can bind the size into the URL does (the local server cuts a longer stream).
   */
  presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresInSeconds: number; maxBytes: number },
  ): Promise<SignedRequest>;
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  presignGet(
    key: string,
    options: { expiresInSeconds: number; filename?: string; contentType?: string },
  ): Promise<SignedRequest>;
  /**
   * Writes bytes the function itself received (an MLflow artifact PUT) to `key`, streaming.
   * `size`, when known, is the exact length; a body of another length fails. Returns the new etag.
   */
  write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<{ etag: string }>;
  head(key: string): Promise<ObjectInfo | undefined>;
  read(key: string, options?: ReadOptions): Promise<ReadableStream<Uint8Array>>;
  /**
   * Server-side copy; with `ifMatch`, fails with `ObjectChangedError` unless the source still has
   * that etag. Into a content-addressed (create-only) area, an existing destination is left as it is.
   */
  copy(fromKey: string, toKey: string, options?: { ifMatch?: string }): Promise<void>;
  delete(key: string): Promise<void>;
  list(
    prefix: string,
    options: { after?: string; limit: number },
  ): Promise<{ items: ListedObject[]; lastKey?: string }>;
}

/** The object is gone or no longer has the etag the caller pinned. */
export class ObjectChangedError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ObjectChangedError';
  }
}
