/** Talking to storage through signed URLs: its errors, and which of them are worth another try. */
import { CliError, EXIT, networkReason } from './errors.js';
import type { RetryVerdict } from './retry.js';

/** What a storage error body says, in one line: S3's XML `<Code>`/`<Message>`, a problem+json detail, or text. */
export function storageDetail(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code || message) return [code, message].filter(Boolean).join(': ');
  try {
    const problem = JSON.parse(body) as { detail?: string; title?: string };
    if (problem.detail || problem.title) return problem.detail ?? problem.title ?? '';
  } catch {
    // Not JSON: the text itself.
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** A signed PUT or GET that failed: status 0 when no answer came. */
export class StorageError extends CliError {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly url: string,
    detail: unknown,
  ) {
    let host = 'storage';
    try {
      host = new URL(url).host;
    } catch {
      // An unparsable URL: say "storage".
    }
    const said = typeof detail === 'string' ? storageDetail(detail) : '';
    super(
      status === 0
        ? `${method} to ${host} failed: ${networkReason(detail).reason}`
        : `${method} to ${host} answered ${status}${said ? ` (${said})` : ''}`,
      EXIT.error,
      status === 0 ? [`the registry hands out URLs on ${host}: is it reachable from here?`] : [],
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
