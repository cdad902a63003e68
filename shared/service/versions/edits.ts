/** Changing a version row under its etag: patches and archiving. */
import { keys } from '../../domain/keys.js';
import type { ModelVersion } from '../../domain/types.js';
import { ConditionFailedError, conflict, contended, forbidden, staleEtag } from '../../errors.js';
import type { WriteOp } from '../../ports/metadata-store.js';
import type { PatchVersionInput } from '../../schemas.js';
import { isAdmin } from '../authorization.js';
import { type Actor, type RegistryContext } from '../context.js';
import { historyWrite } from '../history.js';
import { mergePatch } from '../merge-patch.js';
import { loadModelForWrite } from '../models.js';
import type { VersionRow } from '../records.js';
import { versionFromRow } from '../records.js';
import { loadVersion } from '../refs.js';
import { loadFiles } from './reads.js';
/** Rewrites a version row under its etag, with a history row, retrying on races unless the caller pinned an etag. */
export async function changeVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
  change: (row: VersionRow) => {
    row: VersionRow;
    action: string;
    extra?: WriteOp[];
    event?: 'ModelVersionReady' | 'VersionStateChanged';
  },
): Promise<ModelVersion> {
  await loadModelForWrite(ctx, actor, model);
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadVersion(ctx, model, ref);
    if (ifMatch !== undefined && ifMatch !== item.data.etag) throw staleEtag(`version ${item.data.version}`);
    const { row, action, extra, event } = change(item.data);
    const next: VersionRow = { ...row, updatedAt: ctx.clock.now().toISOString(), etag: ctx.newId() };
    // READY versions keep a copy under R#, written in the same batch, so `-k` reads one row.
    const readyCopy: WriteOp[] =
      next.state === 'READY' ? [{ op: 'put', sk: keys.ready(next.version), data: next }] : [];
    const history = historyWrite(ctx, actor, model, {
      action,
      target: `${model}/${next.version}`,
      before: summary(item.data),
      after: summary(next),
      ...(event ? { event } : {}),
    });
    try {
      await ctx.metadata.batch(keys.model(model), [
        { op: 'put', sk: keys.version(next.version), data: next, if: { etag: item.etag } },
        ...readyCopy,
        ...(extra ?? []),
        history.op,
      ]);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (ifMatch !== undefined) throw staleEtag(`version ${item.data.version}`);
        continue;
      }
      throw e;
    }
    return versionFromRow(model, next, await loadFiles(ctx, model, next));
  }
  throw contended('the version');
}

export const summary = (row: VersionRow) => ({
  state: row.state,
  approval: row.approval,
  description: row.description,
  tags: row.tags,
  properties: row.properties,
  verification: row.verification,
});

export function updateVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  patch: PatchVersionInput,
  ifMatch: string | undefined,
): Promise<ModelVersion> {
  if (patch.approval !== undefined && !isAdmin(actor)) throw forbidden('changing approval needs registry.admin');
  return changeVersion(ctx, actor, model, ref, ifMatch, (row) => {
    const next: VersionRow = { ...row };
    if (patch.description !== undefined) next.description = patch.description ?? '';
    if (patch.tags !== undefined) next.tags = mergePatch(row.tags, patch.tags) as Record<string, string>;
    if (patch.properties !== undefined) next.properties = mergePatch(row.properties, patch.properties);
    if (patch.approval !== undefined) next.approval = patch.approval;
    return { row: next, action: 'version.update' };
  });
}

export function archiveVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<ModelVersion> {
  return moveArchived(ctx, actor, model, ref, ifMatch, { from: 'READY', to: 'ARCHIVED', action: 'version.archive' });
}

/** Undoes `archive`: an ARCHIVED version is READY again (and counts for `latest` and `-k`). */
export function unarchiveVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<ModelVersion> {
  return moveArchived(ctx, actor, model, ref, ifMatch, { from: 'ARCHIVED', to: 'READY', action: 'version.unarchive' });
}

/** READY <-> ARCHIVED; already there is a no-op. Only READY versions have their `latest` row. */
function moveArchived(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
  move: { from: 'READY' | 'ARCHIVED'; to: 'READY' | 'ARCHIVED'; action: 'version.archive' | 'version.unarchive' },
): Promise<ModelVersion> {
  return changeVersion(ctx, actor, model, ref, ifMatch, (row) => {
    if (row.state === move.to) return { row, action: move.action };
    if (row.state !== move.from)
      throw conflict(
        `only ${move.from} versions can be ${move.to === 'ARCHIVED' ? 'archived' : 'unarchived'} (version ${row.version} is ${row.state})`,
      );
    return {
      row: { ...row, state: move.to },
      action: move.action,
      ...(move.to === 'ARCHIVED' ? { extra: [{ op: 'delete' as const, sk: keys.ready(row.version) }] } : {}),
      event: 'VersionStateChanged',
    };
  });
}
