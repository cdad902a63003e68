/**
 * Multipart uploads of a PENDING version: how a file is cut into parts, signed part URLs in
 * batches, and the parts the store already holds (so a client resumes an interrupted upload).
 */
import { conflict, invalid } from '../../errors.js';
import type { Item } from '../../ports/metadata-store.js';
import type { SignedRequest, UploadedPart } from '../../ports/object-store.js';
import type { Actor, RegistryContext } from '../context.js';
import { loadModelForWrite } from '../models.js';
import type { PendingUpload, VersionRow } from '../records.js';
import { loadVersion } from '../refs.js';
import { loadFiles } from './reads.js';

/**
 * How a file of this size is cut into parts: the client's part size when it asked for one,
 * else at least 64 MiB; always within the store's part limits and part count.
 */
export function multipartPlan(
  ctx: RegistryContext,
  size: number,
  requested?: number,
): { partSize: number; partCount: number } {
  const { minPartBytes, maxPartBytes, maxParts } = ctx.objects.multipart;
  const mib = 1024 * 1024;
  const fewestBytes = Math.ceil(size / maxParts / mib) * mib;
  const wanted =
    requested === undefined ? Math.max(minPartBytes, 64 * mib, fewestBytes) : Math.max(requested, fewestBytes);
  const partSize = Math.min(wanted, maxPartBytes);
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** The most bytes part `partNumber` of the plan holds: the part size, the remainder for the last part. */
export function partBytes(plan: { partSize: number; partCount: number }, size: number, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

/** A client's part size, checked against the store's limits (400 naming `partSize` outside them). */
export function checkPartSize(ctx: RegistryContext, partSize: number | undefined): void {
  if (partSize === undefined) return;
  const { minPartBytes, maxPartBytes } = ctx.objects.multipart;
  if (partSize < minPartBytes || partSize > maxPartBytes)
    throw invalid('partSize', `must be between ${minPartBytes} and ${maxPartBytes} bytes on this registry`);
}

type MultipartUpload = PendingUpload & { multipartUploadId: string };

/** The multipart upload of one file of a PENDING version, for a writer of its model. */
async function multipartUploadOf(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  path: string,
): Promise<{ item: Item<VersionRow>; upload: MultipartUpload }> {
  await loadModelForWrite(ctx, actor, model);
  const item = await loadVersion(ctx, model, ref);
  if (item.data.state !== 'PENDING') throw conflict(`version ${item.data.version} is ${item.data.state}`);
  const file = (await loadFiles(ctx, model, item.data)).find((f) => f.path === path);
  if (!file) throw invalid('path', `no file "${path}" in version ${item.data.version}`);
  const upload = item.data.pending.find((u) => u.sha256 === file.sha256);
  if (upload?.multipartUploadId === undefined)
    throw invalid('path', `"${path}" is not a multipart upload of this version`);
  return { item, upload: { ...upload, multipartUploadId: upload.multipartUploadId } };
}

export async function partUrls(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  request: { path: string; partNumbers: number[] },
): Promise<{ parts: Array<{ partNumber: number } & SignedRequest> }> {
  const { upload } = await multipartUploadOf(ctx, actor, model, ref, request.path);
  const plan = multipartPlan(ctx, upload.size, upload.partSize);
  // A URL for a part the plan lacks would only be room for bytes nobody declared.
  const outside = request.partNumbers.find((n) => n > plan.partCount);
  if (outside !== undefined)
    throw invalid(
      'partNumbers',
      `the upload of "${request.path}" has ${plan.partCount} part(s); there is no part ${outside}`,
    );
  const parts = await Promise.all(
    request.partNumbers.map(async (partNumber) => ({
      partNumber,
      ...(await ctx.objects.presignPart(upload.stagingKey, upload.multipartUploadId, partNumber, {
        expiresInSeconds: ctx.settings.uploadUrlSeconds,
        maxBytes: partBytes(plan, upload.size, partNumber),
      })),
    })),
  );
  return { parts };
}

export interface UploadedParts {
  path: string;
  partSize: number;
  partCount: number;
  /** The parts the store holds so far, by part number: a client resumes with the rest. */
  parts: UploadedPart[];
}

export async function uploadedParts(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  path: string,
): Promise<UploadedParts> {
  const { upload } = await multipartUploadOf(ctx, actor, model, ref, path);
  const parts = await ctx.objects.listParts(upload.stagingKey, upload.multipartUploadId);
  return {
    path,
    ...multipartPlan(ctx, upload.size, upload.partSize),
    parts: [...parts].sort((a, b) => a.partNumber - b.partNumber),
  };
}
