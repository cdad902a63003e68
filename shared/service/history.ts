/** History rows: the audit log, the alias history and the outbox of events, written in the same batch as the change. */

import { keys } from '../domain/keys.js';
import type { HistoryEntry } from '../domain/types.js';
import type { RegistryEvent } from '../ports/event-sink.js';
import type { WriteOp } from '../ports/metadata-store.js';
import type { Actor, RegistryContext } from './context.js';

export interface HistoryRow extends HistoryEntry {
  [key: string]: unknown;
  model: string;
  /** The event this change publishes, if any. */
  event?: RegistryEvent['type'];
}

export function historyWrite(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  change: { action: string; target: string; before: unknown; after: unknown; event?: RegistryEvent['type'] },
): { op: WriteOp; row: HistoryRow } {
  const id = ctx.newId();
  const row: HistoryRow = {
    id,
    at: ctx.clock.now().toISOString(),
    actor: actor.subject,
    action: change.action,
    target: change.target,
    before: change.before ?? null,
    after: change.after ?? null,
    model,
  };
  if (change.event) row.event = change.event;
  return { op: { op: 'put', sk: keys.history(id), data: row, if: { absent: true } }, row };
}

/** The event a history row stands for; its id is the row's ulid so consumers can dedupe. */
export function eventOfHistory(row: HistoryRow): RegistryEvent | undefined {
  if (!row.event) return undefined;
  return {
    id: row.id,
    type: row.event,
    model: row.model,
    time: row.at,
    detail: { action: row.action, target: row.target, actor: row.actor, before: row.before, after: row.after },
  };
}

export function entryOfRow(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: row.before,
    after: row.after,
  };
}
