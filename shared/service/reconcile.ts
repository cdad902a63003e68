/**
 * What the sweeper reconciles per model: PENDING versions whose bytes arrived (finished) or
 * never will (failed after the pending timeout), and version numbers a crashed create took
 * but never wrote (recorded as FAILED versions once they stay missing past a grace period).
 */
import { keys } from '../domain/keys.js';
import { ConditionFailedError, failureLine, RegistryError } from '../errors.js';
import { type RegistryContext, systemActor } from './context.js';
import { historyWrite } from './history.js';
import { ABANDONED_CREATE_MS } from './models.js';
import { type CatalogRow, catalogRowOf, type ModelRow, type VersionRow } from './records.js';
import { loadFiles } from './versions/reads.js';
import { failVersion, verifyVersion } from './versions/verify.js';

const SYSTEM = systemActor('mreg:sweeper');
/** A number missing this long after it was first seen missing belongs to a crashed create. */
const HOLE_GRACE_MS = 10 * 60_000;

export interface ReconcileReport {
  models: number;
  finished: number;
  failed: number;
  holes: number;
  /** Versions that could not be settled this time, with why (retried next sweep). */
  errors: string[];
}

export async function reconcileModels(
  ctx: RegistryContext,
  options: { maxModels?: number } = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = { models: 0, finished: 0, failed: 0, holes: 0, errors: [] };
  let after: string | undefined;
  do {
    const page = await ctx.metadata.query<CatalogRow>(keys.catalog, { after, limit: 500 });
    for (const entry of page.items) {
      if (report.models++ >= (options.maxModels ?? 100_000)) return report;
      if (entry.data.pending && !(await settleCatalogRow(ctx, entry.sk, entry.data, entry.etag))) continue;
      await settlePending(ctx, entry.sk, report);
      report.holes += await recordHoles(ctx, entry.sk);
    }
    after = page.lastKey;
  } while (after !== undefined);
  return report;
}

/**
 * A catalog row still marked pending: its create either finished without the final catalog
 * write (list it now) or crashed before the model row (remove it once abandoned).
 * Returns whether the model exists.
 */
