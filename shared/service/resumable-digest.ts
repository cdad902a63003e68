/**
 * SHA-256 of a stored object by ranged reads, resumable: when the time budget runs out the
 * hash state is saved, and a later invocation continues from the same offset, as long as the
 * object still has the same etag. This is how a verifier with a 15 minute limit checks a 100 GB
 * file. With a hasher that cannot save (the request path's native one) it hashes to the end.
 */
import { RetryableStoreError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Sha256Factory } from '../ports/sha256.js';

export interface HashProgress {
  etag: string;
  offset: number;
  /** The saved hash state, base64. */
  state: string;
}

export type DigestOutcome = { done: true; sha256: string } | { done: false; progress: HashProgress };

export const DIGEST_RANGE_BYTES = 64 * 1024 * 1024;

export async function digestObject(
  objects: ObjectStore,
  key: string,
  object: { size: number; etag: string },
  options: {
    sha256: Sha256Factory;
    progress?: HashProgress;
    deadlineMs: number;
    now?: () => number;
    rangeBytes?: number;
  },
): Promise<DigestOutcome> {
  const { progress, sha256 } = options;
  const now = options.now ?? Date.now;
  const rangeBytes = options.rangeBytes ?? DIGEST_RANGE_BYTES;
  const resume = sha256.resumable && progress?.etag === object.etag && progress.offset <= object.size;
  const hasher = resume ? await sha256.create(Buffer.from(progress.state, 'base64')) : await sha256.create();
  let offset = resume ? progress.offset : 0;
  while (offset < object.size) {
    const end = Math.min(offset + rangeBytes, object.size) - 1;
    const reader = (await objects.read(key, { range: { start: offset, end }, ifMatch: object.etag })).getReader();
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hasher.update(value);
      received += value.byteLength;
    }
    // A connection cut mid-body can end a stream early without an error: never hash a short read.
    if (received !== end - offset + 1)
      throw new RetryableStoreError(`short read of ${key}: ${received} of ${end - offset + 1} bytes at ${offset}`);
    offset = end + 1;
    if (offset < object.size && sha256.resumable && now() >= options.deadlineMs)
      return {
        done: false,
        progress: { etag: object.etag, offset, state: Buffer.from(hasher.save()).toString('base64') },
      };
  }
  return { done: true, sha256: hasher.hex() };
}
