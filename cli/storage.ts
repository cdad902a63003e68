/** Talking to storage through signed URLs: its errors, and which of them are worth another try. */
import { networkReason } from './errors.js';
import type { RetryVerdict } from './retry.js';

/** A signed PUT or GET that failed: status 0 when no answer came. */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    detail: unknown,
  ) {
    const host = (() => {
      try {
        return new URL(url).host;
      } catch {
        return 'storage';
      }
    })();
    super(
      status === 0
        ? `${method} to ${host} failed: ${networkReason(detail).reason}`
        : `${method} to ${host} answered ${status}${typeof detail === 'string' && detail ? `: ${detail.slice(0, 200)}` : ''}`,
      status === 0 ? { cause: detail } : undefined,
    );
    this.name = 'StorageError';
  }
}

/**
 * Lost connections, timeouts, 5xx, 429 and 408 pass; 403 usually means the signed URL expired
 * (the caller signs again). Other 4xx answers are final, and so is an abort.
 */
export function storageVerdict(error: unknown): RetryVerdict {
  if (!(error instanceof StorageError)) return { retry: false };
  if (error.status === 0) {
    const cause = error.cause as { name?: string } | undefined;
    return { retry: cause?.name !== 'AbortError' };
  }
  return { retry: error.status >= 500 || error.status === 429 || error.status === 408 || error.status === 403 };
}
