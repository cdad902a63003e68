/**
 * Large artifacts (MLflow's multipart proxy protocol): `create` stages a multipart upload and
 * answers signed part URLs, so the bytes go straight to storage; `complete` finishes the upload,
 * hashes the staged object and settles it as `putArtifact` does; `abort` drops it. An upload
 * neither completed nor aborted within the pending timeout (a client killed mid-upload) is
 * dropped by the sweeper, through the due index: a store keeps the parts of an open multipart
 * upload, and bills them, until it is aborted.
 */
import { keys, objectKeys, runKeys } from '../../domain/keys.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { SignedRequest } from '../../ports/object-store.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { digestObject } from '../resumable-digest.js';
import type { ArtifactFile } from './index.js';
import { type ArtifactOwner, ownerPartition, requireOwner } from './owners.js';
import { checkArtifactPath, settleArtifact } from './upload.js';

/** Every part URL comes in the one `create` answer (MLflow's protocol), so their number is bounded. */
export const MAX_ARTIFACT_PARTS = 1000;

interface UploadRow {
  [key: string]: unknown;
  path: string;
  stagingKey: string;
  storeUploadId: string;
  contentType?: string;
  createdAt: string;
}

/** The due index's row for an upload: all the sweeper needs to abort it, whatever else was written. */
export interface UploadDue {
  [key: string]: unknown;
  kind: 'artifact-upload';
  owner: ArtifactOwner;
  uploadId: string;
  stagingKey: string;
  storeUploadId: string;
}

export const isUploadDue = (data: Record<string, unknown>): data is UploadDue => data.kind === 'artifact-upload';

export interface ArtifactMultipart {
  uploadId: string;
  parts: Array<{ partNumber: number } & SignedRequest>;
}

export async function createArtifactMultipart(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
  partCount: number,
  contentType?: string,
): Promise<ArtifactMultipart> {
  requireScope(actor, 'registry.write');
  checkArtifactPath(path);
  if (
    !Number.isInteger(partCount) ||
    partCount < 1 ||
    partCount > Math.min(MAX_ARTIFACT_PARTS, ctx.objects.multipart.maxParts)
  )
    throw invalid('num_parts', `must be 1-${Math.min(MAX_ARTIFACT_PARTS, ctx.objects.multipart.maxParts)}`);
  await requireOwner(ctx, owner, 'write');
  const uploadId = ctx.newId();
  const stagingKey = objectKeys(ctx.settings.prefix).staging(uploadId, 0);
  const { uploadId: storeUploadId } = await ctx.objects.createMultipart(stagingKey, contentType ? { contentType } : {});
  const now = ctx.clock.now();
  // The due row first: a create that stops before its upload row still leaves the store's upload
  // where the sweeper finds it.
  const dueAt = new Date(now.getTime() + ctx.settings.pendingTimeoutSeconds * 1000).toISOString();
  const due: UploadDue = { kind: 'artifact-upload', owner, uploadId, stagingKey, storeUploadId };
  await ctx.metadata.batch(keys.due(dueAt), [{ op: 'put', sk: keys.dueUploadRow(dueAt, uploadId), data: due }]);
  const row: UploadRow = { path, stagingKey, storeUploadId, createdAt: now.toISOString() };
  if (contentType !== undefined) row.contentType = contentType;
  await ctx.metadata.batch(ownerPartition(owner), [{ op: 'put', sk: runKeys.artifactUpload(uploadId), data: row }]);
  const parts: ArtifactMultipart['parts'] = [];
  for (let n = 1; n <= partCount; n++)
    parts.push({
      partNumber: n,
      // MLflow's request names no part size: a part may hold what the store takes in one part.
      ...(await ctx.objects.presignPart(stagingKey, storeUploadId, n, {
        expiresInSeconds: ctx.settings.uploadUrlSeconds,
        maxBytes: ctx.objects.multipart.maxPartBytes,
      })),
    });
  return { uploadId, parts };
}

