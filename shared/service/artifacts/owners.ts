/**
 * Who holds artifacts: a run, or a logged model (MLflow 3). Each keeps its artifact index in
 * its own partition and claims the blobs its files name, so GC keeps them while it lists them.
 */
import { createHash } from 'node:crypto';
import { runKeys } from '../../domain/keys.js';
import { invalid } from '../../errors.js';
import type { Claim } from '../blobs.js';
import type { RegistryContext } from '../context.js';
import { loadLoggedModel } from '../tracking/logged-models.js';
import { loadRunRow } from '../tracking/runs.js';

export type ArtifactOwner = { kind: 'run'; id: string } | { kind: 'loggedModel'; id: string };

export const ownerPartition = (owner: ArtifactOwner): string =>
  owner.kind === 'run' ? runKeys.run(owner.id) : runKeys.loggedModel(owner.id);

export const ownerName = (owner: ArtifactOwner): string =>
  owner.kind === 'run' ? `run ${owner.id}` : `logged model ${owner.id}`;

/** One claim per (owner, path): a path hash keeps the row key short whatever the path's length. */
export function artifactClaim(owner: ArtifactOwner, path: string): Claim {
  const pathHash = createHash('sha256').update(path).digest('hex').slice(0, 32);
  return { holder: `${owner.kind === 'run' ? 'run' : 'lmodel'}/${owner.id}/${pathHash}` };
}

/** The owner must exist; a write needs it active (a deleted run or logged model takes no artifacts). */
export async function requireOwner(
  ctx: RegistryContext,
  owner: ArtifactOwner,
  purpose: 'read' | 'write',
): Promise<void> {
  const row =
    owner.kind === 'run' ? (await loadRunRow(ctx, owner.id)).data : (await loadLoggedModel(ctx, owner.id)).data;
  if (purpose === 'write' && (row.lifecycleStage ?? 'active') !== 'active')
    throw invalid(owner.kind === 'run' ? 'runId' : 'modelId', `${ownerName(owner)} is deleted`);
}
