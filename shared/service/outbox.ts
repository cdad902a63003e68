/**
 * The history outbox: history rows are written in the same batch as each change, and this
 * publishes them at least once, with the row's ulid as event id, advancing a per-model
 * watermark only after the sink accepted them (a crash re-publishes, never loses).
 */
import { keys } from '../domain/keys.js';
import { ConditionFailedError } from '../errors.js';
import type { EventSink, RegistryEvent } from '../ports/event-sink.js';
import type { RegistryContext } from './context.js';
import { eventOfHistory, type HistoryRow } from './history.js';

export async function drainHistory(
  ctx: RegistryContext,
  sink: EventSink,
  options: { maxModels?: number } = {},
): Promise<{ published: number }> {
  let published = 0;
  let afterModel: string | undefined;
  let models = 0;
  do {
    const catalog = await ctx.metadata.query(keys.catalog, { after: afterModel, limit: 500 });
    for (const entry of catalog.items) {
      if (++models > (options.maxModels ?? 100_000)) return { published };
      published += await drainModel(ctx, sink, entry.sk);
    }
    afterModel = catalog.lastKey;
  } while (afterModel !== undefined);
  return { published };
}

async function drainModel(ctx: RegistryContext, sink: EventSink, model: string): Promise<number> {
  const pk = keys.model(model);
  let published = 0;
  for (;;) {
    const mark = await ctx.metadata.get<{ after: string }>(pk, keys.published);
    const page = await ctx.metadata.query<HistoryRow>(pk, {
      prefix: keys.historyPrefix,
      after: mark?.data.after,
      limit: 100,
    });
    const last = page.items.at(-1);
    if (!last) return published;
    const events = page.items.map((i) => eventOfHistory(i.data)).filter((e): e is RegistryEvent => e !== undefined);
    if (events.length > 0) await sink.publish(events);
    published += events.length;
    try {
      await ctx.metadata.batch(pk, [
        { op: 'put', sk: keys.published, data: { after: last.sk }, if: mark ? { etag: mark.etag } : { absent: true } },
      ]);
    } catch (e) {
      // Another publisher advanced it: it will carry on from there.
      if (e instanceof ConditionFailedError) return published;
      throw e;
    }
    if (page.lastKey === undefined) return published;
  }
}