async function settleCatalogRow(ctx: RegistryContext, name: string, row: CatalogRow, etag: string): Promise<boolean> {
  const meta = await ctx.metadata.get<ModelRow>(keys.model(name), keys.meta);
  try {
    if (meta) {
      await ctx.metadata.batch(keys.catalog, [{ op: 'put', sk: name, data: catalogRowOf(meta.data), if: { etag } }]);
      return true;
    }
    if (ctx.clock.now().getTime() - Date.parse(row.updatedAt) > ABANDONED_CREATE_MS)
      await ctx.metadata.batch(keys.catalog, [{ op: 'delete', sk: name, if: { etag } }]);
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
  return meta !== undefined;
}

async function settlePending(ctx: RegistryContext, model: string, report: ReconcileReport): Promise<void> {
  const pk = keys.model(model);
  const pending = await ctx.metadata.query<{ version: number; createdAt: string }>(pk, {
    prefix: keys.pendingPrefix,
    limit: 200,
  });
  for (const entry of pending.items) {
    // One version that cannot be settled now must not stop the rest of the sweep.
    try {
      await settleOne(ctx, model, entry, report);
    } catch (e) {
      report.errors.push(failureLine(`${model}/${entry.data.version}`, e));
    }
  }
}

async function settleOne(
  ctx: RegistryContext,
  model: string,
  entry: { sk: string; data: { version: number; createdAt: string } },
  report: ReconcileReport,
): Promise<void> {
  const pk = keys.model(model);
  const item = await ctx.metadata.get<VersionRow>(pk, keys.version(entry.data.version));
  if (item?.data.state !== 'PENDING') {
    await ctx.metadata.batch(pk, [{ op: 'delete', sk: entry.sk }]);
    return;
  }
  if (item.data.verification?.status === 'RUNNING') {
    // A verification whose queue message was lost (a crash) is handed to the queue again.
    const idleMs = ctx.clock.now().getTime() - Date.parse(item.data.updatedAt);
    if (idleMs > 2 * ctx.settings.verificationSliceMs) await ctx.verification.enqueue(model, item.data.version);
    return;
  }
  try {
    const result = await verifyVersion(ctx, SYSTEM, model, item, 'inline');
    if (result.version.state === 'READY') report.finished++;
  } catch (e) {
    if (!(e instanceof RegistryError && e.kind === 'conflict')) throw e;
    const age = ctx.clock.now().getTime() - Date.parse(item.data.createdAt);
    const current = await ctx.metadata.get<VersionRow>(pk, keys.version(entry.data.version));
    if (current?.data.state === 'FAILED') report.failed++;
    else if (current?.data.state === 'PENDING' && age > ctx.settings.pendingTimeoutSeconds * 1000) {
      const files = await loadFiles(ctx, model, current.data);
      await failVersion(ctx, SYSTEM, model, current.data, files, [
        'the upload did not complete before the pending timeout',
      ]);
      report.failed++;
    }
  }
}

interface HolesRow {
  [key: string]: unknown;
  /** Every number up to this one has been written or recorded. */
  checked: number;
  /** Numbers found missing, with when they were first seen missing. */
  suspects: Record<string, string>;
}

async function recordHoles(ctx: RegistryContext, model: string): Promise<number> {
  const pk = keys.model(model);
  const [counter, holes] = await Promise.all([
    ctx.metadata.get<{ n: number }>(pk, keys.counter),
    ctx.metadata.get<HolesRow>(pk, keys.holes),
  ]);
  const latest = counter?.data.n ?? 0;
  const state: HolesRow = holes?.data ?? { checked: 0, suspects: {} };
  const now = ctx.clock.now();
  const suspects: Record<string, string> = {};
  let recorded = 0;
  // Bounded per sweep: a model with a long unchecked range catches up over several sweeps.
  const upTo = Math.min(latest, state.checked + 1000);
  const candidates = [
    ...Object.keys(state.suspects).map(Number),
    ...Array.from({ length: Math.max(0, upTo - state.checked) }, (_, i) => state.checked + i + 1),
  ];
  for (const n of candidates) {
    const [written, deleted] = await Promise.all([
      ctx.metadata.get(pk, keys.version(n)),
      ctx.metadata.get(pk, keys.deleted(n)),
    ]);
    if (written || deleted) continue;
    const firstSeen = state.suspects[String(n)] ?? now.toISOString();
    if (now.getTime() - Date.parse(firstSeen) < HOLE_GRACE_MS) {
      suspects[String(n)] = firstSeen;
      continue;
    }
    if (await writeHole(ctx, model, n)) recorded++;
  }
  const next: HolesRow = { checked: upTo, suspects };
  try {
    await ctx.metadata.batch(pk, [
      { op: 'put', sk: keys.holes, data: next, if: holes ? { etag: holes.etag } : { absent: true } },
    ]);
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
  return recorded;
}

/** A crashed create's number becomes a FAILED version, so numbering has no silent gaps. */
async function writeHole(ctx: RegistryContext, model: string, n: number): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  const reasons = ['the create that took this number did not finish'];
  const row: VersionRow = {
    version: n,
    description: '',
    state: 'FAILED',
    approval: 'NONE',
    files: [],
    fileCount: 0,
    tags: {},
    properties: {},
    retention: 'archived',
    createdAt: now,
    createdBy: SYSTEM.subject,
    updatedAt: now,
    etag: ctx.newId(),
    uploadId: '',
    pending: [],
    verification: { status: 'FAILED', reasons },
    requestHash: '',
  };
  const history = historyWrite(ctx, SYSTEM, model, {
    action: 'version.hole',
    target: `${model}/${n}`,
    before: null,
    after: { state: 'FAILED', reasons },
  });
  try {
    await ctx.metadata.batch(keys.model(model), [
      { op: 'put', sk: keys.version(n), data: row, if: { absent: true } },
      history.op,
    ]);
    return true;
  } catch (e) {
    if (e instanceof ConditionFailedError) return false;
    throw e;
  }
}
