/** Retrying with exponential backoff and jitter, honouring a server's Retry-After. */

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 300, maxDelayMs: 8000 };

/** Thrown by a task to say whether, and after how long at least, it may be tried again. */
export interface RetryVerdict {
  retry: boolean;
  /** The server's Retry-After, when it sent one. */
  afterMs?: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential, with "equal jitter": half the ceiling for sure, the other half at random. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Runs `task` until it succeeds, `judge` says an error is final, or the attempts run out; the
 * last error is thrown. `onRetry` hears about each retry (for a progress line).
 */
export async function withRetry<T>(
  task: (attempt: number) => Promise<T>,
  judge: (error: unknown) => RetryVerdict,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      const verdict = judge(error);
      if (!verdict.retry || attempt + 1 >= policy.attempts) throw error;
      const delay = Math.max(verdict.afterMs ?? 0, backoffMs(policy, attempt));
      onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
