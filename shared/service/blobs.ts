/**
 * Content-addressed blobs. A BLOB# row is the only proof the registry holds some bytes; a
 * version claims a blob with a REF row written in the same batch as a touch of the BLOB row,
 * so the collector's conditional delete and a claim cannot both succeed.
 *
 * Writers put the BLOB row (WRITING) before copying bytes in; the collector marks it
 * DELETING, deletes the bytes, then the row. A missing row therefore means no collector is
 * touching those bytes.
 */
import { createHash } from 'node:crypto';
import { keys, objectKeys } from '../domain/keys.js';
import { ConditionFailedError, contended } from '../errors.js';
import type { RegistryContext } from './context.js';
import type { BlobRow } from './records.js';

const ATTEMPTS = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Server-side copies run well above this; a WRITING row older than the setting plus this much time for its size is abandoned. */
const COPY_BYTES_PER_MS = 50_000;
const writeStaleMs = (ctx: RegistryContext, size: number): number =>
  ctx.settings.blobWriteStaleSeconds * 1000 + size / COPY_BYTES_PER_MS;

/** Who claims a blob: a model version, or another holder (a run's or a logged model's artifact, by its key). */
export type Claim = { model: string; version: number } | { holder: string };

const refKey = (claim: Claim): string =>
  'holder' in claim ? keys.blobHolderRef(claim.holder) : keys.blobRef(claim.model, claim.version);

const refRow = (ctx: RegistryContext, claim: Claim) => ({
  op: 'put' as const,
  sk: refKey(claim),
  data: { ...claim, at: ctx.clock.now().toISOString() },
});

