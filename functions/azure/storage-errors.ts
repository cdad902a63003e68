/**
 * Reads the SDKs' `RestError`s structurally (the class lives in a transitive package) and
 * tells transient failures apart, so adapters can raise the core's typed errors.
 */
import { RegistryError, RetryableStoreError } from '../../shared/errors.js';

interface RestErrorShape {
  name?: unknown;
  statusCode?: unknown;
  code?: unknown;
  details?: unknown;
  message?: unknown;
}

const shape = (e: unknown): RestErrorShape => (typeof e === 'object' && e !== null ? (e as RestErrorShape) : {});

export const statusOf = (e: unknown): number | undefined => {
  const status = shape(e).statusCode;
  return typeof status === 'number' ? status : undefined;
};

/** The service's error code: Table puts it in `details.odataError.code`, Blob in `details.errorCode` or `code`. */
export const serviceCodeOf = (e: unknown): string | undefined => {
  const { code, details } = shape(e);
  if (typeof details === 'object' && details !== null) {
    const d = details as { errorCode?: unknown; odataError?: { code?: unknown } };
    if (typeof d.odataError?.code === 'string') return d.odataError.code;
    if (typeof d.errorCode === 'string') return d.errorCode;
  }
  return typeof code === 'string' ? code : undefined;
};

const TRANSIENT_CODES = new Set([
  'ServerBusy',
  'OperationTimedOut',
  'InternalError',
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Throttling (429, 503), timeouts and dropped connections: worth another try later. */
export function isTransient(e: unknown): boolean {
  const status = statusOf(e);
  if (status === 408 || status === 429 || status === 500 || status === 503 || status === 504) return true;
  const code = serviceCodeOf(e);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  // A RestError with no status never got a whole response (e.g. "Error reading response as text: aborted").
  return shape(e).name === 'RestError' && status === undefined;
}

/** Table limits a request can hit with data the core accepted (a long key, a huge item). */
const TOO_LARGE_CODES = new Set(['EntityTooLarge', 'PropertyValueTooLarge', 'KeyValueTooLarge', 'RequestBodyTooLarge']);

/**
 * Wraps transient failures as `RetryableStoreError` and size limits as a 413-kind
 * `RegistryError` (cause kept); anything else is returned unchanged.
 */
export function asStoreError(e: unknown, what: string): unknown {
  if (isTransient(e))
    return new RetryableStoreError(`${what}: the storage service is busy or unreachable`, { cause: e });
  const code = serviceCodeOf(e);
  if (code !== undefined && TOO_LARGE_CODES.has(code))
    return new RegistryError('payload-too-large', `${what}: beyond a storage limit (${code})`, { cause: e });
  return e;
}
