/**
 * Reads a large blob as several ranged downloads in flight, delivered in order, every range
 * pinned to one etag. One Azure download stream runs at tens of MB/s; the verifier hashes
 * gigabytes, so a few ranges in parallel keep the hash fed. Memory: `inFlight` x `chunkBytes`.
 */
import type { BlobClient } from '@azure/storage-blob';

export interface RangedDownloadOptions {
  start: number;
  /** Inclusive. */
  end: number;
  /** Every range must come from this version of the blob. */
  etag: string;
  chunkBytes: number;
  inFlight: number;
  /** Maps an SDK failure to the adapter's error. */
  onError: (e: unknown) => unknown;
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Uint8Array> {
  if (!stream) throw new Error('a ranged download had no body');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export function rangedDownload(blob: BlobClient, options: RangedDownloadOptions): ReadableStream<Uint8Array> {
  const { start, end, etag, chunkBytes, inFlight } = options;
  const pending: Promise<Uint8Array>[] = [];
  let next = start;
  const fetchNext = () => {
    if (next > end) return;
    const offset = next;
    const count = Math.min(chunkBytes, end - offset + 1);
    next += count;
    const chunk = blob
      .download(offset, count, { conditions: { ifMatch: etag }, maxRetryRequests: 5 })
      .then((response) => readAll(response.readableStreamBody));
    chunk.catch(() => undefined); // observed when its turn comes; no unhandled rejection meanwhile
    pending.push(chunk);
  };
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      while (pending.length < inFlight && next <= end) fetchNext();
      const chunk = pending.shift();
      if (!chunk) {
        controller.close();
        return;
      }
      try {
        controller.enqueue(await chunk);
      } catch (e) {
        controller.error(options.onError(e));
      }
    },
    cancel: () => {
      pending.length = 0;
      next = end + 1;
    },
  });
}
