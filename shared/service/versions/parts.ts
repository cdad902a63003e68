/** Multipart uploads of a PENDING version: signed part URLs in batches. */
import { conflict, invalid } from '../../errors.js';
import { type Actor, type RegistryContext } from '../context.js';
import { loadModelForWrite } from '../models.js';
import { loadVersion } from '../refs.js';
import { loadFiles } from './reads.js';
export async function partUrls(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  request: { path: string; partNumbers: number[] },
): Promise<{ parts: Array<{ partNumber: number } & Awaited<ReturnType<RegistryContext['objects']['presignPart']>>> }> {
  await loadModelForWrite(ctx, actor, model);
  const item = await loadVersion(ctx, model, ref);
  if (item.data.state !== 'PENDING') throw conflict(`version ${item.data.version} is ${item.data.state}`);
  const file = (await loadFiles(ctx, model, item.data)).find((f) => f.path === request.path);
  if (!file) throw invalid('path', `no file "${request.path}" in version ${item.data.version}`);
  const upload = item.data.pending.find((u) => u.sha256 === file.sha256);
  if (!upload?.multipartUploadId) throw invalid('path', `"${request.path}" is not a multipart upload of this version`);
  const uploadId = upload.multipartUploadId;
  const parts = await Promise.all(
    request.partNumbers.map(async (partNumber) => ({
      partNumber,
      ...(await ctx.objects.presignPart(upload.stagingKey, uploadId, partNumber, ctx.settings.uploadUrlSeconds)),
    })),
  );
  return { parts };
}
