/**
 * The artifact index of a run or logged model: one row per directory entry,
 * `AL#<parent>#<name>` -> `{dir}` or `{size, sha256}`. A file row is found by one get, a
 * directory is listed by one prefix query, and directories exist only through the files under
 * them (their rows are written with each file).
 */
import { runKeys } from '../../domain/keys.js';
import { invalid, notFound } from '../../errors.js';
import { MAX_BATCH_WRITES, type WriteOp } from '../../ports/metadata-store.js';
import type { RegistryContext } from '../context.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import { scanPartition } from '../scan.js';
import { type ArtifactOwner, ownerName, ownerPartition } from './owners.js';

export interface ArtifactFile {
  [key: string]: unknown;
  path: string;
  size: number;
  sha256: string;
  contentType?: string;
  at: string;
}

export type ArtifactEntry =
  | { path: string; isDir: true }
  | { path: string; isDir: false; size: number; sha256: string };

interface EntryRow {
  [key: string]: unknown;
  dir?: boolean;
  path: string;
  size?: number;
  sha256?: string;
  contentType?: string;
  at?: string;
}

const split = (path: string): { parent: string; name: string } => {
  const i = path.lastIndexOf('/');
  return i < 0 ? { parent: '', name: path } : { parent: path.slice(0, i), name: path.slice(i + 1) };
};

/** Writes a file's row and the rows of every directory above it (idempotent puts). */
export async function indexArtifact(ctx: RegistryContext, owner: ArtifactOwner, file: ArtifactFile): Promise<void> {
  const writes: WriteOp[] = [];
  const segments = file.path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const dir = segments.slice(0, i).join('/');
    const { parent, name } = split(dir);
    writes.push({ op: 'put', sk: runKeys.artifactEntry(parent, name), data: { dir: true, path: dir } });
  }
  const { parent, name } = split(file.path);
  writes.push({ op: 'put', sk: runKeys.artifactEntry(parent, name), data: { ...file } });
  // The file's own row goes last, so a reader never finds a file whose directories are missing.
  for (let i = 0; i < writes.length; i += MAX_BATCH_WRITES)
    await ctx.metadata.batch(ownerPartition(owner), writes.slice(i, i + MAX_BATCH_WRITES));
}

export async function findArtifact(
  ctx: RegistryContext,
  owner: ArtifactOwner,
  path: string,
): Promise<ArtifactEntry | undefined> {
  const { parent, name } = split(path);
  const row = await ctx.metadata.get<EntryRow>(ownerPartition(owner), runKeys.artifactEntry(parent, name));
  if (!row) return undefined;
  return entryOf(row.data);
}

export async function artifactFile(ctx: RegistryContext, owner: ArtifactOwner, path: string): Promise<ArtifactFile> {
  const { parent, name } = split(path);
  const row = await ctx.metadata.get<EntryRow>(ownerPartition(owner), runKeys.artifactEntry(parent, name));
  if (!row || row.data.dir || row.data.sha256 === undefined)
    throw notFound(`artifact "${path}" of ${ownerName(owner)}`);
  return row.data as ArtifactFile;
}

const entryOf = (row: EntryRow): ArtifactEntry =>
  row.dir
    ? { path: row.path, isDir: true }
    : { path: row.path, isDir: false, size: row.size ?? 0, sha256: row.sha256 ?? '' };

/** The entries directly under `dir` ('' for the root), in name order, paged. */
export async function listArtifactDir(
  ctx: RegistryContext,
  owner: ArtifactOwner,
  dir: string,
  page: { pageSize: number; pageToken?: string },
): Promise<{ items: ArtifactEntry[]; nextPageToken: string | null }> {
  const pk = ownerPartition(owner);
  const prefix = runKeys.artifactDirPrefix(dir);
  const scope = { route: 'artifacts', partition: pk, filter: dir };
  const after = page.pageToken ? decodePageToken(page.pageToken, scope, prefix) : undefined;
  const result = await scanPartition<EntryRow, ArtifactEntry>(
    ctx.metadata,
    pk,
    { prefix, after, want: page.pageSize, budget: page.pageSize },
    (item) => entryOf(item.data),
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

export const MAX_WALKED_FILES = 1000;

/**
 * Every file at or under `path`, with paths relative to it (a file names itself by its base
 * name). Bounded: more than MAX_WALKED_FILES files is a 400.
 */
export async function walkArtifacts(
  ctx: RegistryContext,
  owner: ArtifactOwner,
  path: string,
): Promise<Array<ArtifactFile & { relative: string }>> {
  const pk = ownerPartition(owner);
  if (path !== '') {
    const entry = await findArtifact(ctx, owner, path);
    if (!entry) throw notFound(`artifact "${path}" of ${ownerName(owner)}`);
    if (!entry.isDir) {
      const file = await artifactFile(ctx, owner, path);
      return [{ ...file, relative: split(path).name }];
    }
  }
  const out: Array<ArtifactFile & { relative: string }> = [];
  const dirs = [path];
  while (dirs.length > 0) {
    const dir = dirs.shift() ?? '';
    let after: string | undefined;
    do {
      const page = await ctx.metadata.query<EntryRow>(pk, {
        prefix: runKeys.artifactDirPrefix(dir),
        after,
        limit: 1000,
      });
      for (const item of page.items) {
        if (item.data.dir) dirs.push(item.data.path);
        else {
          out.push({
            ...(item.data as ArtifactFile),
            relative: path === '' ? item.data.path : item.data.path.slice(path.length + 1),
          });
          if (out.length > MAX_WALKED_FILES)
            throw invalid('source', `more than ${MAX_WALKED_FILES} files under "${path}"`);
        }
      }
      after = page.lastKey;
    } while (after !== undefined);
  }
  return out;
}

/** Removes a file's row (its directories stay while listed; an empty one lists nothing under it). */
export async function unindexArtifact(ctx: RegistryContext, owner: ArtifactOwner, path: string): Promise<void> {
  const { parent, name } = split(path);
  await ctx.metadata.batch(ownerPartition(owner), [{ op: 'delete', sk: runKeys.artifactEntry(parent, name) }]);
}
