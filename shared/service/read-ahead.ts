/**
 * A read started before it is needed, so that it shares a round trip to the store with others.
 * When an earlier step fails, it is never awaited: its own failure must then not surface as an
 * unhandled rejection. Awaited later, it still rejects as the read did.
 */
export function readAhead<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}
