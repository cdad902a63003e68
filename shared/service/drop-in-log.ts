/**
 * What the registry remembers of each `incoming/` drop-in write (partition `DROP#<model>`, a
 * row per path): the write's etag and sequencer (overwrites are ordered by it), its writer, and
 * what became of it. The sweeper's reconciliation reads it to skip settled writes and to finish
 * those whose event came but failed, as the writer the event named; the API lists it, so a
 * rejected drop-in is visible even for a model that does not exist.
 */
import { keys } from '../domain/keys.js';
import type { Page } from '../domain/types.js';
import { ConditionFailedError } from '../errors.js';
import { requireScope } from './authorization.js';
import type { Actor, RegistryContext } from './context.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token.js';
import { scanPartition } from './scan.js';

export interface DropInRow {
  [key: string]: unknown;
  etag: string;
  sequencer?: string;
  versionId?: string;
  /** Who wrote the object, as its notification named them. */
  creator?: string;
  /** When this row was written. */
  at?: string;
  version?: number;
  /** Why this write did not register. */
  rejected?: string;
  /** Authorized and being registered: the event came, the outcome is not written yet. */
  pending?: true;
}

export interface DropInRecord {
  path: string;
  state: 'REGISTERED' | 'REJECTED' | 'PENDING';
  etag: string;
  creator?: string;
  version?: number;
  reason?: string;
  recordedAt?: string;
}

/** The write a row is about, as an object-created event names it. */
export interface DropInWrite {
  etag: string;
  sequencer?: string;
  versionId?: string;
  creator?: string;
}

/** S3 sequencers are hex of varying length: compare them right-aligned. */
export function sequencerIsNewer(candidate: string | undefined, current: string | undefined): boolean {
  if (candidate === undefined || current === undefined) return true;
  const width = Math.max(candidate.length, current.length);
  return candidate.padStart(width, '0') > current.padStart(width, '0');
}

export const readDropIn = (ctx: RegistryContext, model: string, path: string) =>
  ctx.metadata.get<DropInRow>(keys.dropIns(model), keys.dropIn(path));

/**
 * Records what became of a write. An older write (by sequencer) never replaces a newer one's
 * row; the same write's row moves on (pending -> outcome), but a settled outcome is not turned
 * back into `pending` by a redelivered event.
 */
export async function recordDropIn(
  ctx: RegistryContext,
  model: string,
  path: string,
  write: DropInWrite,
  result: { version: number } | { rejected: string } | { pending: true },
): Promise<void> {
  const pk = keys.dropIns(model);
  const row: DropInRow = { etag: write.etag, at: ctx.clock.now().toISOString(), ...result };
  if (write.sequencer !== undefined) row.sequencer = write.sequencer;
  if (write.versionId !== undefined) row.versionId = write.versionId;
  if (write.creator !== undefined) row.creator = write.creator;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await ctx.metadata.get<DropInRow>(pk, keys.dropIn(path));
    if (current) {
      const sameWrite = current.data.etag === write.etag;
      if (!sameWrite && !sequencerIsNewer(write.sequencer, current.data.sequencer)) return;
      if (sameWrite && 'pending' in result && !current.data.pending) return;
    }
    try {
      await ctx.metadata.batch(pk, [
        { op: 'put', sk: keys.dropIn(path), data: row, if: current ? { etag: current.etag } : { absent: true } },
      ]);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
}

function recordOf(path: string, row: DropInRow): DropInRecord {
  const record: DropInRecord = {
    path,
    state: row.rejected !== undefined ? 'REJECTED' : row.version !== undefined ? 'REGISTERED' : 'PENDING',
    etag: row.etag,
  };
  if (row.creator !== undefined) record.creator = row.creator;
  if (row.version !== undefined) record.version = row.version;
  if (row.rejected !== undefined) record.reason = row.rejected;
  if (row.at !== undefined) record.recordedAt = row.at;
  return record;
}

/** The drop-ins seen for a model name (whether or not the model exists), by path. */
export async function listDropIns(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<DropInRecord>> {
  requireScope(actor, 'registry.read');
  const pk = keys.dropIns(model);
  const pageSize = pageSizeOf(query.pageSize);
  const scope = { route: 'drop-ins', partition: pk, filter: '' };
  const prefix = keys.dropIn('');
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, prefix) : undefined;
  const result = await scanPartition<DropInRow, DropInRecord>(
    ctx.metadata,
    pk,
    { prefix, after, want: pageSize, budget: pageSize },
    ({ sk, data }) => recordOf(sk.slice(prefix.length), data),
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}
