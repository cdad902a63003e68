/**
 * Artifact bytes the function receives (MLflow's artifact PUT): streamed to a staging key while
 * hashed, then moved into the blob area as a held blob (or claimed, when the registry already
 * holds the same bytes), and indexed under the owner's path.
 */
import { objectKeys } from '../../domain/keys.js';
import { filePathProblem } from '../../domain/names.js';
import { invalid } from '../../errors.js';
import { requireScope } from '../authorization.js';
import { claimHeldBlob, ingestBlob, releaseClaim } from '../blobs.js';
import type { Actor, RegistryContext } from '../context.js';
import { type ArtifactFile, findArtifact, indexArtifact } from './index.js';
import { type ArtifactOwner, artifactClaim, requireOwner } from './owners.js';

export function checkArtifactPath(path: string): void {
  const problem = filePathProblem(path);
  if (problem) throw invalid('path', problem);
}

export async function putArtifact(
  ctx: RegistryContext,
  actor: Actor,
  owner: ArtifactOwner,
  path: string,
  body: ReadableStream<Uint8Array>,
  options: { size?: number; contentType?: string },
): Promise<ArtifactFile> {
  requireScope(actor, 'registry.write');
  checkArtifactPath(path);
  await requireOwner(ctx, owner, 'write');
  const stagingKey = objectKeys(ctx.settings.prefix).staging(ctx.newId(), 0);
  const hasher = await ctx.sha256.create();
  let size = 0;
  const hashed = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hasher.update(chunk);
        size += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    const { etag } = await ctx.objects.write(stagingKey, hashed, options);
    const file: ArtifactFile = { path, size, sha256: hasher.hex(), at: ctx.clock.now().toISOString() };
    if (options.contentType !== undefined) file.contentType = options.contentType;
    await settleArtifact(ctx, owner, file, { key: stagingKey, etag });
    return file;
  } finally {
    await ctx.objects.delete(stagingKey).catch(() => undefined);
  }
}

/**
 * Makes verified staged bytes the owner's file at `file.path`: claims the blob (copying the
 * bytes in unless already held), indexes the path, then drops the claim of bytes it replaced.
 */
export async function settleArtifact(
  ctx: RegistryContext,
  owner: ArtifactOwner,
  file: ArtifactFile,
  staged: { key: string; etag: string },
): Promise<void> {
  const claim = artifactClaim(owner, file.path);
  const before = await findArtifact(ctx, owner, file.path);
  if (!(await claimHeldBlob(ctx, file.sha256, file.size, claim)))
    await ingestBlob(ctx, file.sha256, file.size, staged, claim);
  await indexArtifact(ctx, owner, file);
  if (before && !before.isDir && before.sha256 !== file.sha256)
    await releaseClaim(ctx, before.sha256, claim).catch(() => undefined);
}
