/**
 * The metadata port: the semantics DynamoDB, Azure Table and SQLite share.
 * Items live in partitions (`pk`) ordered by row key (`sk`), read ascending only.
 * `etag` is the store's own concurrency token for an item; conditional writes use it.
 */
export type ItemData = Record<string, unknown>;

export interface Item<T extends ItemData = ItemData> {
  pk: string;
  sk: string;
  data: T;
  etag: string;
}

/** A write's precondition: the row must be absent, present, or at exactly this etag. */
export type WriteCondition = { absent: true } | { exists: true } | { etag: string };

export type WriteOp =
  | { op: 'put'; sk: string; data: ItemData; if?: WriteCondition }
  | { op: 'delete'; sk: string; if?: WriteCondition }
  /**
   * Writes nothing, but the batch applies only if the row is at this etag. Azure Table has no
   * such operation: there the row is merged with nothing, which gives it a new etag.
   */
  | { op: 'check'; sk: string; if: { etag: string } };

export interface QueryOptions {
  /** Only rows whose key starts with this. */
  prefix?: string;
  /** Only rows whose key sorts strictly after this. */
  after?: string;
  /** At most this many rows (the store may return fewer). */
  limit: number;
  /**
   * Read `limit` rows and no more: `lastKey` is then set on every full page, whether or not
   * rows follow. For a caller that stops at `limit` rows anyway (resolving `-1`); by default a
   * store reads one row beyond, so that `lastKey` means more rows really follow.
   */
  exactLimit?: boolean;
}

export interface QueryPage<T extends ItemData = ItemData> {
  items: Item<T>[];
  /** Set when more rows may follow; pass as `after` to continue. */
  lastKey?: string;
}

/** How many rows a store reads for `options`: one beyond the limit, unless `exactLimit`. */
export const rowsToRead = (options: QueryOptions): number => options.limit + (options.exactLimit ? 0 : 1);

/** The page of `rows` (as read, `rowsToRead` at most): `limit` of them, and `lastKey` when more may follow. */
export function pageOfRows<T extends ItemData>(rows: Item<T>[], options: QueryOptions): QueryPage<T> {
  const page: QueryPage<T> = { items: rows.slice(0, options.limit) };
  const full = options.exactLimit ? options.limit > 0 && rows.length >= options.limit : rows.length > options.limit;
  const last = page.items.at(-1);
  if (full && last) page.lastKey = last.sk;
  return page;
}

/** The most writes one `batch` may carry (DynamoDB and Azure Table both allow 100). */
export const MAX_BATCH_WRITES = 100;

export interface MetadataStore {
  get<T extends ItemData = ItemData>(pk: string, sk: string): Promise<Item<T> | undefined>;
  query<T extends ItemData = ItemData>(pk: string, options: QueryOptions): Promise<QueryPage<T>>;
  /**
   * Atomically applies every write, all in partition `pk`, or none.
   * Throws `ConditionFailedError` when a condition does not hold.
   */
  batch(pk: string, writes: WriteOp[]): Promise<void>;
  /** Adds `by` to the numeric field `field` of row (pk, sk), creating it at 0, and returns the new value. */
  increment(pk: string, sk: string, field: string, by?: number): Promise<number>;
}