/** Claims bytes the registry already holds. Returns false when it does not hold them (or they are being collected). */
export async function claimHeldBlob(
  ctx: RegistryContext,
  sha256: string,
  size: number,
  claim: Claim,
): Promise<boolean> {
  const pk = keys.blob(sha256);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const blob = await ctx.metadata.get<BlobRow>(pk, keys.meta);
    if (blob?.data.state !== 'HELD' || blob.data.size !== size) return false;
    try {
      await ctx.metadata.batch(pk, [
        {
          op: 'put',
          sk: keys.meta,
          data: { ...blob.data, lastClaimAt: ctx.clock.now().toISOString() },
          if: { etag: blob.etag },
        },
        refRow(ctx, claim),
      ]);
      return true;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  return false;
}

/** Moves verified staged bytes into the blob area (unless already held) and claims them. */
export async function ingestBlob(
  ctx: RegistryContext,
  sha256: string,
  size: number,
  staged: { key: string; etag: string },
  claim: Claim,
): Promise<void> {
  const pk = keys.blob(sha256);
  const blobKey = objectKeys(ctx.settings.prefix).blob(sha256);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = ctx.clock.now().toISOString();
    const blob = await ctx.metadata.get<BlobRow>(pk, keys.meta);
    try {
      if (!blob) {
        const writing: BlobRow = { sha256, size, state: 'WRITING', createdAt: now, lastClaimAt: now };
        await ctx.metadata.batch(pk, [
          { op: 'put', sk: keys.meta, data: writing, if: { absent: true } },
          refRow(ctx, claim),
        ]);
        try {
          await ctx.objects.copy(staged.key, blobKey, { ifMatch: staged.etag });
        } catch (e) {
          await abandonWriting(ctx, sha256, now, claim);
          throw e;
        }
        const written = await ctx.metadata.get<BlobRow>(pk, keys.meta);
        if (written?.data.state === 'WRITING')
          await ctx.metadata.batch(pk, [
            { op: 'put', sk: keys.meta, data: { ...written.data, state: 'HELD' }, if: { etag: written.etag } },
          ]);
        return;
      }
      if (blob.data.state === 'DELETING') {
        await pause(50 * 2 ** attempt);
        continue;
      }
      if (blob.data.state === 'WRITING' && !(await ctx.objects.head(blobKey).then((o) => o?.size === size))) {
        // Another writer is copying these bytes in. A second copy would race it (a store that
        // replaces objects non-atomically can lose both) and repeat a maybe huge copy: wait for
        // its copy to land, unless it started so long ago that its writer must have died.
        if (ctx.clock.now().getTime() - Date.parse(blob.data.createdAt) < writeStaleMs(ctx, size)) {
          await pause(50 * 2 ** attempt);
          continue;
        }
        await ctx.objects.copy(staged.key, blobKey, { ifMatch: staged.etag });
      }
      await ctx.metadata.batch(pk, [
        { op: 'put', sk: keys.meta, data: { ...blob.data, state: 'HELD', lastClaimAt: now }, if: { etag: blob.etag } },
        refRow(ctx, claim),
      ]);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw contended(`blob ${sha256}`);
}

/** Takes back a WRITING row this writer put (and its claim) when its copy failed, so others need not wait it out. */
async function abandonWriting(ctx: RegistryContext, sha256: string, createdAt: string, claim: Claim): Promise<void> {
  const pk = keys.blob(sha256);
  const row = await ctx.metadata.get<BlobRow>(pk, keys.meta).catch(() => undefined);
  if (row?.data.state !== 'WRITING' || row.data.createdAt !== createdAt) return;
  await ctx.metadata
    .batch(pk, [
      { op: 'delete', sk: keys.meta, if: { etag: row.etag } },
      { op: 'delete', sk: refKey(claim) },
    ])
    .catch(() => undefined);
}

export async function releaseClaim(ctx: RegistryContext, sha256: string, claim: Claim): Promise<void> {
  await ctx.metadata.batch(keys.blob(sha256), [{ op: 'delete', sk: refKey(claim) }]);
}

/** Hashes a stream with SHA-256 and counts its bytes. */
export async function digestStream(stream: ReadableStream<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    size += value.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

export interface CollectionReport {
  examined: number;
  collected: number;
  kept: number;
}

/**
 * Deletes blobs no version references once the grace period has passed. Each deletion is
 * conditional on the BLOB row as read, so a claim that lands meanwhile wins.
 */
export async function collectBlobs(ctx: RegistryContext, options: { limit: number }): Promise<CollectionReport> {
  const report: CollectionReport = { examined: 0, collected: 0, kept: 0 };
  const prefix = objectKeys(ctx.settings.prefix).blobPrefix;
  const graceMs = ctx.settings.blobGraceSeconds * 1000;
  let after: string | undefined;
  do {
    const page = await ctx.objects.list(prefix, { after, limit: Math.min(options.limit - report.examined, 1000) });
    for (const object of page.items) {
      report.examined++;
      const sha256 = object.key.slice(prefix.length);
      const pk = keys.blob(sha256);
      const [blob, refs] = await Promise.all([
        ctx.metadata.get<BlobRow>(pk, keys.meta),
        ctx.metadata.query(pk, { prefix: keys.blobRefPrefix, limit: 1 }),
      ]);
      const now = ctx.clock.now().getTime();
      if (!blob) {
        // Bytes with no row: a collection that stopped halfway. Old enough, they go.
        if (now - Date.parse(object.lastModified) > graceMs) {
          await ctx.objects.delete(object.key);
          report.collected++;
        } else report.kept++;
        continue;
      }
      const idleSince = Math.max(Date.parse(blob.data.lastClaimAt), Date.parse(blob.data.createdAt));
      if (refs.items.length > 0 || now - idleSince <= graceMs) {
        report.kept++;
        continue;
      }
      try {
        await ctx.metadata.batch(pk, [
          { op: 'put', sk: keys.meta, data: { ...blob.data, state: 'DELETING' }, if: { etag: blob.etag } },
        ]);
      } catch (e) {
        if (e instanceof ConditionFailedError) {
          report.kept++;
          continue;
        }
        throw e;
      }
      await ctx.objects.delete(object.key);
      await ctx.metadata.batch(pk, [{ op: 'delete', sk: keys.meta }]);
      report.collected++;
    }
    after = page.lastKey;
  } while (after !== undefined && report.examined < options.limit);
  return report;
}
