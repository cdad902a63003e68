/**
 * What can go wrong, as a person reads it, and the exit code a script reads. The codes are
 * documented in `mreg --help` and the README: 0 ok, 1 error, 2 usage, 3 not found, 4 auth,
 * 5 integrity.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, auth: 4, integrity: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
    /** Lines printed under the message: what to do about it. */
    readonly hints: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Wrong arguments: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, hints: string[] = []) {
    super(message, EXIT.usage, hints);
    this.name = 'UsageError';
  }
}

/** Bytes that are not what the registry says they are: exit 5. */
export class IntegrityError extends CliError {
  constructor(message: string, hints: string[] = []) {
    super(message, EXIT.integrity, hints);
    this.name = 'IntegrityError';
  }
}

/** A problem+json answer of the registry (RFC 9457). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** The registry answered with an error status. */
export class RegistryRequestError extends CliError {
  /** The server's Retry-After, when it sent one. */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      problem.detail ?? problem.title ?? `${method} ${path} answered ${status}`,
      status === 404 ? EXIT.notFound : status === 401 || status === 403 ? EXIT.auth : EXIT.error,
      (problem.errors ?? []).map((issue) => `${issue.field}: ${issue.message}`),
    );
    this.name = 'RegistryRequestError';
  }
}

/** No answer at all: DNS, refused connection, TLS, timeout. */
export class UnreachableError extends CliError {
  readonly reason: string;
  /** A reset or a timeout may pass; a refused connection or an unknown host will not. */
  readonly transient: boolean;

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const { reason, transient } = networkReason(cause);
    super(`cannot reach ${url}: ${reason}`, EXIT.error, [], { cause });
    this.name = 'UnreachableError';
    this.reason = reason;
    this.transient = transient;
  }
}

/** The most specific reason Node gives for a failed fetch (`fetch failed` says nothing). */
export function networkReason(error: unknown): { reason: string; transient: boolean } {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    // Node's fetch wraps some failures in an error whose `code` is a number (0).
    const raw: unknown = (e as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : undefined;
    // undici's proxy agent, when the proxy refuses the tunnel (e.g. 407 for wrong credentials).
    const tunnel = /^Proxy response \((\d{3})\)/.exec(e.message)?.[1];
    if (tunnel)
      return {
        reason: `the proxy answered ${tunnel} to CONNECT${tunnel === '407' ? ' (check the credentials in the proxy URL)' : ''}`,
        transient: tunnel.startsWith('5'),
      };
    if (code === 'ECONNREFUSED') return { reason: 'connection refused', transient: false };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { reason: 'unknown host', transient: false };
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { reason: 'no route to host', transient: false };
    if (code?.startsWith('ERR_TLS') || code?.includes('CERT'))
      return { reason: `TLS failed (${code})`, transient: false };
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
      return { reason: 'the connection was reset', transient: true };
    if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || e.name === 'TimeoutError')
      return { reason: 'the connection timed out', transient: true };
    if (code) return { reason: code, transient: true };
    if (!e.cause) return { reason: e.message, transient: true };
    e = e.cause;
  }
  return { reason: String(e), transient: true };
}
