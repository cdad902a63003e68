/** Aliases (movable names for versions) and the model's audit history. */
import { keys } from '../domain/keys.js';
import { aliasNameProblem } from '../domain/names.js';
import type { AliasMove, HistoryEntry, Page } from '../domain/types.js';
import { ConditionFailedError, conflict, contended, forbidden, invalid, notFound, staleEtag } from '../errors.js';
import type { WriteOp } from '../ports/metadata-store.js';
import { isAdmin, requireScope } from './authorization.js';
import type { Actor, RegistryContext } from './context.js';
import { entryOfRow, type HistoryRow, historyWrite } from './history.js';
import { loadModelForWrite, loadModelRow } from './models.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token.js';
import { type AliasRow, isExpired, type VersionRow } from './records.js';
import { scanPartition } from './scan.js';

/** Read-write rounds an alias change gets before it answers 503 (each lost round re-reads). */
const ALIAS_ATTEMPTS = 5;

function checkAlias(alias: string): void {
  const problem = aliasNameProblem(alias);
  if (problem) throw invalid('alias', problem);
}

export interface AliasView {
  alias: string;
  version: number;
  etag: string;
}

export async function getAlias(ctx: RegistryContext, actor: Actor, model: string, alias: string): Promise<AliasView> {
  requireScope(actor, 'registry.read');
  checkAlias(alias);
  await loadModelRow(ctx, model);
  const row = await ctx.metadata.get<AliasRow>(keys.model(model), keys.alias(alias));
  if (!row) throw notFound(`alias "${alias}" of model "${model}"`);
  return { alias, version: row.data.version, etag: row.data.etag };
}

/**
 * Sets or moves an alias. Every move is an alias-history row and a history row, in one batch.
 * A batch that loses a race is read and tried again: only a stale `If-Match` is a 412.
 */
export async function setAlias(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  alias: string,
  version: number,
  ifMatch: string | undefined,
): Promise<AliasView> {
  checkAlias(alias);
  const modelItem = await loadModelForWrite(ctx, actor, model);
  if (modelItem.data.protectedAliases.includes(alias) && !isAdmin(actor))
    throw forbidden(`alias "${alias}" is protected; moving it needs registry.admin`);
  const pk = keys.model(model);
  for (let attempt = 0; attempt < ALIAS_ATTEMPTS; attempt++) {
    const target = await ctx.metadata.get<VersionRow>(pk, keys.version(version));
    if (!target || isExpired(target.data, ctx.clock.now()))
      throw invalid('version', `model "${model}" has no version ${version}`);
    if (target.data.retention === 'transient') throw invalid('version', 'transient versions take no aliases');
    if (target.data.state !== 'READY' && target.data.state !== 'ARCHIVED')
      throw conflict(`version ${version} is ${target.data.state}; aliases point at READY versions`);
    const current = await ctx.metadata.get<AliasRow>(pk, keys.alias(alias));
    if (ifMatch !== undefined && ifMatch !== current?.data.etag) throw staleEtag(`alias "${alias}"`);
    if (current?.data.version === version) return { alias, version, etag: current.data.etag };
    const now = ctx.clock.now().toISOString();
    const row: AliasRow = { alias, version, updatedAt: now, etag: ctx.newId() };
    const from = current?.data.version ?? null;
    const moveId = ctx.newId();
    const move: AliasMove = { id: moveId, alias, at: now, actor: actor.subject, from, to: version };
    const history = historyWrite(ctx, actor, model, {
      action: 'alias.set',
      target: `${model}@${alias}`,
      before: from,
      after: version,
      event: 'AliasMoved',
    });
    const writes: WriteOp[] = [
      { op: 'put', sk: keys.alias(alias), data: row, if: current ? { etag: current.etag } : { absent: true } },
      { op: 'put', sk: keys.aliasHistory(alias, moveId), data: { ...move } },
      // The version must still be there, as read, when the alias lands (a delete takes its aliases).
      { op: 'check', sk: keys.version(version), if: { etag: target.etag } },
      history.op,
    ];
    try {
      await ctx.metadata.batch(pk, writes);
    } catch (e) {
      if (e instanceof ConditionFailedError) continue;
      throw e;
    }
    return { alias, version, etag: row.etag };
  }
  throw contended(`alias "${alias}"`);
}

export async function deleteAlias(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  alias: string,
  ifMatch: string | undefined,
): Promise<void> {
  checkAlias(alias);
  const modelItem = await loadModelForWrite(ctx, actor, model);
  if (modelItem.data.protectedAliases.includes(alias) && !isAdmin(actor))
    throw forbidden(`alias "${alias}" is protected; removing it needs registry.admin`);
  const pk = keys.model(model);
  for (let attempt = 0; attempt < ALIAS_ATTEMPTS; attempt++) {
    const current = await ctx.metadata.get<AliasRow>(pk, keys.alias(alias));
    if (!current) throw notFound(`alias "${alias}" of model "${model}"`);
    if (ifMatch !== undefined && ifMatch !== current.data.etag) throw staleEtag(`alias "${alias}"`);
    const moveId = ctx.newId();
    const now = ctx.clock.now().toISOString();
    const history = historyWrite(ctx, actor, model, {
      action: 'alias.delete',
      target: `${model}@${alias}`,
      before: current.data.version,
      after: null,
      event: 'AliasMoved',
    });
    try {
      await ctx.metadata.batch(pk, [
        { op: 'delete', sk: keys.alias(alias), if: { etag: current.etag } },
        {
          op: 'put',
          sk: keys.aliasHistory(alias, moveId),
          data: { id: moveId, alias, at: now, actor: actor.subject, from: current.data.version, to: null },
        },
        history.op,
      ]);
      return;
    } catch (e) {
      if (e instanceof ConditionFailedError) continue;
      throw e;
    }
  }
  throw contended(`alias "${alias}"`);
}

export async function aliasHistory(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  alias: string,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<AliasMove>> {
  requireScope(actor, 'registry.read');
  checkAlias(alias);
  await loadModelRow(ctx, model);
  const pk = keys.model(model);
  const prefix = keys.aliasHistoryPrefix(alias);
  const pageSize = pageSizeOf(query.pageSize);
  const scope = { route: 'alias-history', partition: `${pk}@${alias}`, filter: '' };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, prefix) : undefined;
  const result = await scanPartition<AliasMove & Record<string, unknown>, AliasMove>(
    ctx.metadata,
    pk,
    { prefix, after, want: pageSize, budget: pageSize },
    ({ data }) => ({ id: data.id, alias: data.alias, at: data.at, actor: data.actor, from: data.from, to: data.to }),
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

export async function modelHistory(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<HistoryEntry>> {
  requireScope(actor, 'registry.read');
  const pk = keys.model(model);
  const pageSize = pageSizeOf(query.pageSize);
  const scope = { route: 'history', partition: pk, filter: '' };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, keys.historyPrefix) : undefined;
  const result = await scanPartition<HistoryRow, HistoryEntry>(
    ctx.metadata,
    pk,
    { prefix: keys.historyPrefix, after, want: pageSize, budget: pageSize },
    ({ data }) => entryOfRow(data),
  );
  if (result.items.length === 0 && after === undefined) await loadModelRow(ctx, model);
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}
