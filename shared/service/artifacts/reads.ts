/** Reading artifacts: a directory's entries, a file's signed download URL, and removal. */
import { objectKeys } from '../../domain/keys.js';
import { requireScope } from '../authorization.js';
import { releaseClaim } from '../blobs.js';
import type { Actor, RegistryContext } from '../context.js';
import { pageSizeOf } from '../page-token.js';
import { type ArtifactEntry, artifactFile, findArtifact, listArtifactDir, unindexArtifact } from './index.js';
import { type ArtifactOwner, artifactClaim, requireOwner } from './owners.js';
import { checkArtifactPath } from './upload.js';

export async function listArtifacts(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  dir: string,
  page: { pageSize?: string; pageToken?: string },
): Promise<{ items: ArtifactEntry[]; nextPageToken: string | null }> {
  requireScope(actor, 'registry.read');
  if (dir !== '') checkArtifactPath(dir);
  await requireOwner(ctx, owner, 'read');
  const pageSize = pageSizeOf(page.pageSize ?? '1000');
  // A file lists nothing under it, as in MLflow.
  if (dir !== '' && (await findArtifact(ctx, owner, dir))?.isDir === false) return { items: [], nextPageToken: null };
  return listArtifactDir(ctx, owner, dir, { pageSize, ...(page.pageToken ? { pageToken: page.pageToken } : {}) });
}

export async function artifactDownload(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
): Promise<{ url: string; expiresAt: string; size: number; sha256: string }> {
  requireScope(actor, 'registry.read');
  checkArtifactPath(path);
  const file = await artifactFile(ctx, owner, path);
  const signed = await ctx.objects.presignGet(objectKeys(ctx.settings.prefix).blob(file.sha256), {
    expiresInSeconds: ctx.settings.downloadUrlSeconds,
    filename: path.slice(path.lastIndexOf('/') + 1),
    ...(file.contentType ? { contentType: file.contentType } : {}),
  });
  return { url: signed.url, expiresAt: signed.expiresAt, size: file.size, sha256: file.sha256 };
}

/** Removes one file from the index and releases its claim (the blob stays while others claim it). */
export async function deleteArtifact(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
): Promise<void> {
  requireScope(actor, 'registry.write');
  checkArtifactPath(path);
  await requireOwner(ctx, owner, 'write');
  const file = await artifactFile(ctx, owner, path);
  await unindexArtifact(ctx, owner, path);
  await releaseClaim(ctx, file.sha256, artifactClaim(owner, path)).catch(() => undefined);
}
