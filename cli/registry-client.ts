/**
 * A small typed client of the registry's HTTP API (what the CLI and the benchmarks use).
 * Every JSON request says so (`Content-Type: application/json`); an unreachable registry and
 * an error answer become typed errors; a request that is safe to repeat is retried on a lost
 * connection or a 503/429, with backoff.
 */
import { type Problem, RegistryRequestError, UnreachableError } from './errors.js';
import { DEFAULT_RETRY, type RetryPolicy, type RetryVerdict, withRetry } from './retry.js';

export { RegistryRequestError } from './errors.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  retry?: RetryPolicy;
}

export interface UploadInstruction {
  path: string;
  method?: 'PUT';
  url?: string;
  headers?: Record<string, string>;
  multipart?: { uploadId: string; partSize: number; partCount: number };
}

export interface VersionFile {
  path: string;
  size: number;
  sha256: string;
  contentType?: string;
}

export interface VersionView {
  model: string;
  version: number;
  label?: string;
  state: string;
  files: VersionFile[];
  verification?: { status: string; reasons: string[] };
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

const API_TIMEOUT_MS = 120_000;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Network failures and "busy" answers are worth another try; anything else the caller must see. */
export function transientVerdict(error: unknown): RetryVerdict {
  if (error instanceof UnreachableError) return { retry: error.transient };
  if (error instanceof RegistryRequestError && (error.status === 503 || error.status === 429)) {
    const after = error.retryAfterSeconds;
    return after === undefined ? { retry: true } : { retry: true, afterMs: after * 1000 };
  }
  return { retry: false };
}

export class RegistryClient {
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    /** `retry: true`: the caller knows this POST is safe to repeat (a commit, signing part URLs). */
    options: { retry?: boolean } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const once = () => this.send<T>(method, path, body, headers);
    // A POST is repeated only under an idempotency key (the registry then replays it) or when the caller says so.
    const repeatable =
      options.retry === true ||
      IDEMPOTENT.has(method) ||
      Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key');
    if (!repeatable) return once();
    return withRetry(once, transientVerdict, this.options.retry ?? DEFAULT_RETRY);
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
          // Every request that could carry JSON says it does (the registry refuses other types).
          ...(method !== 'GET' && method !== 'HEAD' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        redirect: 'manual',
        // An API call answers in seconds; one that hangs is treated as a lost connection.
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
    } catch (e) {
      throw new UnreachableError(this.baseUrl, e);
    }
    const text = await res.text();
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { detail: text.slice(0, 300) };
      }
    }
    if (res.status >= 400) {
      const error = new RegistryRequestError(res.status, parsed as Problem, method, path);
      const retryAfter = Number(res.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfterSeconds = retryAfter;
      throw error;
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Every item of a paged list, following `nextPageToken`, up to `limit` items. */
  async list<T>(path: string, query: Record<string, string> = {}, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
    const items: T[] = [];
    let token: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, pageSize: String(Math.min(1000, limit - items.length)) });
      if (token) params.set('pageToken', token);
      const { body }: { body: Page<T> } = await this.call<Page<T>>('GET', `${path}?${params}`);
      items.push(...body.items);
      token = body.nextPageToken;
    } while (token && items.length < limit);
    return items.slice(0, limit);
  }

  static modelPath = (model: string) => `/v1/models/${encodeURIComponent(model)}`;
  static versionPath = (model: string, ref: string) =>
    `${RegistryClient.modelPath(model)}/versions/${encodeURIComponent(ref)}`;
  static filePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
}
