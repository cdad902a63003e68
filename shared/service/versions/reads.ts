/** Reading versions: one by ref, a paged list, their files and signed download URLs. */
import { keys, objectKeys } from '../../domain/keys.js';
import type { ModelVersion, Page, VersionFile } from '../../domain/types.js';
import { conflict, notFound, RegistryError } from '../../errors.js';
import { requireScope } from '../authorization.js';
import { type Actor, type RegistryContext } from '../context.js';
import { parseFilter, tagsMatch } from '../filter.js';
import { loadModelRow } from '../models.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import type { VersionRow } from '../records.js';
import { isExpired, versionFromRow } from '../records.js';
import { readVersion } from '../refs.js';
import { scanPartition } from '../scan.js';
export async function loadFiles(ctx: RegistryContext, model: string, row: VersionRow): Promise<VersionFile[]> {
  if (!row.filesExternal) return row.files ?? [];
  const files: VersionFile[] = [];
  let after: string | undefined;
  do {
    const page = await ctx.metadata.query<VersionFile & Record<string, unknown>>(keys.model(model), {
      prefix: keys.filesPrefix(row.version),
      after,
      limit: 1000,
    });
    for (const item of page.items) files.push(item.data);
    after = page.lastKey;
  } while (after !== undefined);
  return files;
}

/**
 * A version to read. Its rows exist only while the model does (deletion removes versions
 * first), so the model row is read only to tell a missing model from a missing version.
 */
export async function readVersionOfModel(ctx: RegistryContext, model: string, ref: string): Promise<VersionRow> {
  try {
    return await readVersion(ctx, model, ref);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') await loadModelRow(ctx, model);
    throw e;
  }
}

export async function getVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
): Promise<ModelVersion> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  return versionFromRow(model, row, await loadFiles(ctx, model, row));
}

const VERSION_FILTERS = new Set(['tags', 'runId', 'state']);

export async function listVersions(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  query: { pageSize?: string; pageToken?: string; filter?: string },
  /** A further condition (a compatibility layer's filter), bound into page tokens by `filterKey`. */
  extra?: { match: (version: ModelVersion) => boolean; filterKey: string },
): Promise<Page<ModelVersion>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const filter = parseFilter(query.filter, VERSION_FILTERS);
  await loadModelRow(ctx, model);
  const pk = keys.model(model);
  const canonical = extra ? JSON.stringify([filter.canonical, extra.filterKey]) : filter.canonical;
  const scope = { route: 'versions', partition: pk, filter: canonical.slice(0, 2000) };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, keys.versionPrefix) : undefined;
  const now = ctx.clock.now();
  const result = await scanPartition<VersionRow, ModelVersion>(
    ctx.metadata,
    pk,
    { prefix: keys.versionPrefix, after, want: pageSize, budget: Math.max(pageSize * 5, 500) },
    ({ data }) => {
      if (isExpired(data, now)) return undefined;
      if (filter.runId !== undefined && data.runId !== filter.runId) return undefined;
      if (filter.state !== undefined && data.state !== filter.state) return undefined;
      if (!tagsMatch(data.tags, filter.tags)) return undefined;
      const version = versionFromRow(model, data, undefined);
      return extra && !extra.match(version) ? undefined : version;
    },
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

export async function fileDownload(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  path: string,
): Promise<{ url: string; expiresAt: string; size: number; sha256: string }> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  if (row.state !== 'READY' && row.state !== 'ARCHIVED')
    throw conflict(`version ${row.version} is ${row.state}; files download once it is READY`);
  const file = (await loadFiles(ctx, model, row)).find((f) => f.path === path);
  if (!file) throw notFound(`file "${path}" in version ${row.version}`);
  const signed = await ctx.objects.presignGet(objectKeys(ctx.settings.prefix).blob(file.sha256), {
    expiresInSeconds: ctx.settings.downloadUrlSeconds,
    filename: path.slice(path.lastIndexOf('/') + 1),
    contentType: file.contentType,
  });
  return { url: signed.url, expiresAt: signed.expiresAt, size: file.size, sha256: file.sha256 };
}

export async function listFiles(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
): Promise<VersionFile[]> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  return loadFiles(ctx, model, row);
}
