/**
 * Listing by prefix with the port's `after` (a key, not a marker). Blob listing has no
 * "start after": a continuation marker remembered for the last key returned resumes a listing
 * (pages usually follow on the same instance); otherwise the listing skips ahead from the prefix.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ListedObject } from '../../shared/ports/object-store.js';
import { asStoreError } from './storage-errors.js';

/** Continuation markers remembered, oldest dropped first. */
const REMEMBERED_MARKERS = 64;

/** Blob listings come in UTF-8 byte order (code point order). */
const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class BlobListing {
  private readonly markers = new Map<string, string>();

  constructor(private readonly container: ContainerClient) {}

  async list(
    prefix: string,
    options: { after?: string; limit: number },
  ): Promise<{ items: ListedObject[]; lastKey?: string }> {
    const { after, limit } = options;
    // Blob listing has no "start after": resume from a remembered marker, else skip ahead.
    let marker = after === undefined ? undefined : this.markers.get(`${prefix}\n${after}`);
    const skipping = after !== undefined && marker === undefined;
    const items: ListedObject[] = [];
    try {
      do {
        const pages = this.container.listBlobsFlat({ prefix }).byPage({
          maxPageSize: skipping ? 5000 : limit - items.length,
          ...(marker ? { continuationToken: marker } : {}),
        });
        const page = (await pages.next()).value;
        marker = page?.continuationToken || undefined;
        const blobs = page?.segment.blobItems ?? [];
        let taken = 0;
        for (const blob of blobs) {
          if (after !== undefined && compareKeys(blob.name, after) <= 0) {
            taken++;
            continue;
          }
          if (items.length === limit) break;
          items.push({
            key: blob.name,
            size: blob.properties.contentLength ?? 0,
            lastModified: blob.properties.lastModified.toISOString(),
          });
          taken++;
        }
        if (taken < blobs.length) {
          // Stopped inside a page: the next call skips ahead from the last key.
          const last = items.at(-1);
          return last ? { items, lastKey: last.key } : { items };
        }
      } while (items.length < limit && marker !== undefined);
    } catch (e) {
      throw asStoreError(e, `listing ${prefix}`);
    }
    const last = items.at(-1);
    if (marker === undefined || !last) return { items };
    this.remember(`${prefix}\n${last.key}`, marker);
    return { items, lastKey: last.key };
  }

  private remember(key: string, marker: string): void {
    this.markers.set(key, marker);
    if (this.markers.size > REMEMBERED_MARKERS) {
      const oldest = this.markers.keys().next().value;
      if (oldest !== undefined) this.markers.delete(oldest);
    }
  }
}
