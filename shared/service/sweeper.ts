/**
 * The sweeper: what each platform's timer calls. Removes expired transient versions through
 * the normal path, aborts artifact uploads abandoned past the pending timeout, deletes stale
 * staged uploads, collects unreferenced blobs, and indexes by start time the runs made before
 * that index (a bounded number per sweep).
 */
import { keys, objectKeys } from '../domain/keys.js';
import { failureLine, RegistryError } from '../errors.js';
import { dropAbandonedUpload, isUploadDue, type UploadDue } from './artifacts/multipart.js';
import { collectBlobs } from './blobs.js';
import type { RegistryContext } from './context.js';
import { reconcileIncoming } from './object-created.js';
import { reconcileModels } from './reconcile.js';
import type { ModelRow } from './records.js';
import { backfillRunIndex } from './tracking/run-start-index.js';
import { removeExpiredOrEvicted } from './versions/removal.js';

export interface SweepReport {
  expiredVersions: number;
  /** Artifact multipart uploads (MLflow's) neither completed nor aborted before the pending timeout. */
  abandonedUploads: number;
  pending: { finished: number; failed: number };
  holes: number;
  /** What could not be settled this time (retried on the next sweep). */
  errors: string[];
  /** Drop-ins found in `incoming/` whose notification never registered them. */
  incoming: { examined: number; registered: number };
  staleUploads: number;
  blobs: { examined: number; collected: number; kept: number };
  /** Runs made before the start-time index, indexed by this sweep. */
  runsIndexed: number;
}

const HOUR_MS = 3600_000;
/** How far back the due index is read; a sweeper that was down longer than this catches up by TTL backstop only. */
const LOOKBACK_HOURS = 24 * 14;

export async function sweep(
  ctx: RegistryContext,
  options: { blobLimit?: number; incomingLimit?: number; runIndexLimit?: number } = {},
): Promise<SweepReport> {
  const due = await sweepDueIndex(ctx);
  const reconciled = await reconcileModels(ctx);
  const incoming = await reconcileIncoming(ctx, { limit: options.incomingLimit ?? 10_000 });
  const staleUploads = await deleteStaleUploads(ctx);
  const blobs = await collectBlobs(ctx, { limit: options.blobLimit ?? 10_000 });
  const { runsIndexed } = await backfillRunIndex(ctx, options.runIndexLimit ?? 10_000);
  return {
    expiredVersions: due.expiredVersions,
    abandonedUploads: due.abandonedUploads,
    pending: { finished: reconciled.finished, failed: reconciled.failed },
    holes: reconciled.holes,
    errors: [...due.errors, ...reconciled.errors, ...incoming.errors],
    incoming: { examined: incoming.examined, registered: incoming.registered },
    staleUploads,
    blobs,
    runsIndexed,
  };
}

/** A transient version's row in the due index (rows written before uploads had one carry no kind). */
interface VersionDue {
  [key: string]: unknown;
  model: string;
  version: number;
}

/**
 * Ends what came due: transient versions (through the normal removal path) and abandoned
 * artifact uploads. An upload the store would not abort keeps its row for the next sweep.
 */
async function sweepDueIndex(
  ctx: RegistryContext,
): Promise<{ expiredVersions: number; abandonedUploads: number; errors: string[] }> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const out = { expiredVersions: 0, abandonedUploads: 0, errors: [] as string[] };
  for (let h = LOOKBACK_HOURS; h >= 0; h--) {
    const hour = new Date(now.getTime() - h * HOUR_MS).toISOString();
    const pk = keys.due(hour);
    let after: string | undefined;
    let done = false;
    while (!done) {
      const page = await ctx.metadata.query<VersionDue | UploadDue>(pk, { after, limit: 500 });
      for (const due of page.items) {
        if (due.sk > nowIso) {
          done = true;
          break;
        }
        const data = due.data;
        if (isUploadDue(data)) {
          try {
            if (await dropAbandonedUpload(ctx, data)) out.abandonedUploads++;
          } catch (e) {
            out.errors.push(failureLine(`upload ${data.uploadId}`, e));
            continue;
          }
        } else if (await expireVersion(ctx, data)) out.expiredVersions++;
        await ctx.metadata.batch(pk, [{ op: 'delete', sk: due.sk }]);
      }
      if (page.lastKey === undefined) done = true;
      else after = page.lastKey;
    }
  }
  return out;
}

async function expireVersion(ctx: RegistryContext, due: VersionDue): Promise<boolean> {
  const model = await ctx.metadata.get<ModelRow>(keys.model(due.model), keys.meta);
  if (!model) return false;
  try {
    await removeExpiredOrEvicted(ctx, model.data, due.version);
    return true;
  } catch (e) {
    if (!(e instanceof RegistryError && e.kind === 'not-found')) throw e;
    return false;
  }
}

/** Staged uploads older than the pending timeout belong to abandoned versions. */
async function deleteStaleUploads(ctx: RegistryContext): Promise<number> {
  const prefix = objectKeys(ctx.settings.prefix).stagingPrefix;
  const cutoff = ctx.clock.now().getTime() - ctx.settings.pendingTimeoutSeconds * 1000;
  let deleted = 0;
  let after: string | undefined;
  do {
    const page = await ctx.objects.list(prefix, { after, limit: 1000 });
    for (const object of page.items)
      if (Date.parse(object.lastModified) < cutoff) {
        await ctx.objects.delete(object.key);
        deleted++;
      }
    after = page.lastKey;
  } while (after !== undefined);
  return deleted;
}