async function loadUpload(ctx: RegistryContext, owner: ArtifactOwner, uploadId: string, path: string) {
  if (!/^[0-9A-Z]{26}$/.test(uploadId)) throw invalid('upload_id', 'not an upload id this registry issued');
  const row = await ctx.metadata.get<UploadRow>(ownerPartition(owner), runKeys.artifactUpload(uploadId));
  if (!row) throw notFound(`upload ${uploadId}`);
  if (row.data.path !== path) throw invalid('path', `upload ${uploadId} is for "${row.data.path}"`);
  return row.data;
}

export async function completeArtifactMultipart(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
  uploadId: string,
): Promise<ArtifactFile> {
  requireScope(actor, 'registry.write');
  checkArtifactPath(path);
  await requireOwner(ctx, owner, 'write');
  const upload = await loadUpload(ctx, owner, uploadId, path);
  if (!(await ctx.objects.head(upload.stagingKey))) {
    // The store's own list of parts, not the client's: what is staged is what gets hashed.
    const parts = await ctx.objects.listParts(upload.stagingKey, upload.storeUploadId);
    if (parts.length === 0) throw conflict(`no part of "${path}" has been uploaded`);
    await ctx.objects.completeMultipart(upload.stagingKey, upload.storeUploadId, parts);
  }
  const info = await ctx.objects.head(upload.stagingKey);
  if (!info) throw conflict(`"${path}" was not assembled; upload it again`);
  let sha256 = info.sha256;
  if (sha256 === undefined) {
    const outcome = await digestObject(ctx.objects, upload.stagingKey, info, {
      sha256: ctx.sha256,
      deadlineMs: Date.now() + ctx.settings.verificationSliceMs,
    });
    if (!outcome.done) throw conflict(`"${path}" could not be hashed in time; complete it again`);
    sha256 = outcome.sha256;
  }
  const file: ArtifactFile = { path, size: info.size, sha256, at: ctx.clock.now().toISOString() };
  if (upload.contentType !== undefined) file.contentType = upload.contentType;
  await settleArtifact(ctx, owner, file, { key: upload.stagingKey, etag: info.etag });
  await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
  await ctx.metadata.batch(ownerPartition(owner), [{ op: 'delete', sk: runKeys.artifactUpload(uploadId) }]);
  return file;
}

export async function abortArtifactMultipart(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
  uploadId: string,
): Promise<void> {
  requireScope(actor, 'registry.write');
  checkArtifactPath(path);
  await requireOwner(ctx, owner, 'write');
  const upload = await loadUpload(ctx, owner, uploadId, path);
  await ctx.objects.abortMultipart(upload.stagingKey, upload.storeUploadId).catch(() => undefined);
  await dropStaged(ctx, owner, uploadId, upload.stagingKey);
}

/** What an aborted upload leaves once the store's upload is gone: its staged object and its row. */
async function dropStaged(ctx: RegistryContext, owner: ArtifactOwner, uploadId: string, stagingKey: string) {
  await ctx.objects.delete(stagingKey).catch(() => undefined);
  await ctx.metadata.batch(ownerPartition(owner), [{ op: 'delete', sk: runKeys.artifactUpload(uploadId) }]);
}

/**
 * The sweeper's end of an upload that came due: its store upload aborted and its staged object
 * and upload row deleted. True when the upload was still open (abandoned); an upload completed or
 * aborted in time has no row left, and aborting it again finds nothing in the store.
 */
export async function dropAbandonedUpload(ctx: RegistryContext, due: UploadDue): Promise<boolean> {
  const row = await ctx.metadata.get<UploadRow>(ownerPartition(due.owner), runKeys.artifactUpload(due.uploadId));
  await ctx.objects.abortMultipart(due.stagingKey, due.storeUploadId);
  if (!row) return false;
  await dropStaged(ctx, due.owner, due.uploadId, due.stagingKey);
  return true;
}
