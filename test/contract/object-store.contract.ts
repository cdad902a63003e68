/**
 * The ObjectStore contract: one suite, run unchanged against every adapter (local files,
 * s3rver, Azurite Blob). Bytes move through the signed URLs with plain `fetch`, as clients do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectChangedError, type ObjectStore, type SignedRequest } from '../../shared/ports/object-store.js';
import { digestStream } from '../../shared/service/blobs.js';
import { OBJECT_STORE_TRAITS, SIGNATURE_TESTS } from './object-store-traits.js';

export interface ObjectStoreHarness {
  store: ObjectStore;
  /** Key prefix for this run, so suites can share a bucket. */
  prefix: string;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function sendSigned(signed: SignedRequest, body?: Uint8Array): Promise<Response> {
  return fetch(signed.url, {
    method: signed.method,
    headers: signed.headers,
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

let n = 0;

export function describeObjectStoreContract(name: string, harness: () => ObjectStoreHarness): void {
  const traits = OBJECT_STORE_TRAITS[name];
  if (!traits) throw new Error(`no entry for "${name}" in OBJECT_STORE_TRAITS`);
  const coveredBy = traits.signaturesCoveredBy;
  /** A signature test: declared only where the server checks signatures (never skipped). */
  const itSigned = (test: (typeof SIGNATURE_TESTS)[number], fn: () => Promise<void>) => {
    if (!coveredBy) it(test, fn);
  };
  describe(`ObjectStore contract: ${name}`, () => {
    if (coveredBy)
      afterAll(() => {
        // Said once per suite in the run's output, so the missing tests are not a silent gap.
        console.info(
          `ObjectStore contract: ${name}: signature tests not declared (${coveredBy.reason}); the "${coveredBy.suite}" suite runs them`,
        );
      });
    const h = () => harness();
    const key = (leaf: string) => `${h().prefix}c${n++}/${leaf}`;

    async function upload(k: string, bytes: Uint8Array): Promise<void> {
      const signed = await h().store.presignPut(k, {
        size: bytes.length,
        sha256: sha(bytes),
        contentType: 'application/octet-stream',
        expiresInSeconds: 300,
      });
      expect(signed.method).toBe('PUT');
      expect(Date.parse(signed.expiresAt)).toBeGreaterThan(Date.now());
      const res = await sendSigned(signed, bytes);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    }

    it('uploads through a signed PUT and reads back size, bytes and ranges', async () => {
      const bytes = randomBytes(100_000);
      const k = key('model.bin');
      await upload(k, bytes);
      const info = await h().store.head(k);
      expect(info?.size).toBe(bytes.length);
      expect(info?.etag).toBeTruthy();
      expect(await bytesOf(await h().store.read(k))).toEqual(bytes);
      const part = await bytesOf(await h().store.read(k, { range: { start: 10, end: 1009 } }));
      expect(part).toEqual(bytes.subarray(10, 1010));
      const digest = await digestStream(await h().store.read(k));
      expect(digest).toEqual({ sha256: sha(bytes), size: bytes.length });
    });

    it(
      traits.vouchesSha256
        ? 'head reports the SHA-256 the server vouches for, of bytes uploaded with their checksum'
        : 'head reports no SHA-256 where the server vouches for none, so the registry hashes',
      async () => {
        const bytes = randomBytes(4096);
        const k = key('checksummed.bin');
        await upload(k, bytes);
        const info = await h().store.head(k);
        expect(info?.size).toBe(bytes.length);
        // Uploaded with its checksum; where the server does not vouch for it, an adapter must not invent one.
        expect(info?.sha256).toBe(traits.vouchesSha256 ? sha(bytes) : undefined);
      },
    );

    it('downloads through a signed GET with the file name', async () => {
      const bytes = randomBytes(5000);
      const k = key('weights.safetensors');
      await upload(k, bytes);
      const signed = await h().store.presignGet(k, { expiresInSeconds: 300, filename: 'weights.safetensors' });
      const res = await sendSigned(signed);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    });

    it('head of a missing object is undefined; deleting a missing object is fine', async () => {
      expect(await h().store.head(key('missing'))).toBeUndefined();
      await h().store.delete(key('missing'));
    });

    it('copies server-side and deletes', async () => {
      const bytes = randomBytes(2048);
      const from = key('from');
      const to = key('to/blob');
      await upload(from, bytes);
      await h().store.copy(from, to);
      expect(await bytesOf(await h().store.read(to))).toEqual(bytes);
      await h().store.delete(from);
      expect(await h().store.head(from)).toBeUndefined();
      expect((await h().store.head(to))?.size).toBe(2048);
    });

    it('a read pinned to a stale etag fails with ObjectChangedError', async () => {
      const k = key('pinned');
      await upload(k, randomBytes(10));
      const first = await h().store.head(k);
      await upload(k, randomBytes(11));
      await expect(h().store.read(k, { ifMatch: first?.etag ?? '' })).rejects.toBeInstanceOf(ObjectChangedError);
    });

    it('lists by prefix in key order, page by page, with odd keys intact', async () => {
      const base = key('list');
      const leaves = ['a b.bin', 'c+d.bin', 'e%20f.bin', 'ünï/模型.bin', 'z/deep/er.bin'];
      for (const leaf of leaves) await upload(`${base}/${leaf}`, randomBytes(3));
      await upload(`${base}-sibling`, randomBytes(3));
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await h().store.list(`${base}/`, { after, limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const item of page.items) {
          expect(item.size).toBe(3);
          expect(Number.isNaN(Date.parse(item.lastModified))).toBe(false);
        }
        seen.push(...page.items.map((i) => i.key));
        after = page.lastKey;
      } while (after !== undefined);
      expect(seen).toEqual(leaves.map((l) => `${base}/${l}`).sort());
    });

    it('writes a streamed body the function received, of known or unknown length', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 7);
      const k = key('written.bin');
      const { etag } = await h().store.write(k, new Blob([bytes]).stream(), {
        size: bytes.length,
        contentType: 'text/plain',
      });
      const info = await h().store.head(k);
      expect(info?.size).toBe(bytes.length);
      expect(info?.etag).toBe(etag);
      expect(sha(await bytesOf(await h().store.read(k)))).toBe(sha(bytes));
      const k2 = key('unsized.bin');
      await h().store.write(k2, new Blob([bytes.subarray(0, 1000)]).stream(), {});
      expect((await h().store.head(k2))?.size).toBe(1000);
    });

    it('a written body shorter than announced is refused and leaves nothing', async () => {
      const k = key('short.bin');
      await expect(h().store.write(k, new Blob([randomBytes(100)]).stream(), { size: 200 })).rejects.toThrow();
      expect(await h().store.head(k)).toBeUndefined();
    });

    it('multipart: parts through signed URLs, listed, completed into one object', async () => {
      const k = key('big.bin');
      const partSize = h().store.multipart.minPartBytes;
      const part1 = randomBytes(partSize);
      const part2 = randomBytes(1234);
      const { uploadId } = await h().store.createMultipart(k, {});
      const answered: Array<string | null> = [];
      for (const [i, bytes] of [part1, part2].entries()) {
        const signed = await h().store.presignPart(k, uploadId, i + 1, { expiresInSeconds: 300, maxBytes: partSize });
        const res = await sendSigned(signed, bytes);
        expect(res.status, await res.clone().text()).toBeLessThan(300);
        answered.push(res.headers.get('etag'));
      }
      const parts = await h().store.listParts(k, uploadId);
      expect(parts.map((p) => [p.partNumber, p.size])).toEqual([
        [1, part1.length],
        [2, part2.length],
      ]);
      // Where a part's PUT answers an ETag, the listing reports that same one (a resuming client matches them).
      const bare = (etag: string | null | undefined) => (etag ?? '').replace(/"/g, '');
      for (const [i, etag] of answered.entries()) if (etag) expect(bare(parts[i]?.etag)).toBe(bare(etag));
      await h().store.completeMultipart(k, uploadId, parts);
      const whole = Buffer.concat([part1, part2]);
      expect((await h().store.head(k))?.size).toBe(whole.length);
      expect((await digestStream(await h().store.read(k))).sha256).toBe(sha(whole));
    });

    it('an aborted multipart upload leaves nothing: no object, no parts', async () => {
      const k = key('aborted.bin');
      const { uploadId } = await h().store.createMultipart(k, {});
      const signed = await h().store.presignPart(k, uploadId, 1, { expiresInSeconds: 300, maxBytes: 100 });
      const res = await sendSigned(signed, randomBytes(100));
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      expect((await h().store.listParts(k, uploadId)).map((p) => [p.partNumber, p.size])).toEqual([[1, 100]]);
      await h().store.abortMultipart(k, uploadId);
      expect(await h().store.listParts(k, uploadId)).toEqual([]);
      expect(await h().store.head(k)).toBeUndefined();
    });

    itSigned('rejects a tampered signature, and a URL signed for another key', async () => {
      const bytes = randomBytes(10);
      const k = key('tamper');
      const signed = await h().store.presignPut(k, { size: 10, sha256: sha(bytes), expiresInSeconds: 300 });
      const url = new URL(signed.url);
      // The signature itself (S3's X-Amz-Signature, Azure's and the local store's sig), not X-Amz-SignedHeaders.
      const sigParam = [...url.searchParams.keys()].find((p) => /^(x-amz-signature|sig)$/i.test(p)) ?? 'sig';
      // Its first character changed (to x, or to y where it was x: a base64 SAS signature starts
      // with x one time in 64, and then "tampering" left it as it was).
      const sig = url.searchParams.get(sigParam) ?? '';
      url.searchParams.set(sigParam, `${sig.startsWith('x') ? 'y' : 'x'}${sig.slice(1)}`);
      const res = await fetch(url, { method: 'PUT', headers: signed.headers, body: bytes });
      expect(res.status).toBe(403);
      expect(await h().store.head(k)).toBeUndefined();
      // A URL signed for one key does not write another.
      const other = new URL(signed.url.replace('/tamper', '/tamper2'));
      const res2 = await fetch(other, { method: 'PUT', headers: signed.headers, body: bytes });
      expect(res2.status).toBe(403);
    });

    itSigned('rejects an expired URL', async () => {
      const k = key('expired');
      const bytes = randomBytes(10);
      await upload(k, bytes);
      const signed = await h().store.presignGet(k, { expiresInSeconds: 1 });
      await new Promise((r) => setTimeout(r, 2100));
      const res = await sendSigned(signed);
      expect(res.status).toBe(403);
    });
  });
}
