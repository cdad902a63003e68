/** Removing versions: deletion, transient expiry and eviction, and the release of their blob claims. */
import { keys } from '../../domain/keys.js';
import type { VersionFile } from '../../domain/types.js';
import { ConditionFailedError, contended, forbidden, notFound, RegistryError, staleEtag } from '../../errors.js';
import type { WriteOp } from '../../ports/metadata-store.js';
import { isAdmin } from '../authorization.js';
import { releaseClaim } from '../blobs.js';
import { type Actor, type RegistryContext, systemActor } from '../context.js';
import { historyWrite } from '../history.js';
import { loadModelForWrite } from '../models.js';
import type { AliasRow, ModelRow, VersionRow } from '../records.js';
import { isExpired } from '../records.js';
import { loadVersion } from '../refs.js';
import { summary } from './edits.js';
import { loadFiles } from './reads.js';

const SYSTEM_ACTOR = systemActor();

export async function releaseClaims(
  ctx: RegistryContext,
  model: string,
  row: VersionRow,
  files: VersionFile[],
): Promise<void> {
  const shas = new Set(files.map((f) => f.sha256));
  await Promise.all(
    [...shas].map((sha) => releaseClaim(ctx, sha, { model, version: row.version }).catch(() => undefined)),
  );
}

export async function deleteVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<void> {
  const modelItem = await loadModelForWrite(ctx, actor, model);
  await removeVersion(ctx, actor, modelItem.data, ref, ifMatch, 'version.delete');
}

/** Deletes a version and everything that points at it: its ready/label/transient rows, its aliases, its claims. */
export async function removeVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: ModelRow,
  ref: string,
  ifMatch: string | undefined,
  action: string,
): Promise<void> {
  const pk = keys.model(model.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadVersion(ctx, model.name, ref);
    const row = item.data;
    if (ifMatch !== undefined && ifMatch !== row.etag) throw staleEtag(`version ${row.version}`);
    const aliases = (await ctx.metadata.query<AliasRow>(pk, { prefix: keys.aliasPrefix, limit: 1000 })).items.filter(
      (a) => a.data.version === row.version,
    );
    if (aliases.some((a) => model.protectedAliases.includes(a.data.alias)) && !isAdmin(actor))
      throw forbidden('the version carries a protected alias; deleting it needs registry.admin');
    const history = historyWrite(ctx, actor, model.name, {
      action,
      target: `${model.name}/${row.version}`,
      before: summary(row),
      after: null,
      event: 'ModelVersionDeleted',
    });
    const writes: WriteOp[] = [
      { op: 'delete', sk: keys.version(row.version), if: { etag: item.etag } },
      { op: 'delete', sk: keys.ready(row.version) },
      { op: 'delete', sk: keys.transient(row.version) },
      { op: 'delete', sk: keys.pending(row.version) },
      { op: 'put', sk: keys.deleted(row.version), data: { at: ctx.clock.now().toISOString() } },
      history.op,
    ];
    if (row.label !== undefined) writes.push({ op: 'delete', sk: keys.label(row.label) });
    for (const alias of aliases) {
      const moveId = ctx.newId();
      writes.push({ op: 'delete', sk: alias.sk, if: { etag: alias.etag } });
      writes.push({
        op: 'put',
        sk: keys.aliasHistory(alias.data.alias, moveId),
        data: {
          id: moveId,
          alias: alias.data.alias,
          at: ctx.clock.now().toISOString(),
          actor: actor.subject,
          from: row.version,
          to: null,
        },
      });
    }
    try {
      await ctx.metadata.batch(pk, writes);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (ifMatch !== undefined) throw staleEtag(`version ${row.version}`);
        continue;
      }
      throw e;
    }
    const files = row.filesExternal ? await loadFiles(ctx, model.name, row) : (row.files ?? []);
    if (row.filesExternal)
      for (let i = 0; i < row.fileCount; i += 100)
        await ctx.metadata.batch(
          pk,
          Array.from({ length: Math.min(100, row.fileCount - i) }, (_, j) => ({
            op: 'delete' as const,
            sk: keys.files(row.version, i + j),
          })),
        );
    await releaseClaims(ctx, model.name, row, files);
    for (const upload of row.pending) {
      if (upload.multipartUploadId !== undefined)
        await ctx.objects.abortMultipart(upload.stagingKey, upload.multipartUploadId).catch(() => undefined);
      await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
    }
    return;
  }
  throw contended('the version');
}

/** Evicts the oldest transient versions beyond the model's cap (and any that expired). */
export async function enforceTransientCap(ctx: RegistryContext, model: ModelRow): Promise<number> {
  const pk = keys.model(model.name);
  const page = await ctx.metadata.query<{ version: number; expiresAt: string }>(pk, {
    prefix: keys.transientPrefix,
    limit: model.maxTransientVersions + 100,
  });
  const now = ctx.clock.now();
  const live = page.items.filter((i) => !isExpired({ retention: 'transient', expiresAt: i.data.expiresAt }, now));
  const expired = page.items.filter((i) => !live.includes(i));
  const evict = [...expired, ...live.slice(0, Math.max(0, live.length - model.maxTransientVersions))];
  let evicted = 0;
  for (const item of evict) {
    try {
      await removeExpiredOrEvicted(ctx, model, item.data.version);
      evicted++;
    } catch (e) {
      if (!(e instanceof RegistryError && e.kind === 'not-found')) throw e;
    }
  }
  return evicted;
}

/** Removes a transient version by number, even when it has expired (reads would hide it). */
export async function removeExpiredOrEvicted(ctx: RegistryContext, model: ModelRow, version: number): Promise<void> {
  const pk = keys.model(model.name);
  const item = await ctx.metadata.get<VersionRow>(pk, keys.version(version));
  if (!item) {
    await ctx.metadata.batch(pk, [{ op: 'delete', sk: keys.transient(version) }]);
    return;
  }
  const history = historyWrite(ctx, SYSTEM_ACTOR, model.name, {
    action: 'version.expire',
    target: `${model.name}/${version}`,
    before: summary(item.data),
    after: null,
    event: 'ModelVersionDeleted',
  });
  const writes: WriteOp[] = [
    { op: 'delete', sk: keys.version(version), if: { etag: item.etag } },
    { op: 'delete', sk: keys.ready(version) },
    { op: 'delete', sk: keys.transient(version) },
    { op: 'delete', sk: keys.pending(version) },
    { op: 'put', sk: keys.deleted(version), data: { at: ctx.clock.now().toISOString() } },
    history.op,
  ];
  if (item.data.label !== undefined) writes.push({ op: 'delete', sk: keys.label(item.data.label) });
  try {
    await ctx.metadata.batch(pk, writes);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw notFound(`version ${version}`);
    throw e;
  }
  await releaseClaims(ctx, model.name, item.data, await loadFiles(ctx, model.name, item.data));
  for (const upload of item.data.pending) await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
}
