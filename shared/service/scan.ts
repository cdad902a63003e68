/** Reads one partition page by page, keeping the rows `accept` maps, within a bounded amount of work. */
import type { Item, ItemData, MetadataStore } from '../ports/metadata-store.js';

export interface ScanResult<R> {
  items: R[];
  /** The last row key examined, when rows may remain. */
  resumeAfter: string | undefined;
}

export async function scanPartition<T extends ItemData, R>(
  store: MetadataStore,
  pk: string,
  options: {
    prefix: string;
    after: string | undefined;
    want: number;
    budget: number;
    /** The caller does not resume (`resumeAfter` may then be set with nothing after it): no row beyond is read. */
    final?: boolean;
  },
  accept: (item: Item<T>) => R | undefined,
): Promise<ScanResult<R>> {
  const items: R[] = [];
  let after = options.after;
  let budget = options.budget;
  // Ask for what is still wanted; when rows get filtered out, widen the next read.
  let widen = 1;
  while (budget > 0) {
    const limit = Math.min(budget, 1000, (options.want - items.length) * widen);
    widen *= 4;
    const page = await store.query<T>(pk, {
      prefix: options.prefix,
      after,
      limit,
      ...(options.final ? { exactLimit: true } : {}),
    });
    budget -= Math.max(page.items.length, 1);
    for (const [i, item] of page.items.entries()) {
      after = item.sk;
      const kept = accept(item);
      if (kept !== undefined) items.push(kept);
      if (items.length === options.want) {
        const more = i < page.items.length - 1 || page.lastKey !== undefined;
        return { items, resumeAfter: more ? after : undefined };
      }
    }
    if (page.lastKey === undefined) return { items, resumeAfter: undefined };
    after = page.lastKey;
  }
  return { items, resumeAfter: after };
}
