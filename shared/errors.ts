/**
 * Typed errors of the registry. The HTTP layer maps each `kind` to a status and a
 * problem+json `type`; adapters wrap their SDK errors into these with `cause` kept.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unavailable';

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `files.0.sha256` or `header.if-match`. */
  field: string;
  message: string;
}

export class RegistryError extends Error {
  readonly kind: ErrorKind;
  readonly issues: FieldIssue[];
  readonly retryAfterSeconds?: number;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { issues?: FieldIssue[]; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RegistryError';
    this.kind = kind;
    this.issues = options.issues ?? [];
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A report's line for one item a background pass could not settle (retried on the next pass). */
export const failureLine = (what: string, error: unknown): string =>
  `${what}: ${error instanceof Error ? error.message : String(error)}`;

export const invalid = (field: string, message: string): RegistryError =>
  new RegistryError('validation', `${field}: ${message}`, { issues: [{ field, message }] });

export const notFound = (what: string): RegistryError => new RegistryError('not-found', `${what} not found`);

export const conflict = (message: string): RegistryError => new RegistryError('conflict', message);

/** A row that kept changing under a read-modify-write loop: 503, and the client may retry soon. */
export const contended = (what: string): RegistryError =>
  new RegistryError('unavailable', `${what} is changing too often; retry`, { retryAfterSeconds: 1 });

export const staleEtag = (what: string): RegistryError =>
  new RegistryError('precondition-failed', `${what} changed since it was read (If-Match does not match)`, {
    issues: [{ field: 'header.if-match', message: 'stale etag' }],
  });

export const forbidden = (message: string): RegistryError => new RegistryError('forbidden', message);

/** Raised by a MetadataStore when a conditional write does not hold. */
export class ConditionFailedError extends Error {
  /** Index of the failing operation in the batch, when the store reports it. */
  readonly index: number | undefined;
  constructor(message: string, options: { index?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ConditionFailedError';
    this.index = options.index;
  }
}

/** A store's transient failure (throttling, contention): callers may retry. */
export class RetryableStoreError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableStoreError';
  }
}

/**
 * A failure of the path to a storage service rather than of the request: a dropped or reset
 * connection, a timeout, the service's own 5xx. The caller may retry (503), and the client
 * that sent the request did nothing wrong.
 */
export function isTransientFailure(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const { code, $fault, $metadata } = error as {
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|UND_ERR_)/.test(code))
    return true;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  if (error.message === 'aborted' || /socket hang up|other side closed/i.test(error.message)) return true;
  const status = $metadata?.httpStatusCode;
  if ($fault === 'server' || (typeof status === 'number' && status >= 500)) return true;
  return isTransientFailure(error.cause, depth + 1);
}
