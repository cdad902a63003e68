/** Models: create, read, list, merge-patch, archive and delete. */
import { keys } from '../domain/keys.js';
import type { Model, ModelSummary, Page } from '../domain/types.js';
import { ConditionFailedError, conflict, contended, notFound, RegistryError, staleEtag } from '../errors.js';
import type { Item, WriteOp } from '../ports/metadata-store.js';
import type { CreateModelInput, PatchModelInput } from '../schemas.js';
import { requireModelWriter, requireScope } from './authorization.js';
import type { Actor, RegistryContext } from './context.js';
import { parseFilter, tagsMatch } from './filter.js';
import { historyWrite } from './history.js';
import { mergePatch } from './merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token.js';
import { type AliasRow, type CatalogRow, catalogRowOf, type ModelRow, modelFromRows } from './records.js';
import { scanPartition } from './scan.js';

/** A catalog row with no META this old is the trace of a crashed create and may be taken over. */
export const ABANDONED_CREATE_MS = 60_000;

export async function loadModelRow(ctx: RegistryContext, name: string): Promise<Item<ModelRow>> {
  const item = await ctx.metadata.get<ModelRow>(keys.model(name), keys.meta);
  if (!item) throw notFound(`model "${name}"`);
  return item;
}

/** Loads a model for a change: it must exist, be LIVE, and the actor must be allowed to write it. */
export async function loadModelForWrite(ctx: RegistryContext, actor: Actor, name: string): Promise<Item<ModelRow>> {
  requireScope(actor, 'registry.write');
  const item = await loadModelRow(ctx, name);
  requireModelWriter(actor, item.data);
  if (item.data.state !== 'LIVE') throw conflict(`model "${name}" is archived; restore it first`);
  return item;
}

/** The highest version number assigned and the aliases: rows of the model's own partition. */
async function latestAndAliases(
  ctx: RegistryContext,
  name: string,
): Promise<{ latestVersion: number; aliases: Record<string, number> }> {
  const pk = keys.model(name);
  const [counter, aliasPage] = await Promise.all([
    ctx.metadata.get<{ n: number }>(pk, keys.counter),
    ctx.metadata.query<AliasRow>(pk, { prefix: keys.aliasPrefix, limit: 1000 }),
  ]);
  const aliases: Record<string, number> = {};
  for (const a of aliasPage.items) aliases[a.data.alias] = a.data.version;
  return { latestVersion: counter?.data.n ?? 0, aliases };
}

export async function readModel(ctx: RegistryContext, row: ModelRow): Promise<Model> {
  const { latestVersion, aliases } = await latestAndAliases(ctx, row.name);
  return modelFromRows(row, latestVersion, aliases);
}

