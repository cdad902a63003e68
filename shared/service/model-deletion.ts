/** Deleting a model: refused while READY versions exist unless forced; history and the counter stay. */
import { keys } from '../domain/keys.js';
import { ConditionFailedError, RegistryError, staleEtag } from '../errors.js';
import type { WriteOp } from '../ports/metadata-store.js';
import { requireModelWriter } from './authorization.js';
import type { Actor, RegistryContext } from './context.js';
import { historyWrite } from './history.js';
import { loadModelRow } from './models.js';
import { isExpired, type VersionRow } from './records.js';
import { removeVersion } from './versions/removal.js';

/** Rows that outlive the model: the audit trail, and the counter so numbers are never reused. */
const KEPT_PREFIXES = [keys.historyPrefix, 'AH#', keys.counter, keys.deletedPrefix, keys.holes];

export async function deleteModel(
  ctx: RegistryContext,
  actor: Actor,
  name: string,
  options: { force: boolean; ifMatch: string | undefined },
): Promise<void> {
  const model = await loadModelRow(ctx, name);
  requireModelWriter(actor, model.data);
  if (options.ifMatch !== undefined && options.ifMatch !== model.data.etag) throw staleEtag(`model "${name}"`);
  const pk = keys.model(name);
  const now = ctx.clock.now();
  const ready = await ctx.metadata.query<{ expiresAt?: string; retention?: 'transient' }>(pk, {
    prefix: keys.readyPrefix,
    limit: 1000,
  });
  const live = ready.items.filter((r) => !isExpired(r.data, now));
  if (live.length > 0 && !options.force)
    throw new RegistryError(
      'conflict',
      `model "${name}" has READY versions; archive or delete them, or pass force=true`,
    );

  // Versions go one by one through the normal path (aliases, claims and staging released).
  for (;;) {
    const page = await ctx.metadata.query<VersionRow>(pk, { prefix: keys.versionPrefix, limit: 100 });
    if (page.items.length === 0) break;
    for (const v of page.items) {
      try {
        await removeVersion(ctx, actor, model.data, String(v.data.version), undefined, 'version.delete');
      } catch (e) {
        if (!(e instanceof RegistryError && e.kind === 'not-found')) throw e;
        await ctx.metadata.batch(pk, [{ op: 'delete', sk: v.sk }]);
      }
    }
  }
  let after: string | undefined;
  const doomed: WriteOp[] = [];
  do {
    const page = await ctx.metadata.query(pk, { after, limit: 1000 });
    for (const item of page.items)
      if (item.sk !== keys.meta && !KEPT_PREFIXES.some((p) => item.sk.startsWith(p)))
        doomed.push({ op: 'delete', sk: item.sk });
    after = page.lastKey;
  } while (after !== undefined);
  for (let i = 0; i < doomed.length; i += 100) await ctx.metadata.batch(pk, doomed.slice(i, i + 100));
  const history = historyWrite(ctx, actor, name, {
    action: 'model.delete',
    target: name,
    before: model.data,
    after: null,
    event: 'ModelChanged',
  });
  try {
    await ctx.metadata.batch(pk, [{ op: 'delete', sk: keys.meta, if: { etag: model.etag } }, history.op]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw staleEtag(`model "${name}"`);
    throw e;
  }
  await ctx.metadata.batch(keys.catalog, [{ op: 'delete', sk: name }]);
}