export async function createModel(ctx: RegistryContext, actor: Actor, input: CreateModelInput): Promise<Model> {
  requireScope(actor, 'registry.write');
  const now = ctx.clock.now().toISOString();
  const row: ModelRow = {
    name: input.name,
    description: input.description ?? '',
    owner: actor.subject,
    maintainers: input.maintainers ?? [],
    dropInPrincipals: input.dropInPrincipals ?? [],
    tags: input.tags ?? {},
    properties: input.properties ?? {},
    state: 'LIVE',
    protectedAliases: input.protectedAliases ?? [],
    maxTransientVersions: input.maxTransientVersions ?? ctx.settings.defaultMaxTransientVersions,
    createdAt: now,
    createdBy: actor.subject,
    updatedAt: now,
    etag: ctx.newId(),
  };
  await reserveCatalogName(ctx, row);
  const history = historyWrite(ctx, actor, row.name, {
    action: 'model.create',
    target: row.name,
    before: null,
    after: row,
    event: 'ModelChanged',
  });
  try {
    await ctx.metadata.batch(keys.model(row.name), [
      { op: 'put', sk: keys.meta, data: row, if: { absent: true } },
      history.op,
    ]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw conflict(`model "${row.name}" already exists`);
    throw e;
  }
  await ctx.metadata.batch(keys.catalog, [{ op: 'put', sk: row.name, data: catalogRowOf(row) }]);
  return readModel(ctx, row);
}

/** The catalog row is written first, as a reservation; a crashed create's row is taken over. */
async function reserveCatalogName(ctx: RegistryContext, row: ModelRow): Promise<void> {
  // Listed only once the model row exists (see createModel), so a crash here shows nothing.
  const catalog: CatalogRow = { ...catalogRowOf(row), pending: true };
  try {
    await ctx.metadata.batch(keys.catalog, [{ op: 'put', sk: row.name, data: catalog, if: { absent: true } }]);
    return;
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
  const [existing, meta] = await Promise.all([
    ctx.metadata.get<CatalogRow>(keys.catalog, row.name),
    ctx.metadata.get(keys.model(row.name), keys.meta),
  ]);
  const abandoned =
    existing !== undefined &&
    meta === undefined &&
    ctx.clock.now().getTime() - Date.parse(existing.data.updatedAt) > ABANDONED_CREATE_MS;
  if (meta !== undefined || !existing) throw conflict(`model "${row.name}" already exists`);
  if (!abandoned)
    throw new RegistryError('unavailable', `model "${row.name}" is being created by another request; retry`, {
      retryAfterSeconds: 1,
    });
  try {
    await ctx.metadata.batch(keys.catalog, [{ op: 'put', sk: row.name, data: catalog, if: { etag: existing.etag } }]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw conflict(`model "${row.name}" already exists`);
    throw e;
  }
}

export async function getModel(ctx: RegistryContext, actor: Actor, name: string): Promise<Model> {
  requireScope(actor, 'registry.read');
  return readModel(ctx, (await loadModelRow(ctx, name)).data);
}

const MODEL_FILTERS = new Set(['name', 'owner', 'tags', 'state']);

export async function listModels(
  ctx: RegistryContext,
  actor: Actor,
  query: { pageSize?: string; pageToken?: string; filter?: string },
  /** A further condition (a compatibility layer's filter), bound into page tokens by `filterKey`. */
  extra?: { match: (row: CatalogRow) => boolean; filterKey: string; namePrefix?: string },
): Promise<Page<ModelSummary>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const filter = parseFilter(query.filter, MODEL_FILTERS);
  const canonical = extra ? JSON.stringify([filter.canonical, extra.filterKey, extra.namePrefix]) : filter.canonical;
  const scope = { route: 'models', partition: keys.catalog, filter: canonical.slice(0, 2000) };
  const prefix = filter.namePrefix ?? extra?.namePrefix ?? '';
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, prefix) : undefined;
  const result = await scanPartition<CatalogRow, CatalogRow>(
    ctx.metadata,
    keys.catalog,
    { prefix, after, want: pageSize, budget: Math.max(pageSize * 5, 500) },
    ({ data }) => {
      if (data.pending) return undefined;
      if (filter.owner !== undefined && data.owner !== filter.owner) return undefined;
      if (filter.state !== undefined && data.state !== filter.state) return undefined;
      if (extra && !extra.match(data)) return undefined;
      return tagsMatch(data.tags, filter.tags) ? data : undefined;
    },
  );
  // The catalog is a global partition: it takes no per-version writes, so each listed model's
  // latest number and aliases are read from its own partition (two reads per row, in parallel).
  const items = await Promise.all(
    result.items.map(
      async (row): Promise<ModelSummary> => ({
        name: row.name,
        description: row.description,
        owner: row.owner,
        tags: row.tags,
        state: row.state,
        ...(await latestAndAliases(ctx, row.name)),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        etag: row.etag,
      }),
    ),
  );
  return { items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

/** Applies `change` to the META row under optimistic concurrency and refreshes the catalog. */
async function changeModel(
  ctx: RegistryContext,
  actor: Actor,
  name: string,
  ifMatch: string | undefined,
  action: string,
  change: (row: ModelRow) => ModelRow,
  options: { allowArchived?: boolean } = {},
): Promise<Model> {
  for (let attempt = 0; attempt < 5; attempt++) {
    requireScope(actor, 'registry.write');
    const item = await loadModelRow(ctx, name);
    requireModelWriter(actor, item.data);
    if (!options.allowArchived && item.data.state !== 'LIVE')
      throw conflict(`model "${name}" is archived; restore it first`);
    if (ifMatch !== undefined && ifMatch !== item.data.etag) throw staleEtag(`model "${name}"`);
    const next = { ...change(item.data), updatedAt: ctx.clock.now().toISOString(), etag: ctx.newId() };
    const history = historyWrite(ctx, actor, name, {
      action,
      target: name,
      before: item.data,
      after: next,
      event: 'ModelChanged',
    });
    const writes: WriteOp[] = [{ op: 'put', sk: keys.meta, data: next, if: { etag: item.etag } }, history.op];
    try {
      await ctx.metadata.batch(keys.model(name), writes);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (ifMatch !== undefined) throw staleEtag(`model "${name}"`);
        continue;
      }
      throw e;
    }
    await ctx.metadata.batch(keys.catalog, [{ op: 'put', sk: name, data: catalogRowOf(next) }]);
    return readModel(ctx, next);
  }
  throw contended(`model "${name}"`);
}

export function updateModel(
  ctx: RegistryContext,
  actor: Actor,
  name: string,
  patch: PatchModelInput,
  ifMatch: string | undefined,
): Promise<Model> {
  return changeModel(ctx, actor, name, ifMatch, 'model.update', (row) => {
    const next: ModelRow = { ...row };
    if (patch.description !== undefined) next.description = patch.description ?? '';
    if (patch.tags !== undefined) next.tags = mergePatch(row.tags, patch.tags) as Record<string, string>;
    if (patch.properties !== undefined) next.properties = mergePatch(row.properties, patch.properties);
    if (patch.maintainers !== undefined) next.maintainers = patch.maintainers ?? [];
    if (patch.dropInPrincipals !== undefined) next.dropInPrincipals = patch.dropInPrincipals ?? [];
    if (patch.protectedAliases !== undefined) {
      requireAdminFor(actor, 'changing protected aliases');
      next.protectedAliases = patch.protectedAliases ?? [];
    }
    if (patch.maxTransientVersions !== undefined) next.maxTransientVersions = patch.maxTransientVersions;
    return next;
  });
}

function requireAdminFor(actor: Actor, what: string): void {
  if (!actor.scopes.has('registry.admin')) throw new RegistryError('forbidden', `${what} needs registry.admin`);
}

export function setModelState(
  ctx: RegistryContext,
  actor: Actor,
  name: string,
  state: 'LIVE' | 'ARCHIVED',
  ifMatch: string | undefined,
): Promise<Model> {
  return changeModel(
    ctx,
    actor,
    name,
    ifMatch,
    state === 'ARCHIVED' ? 'model.archive' : 'model.restore',
    (row) => ({ ...row, state }),
    { allowArchived: true },
  );
}
