/**
 * MetadataStore on Azure Table storage. Items are entities (PartitionKey, RowKey escaped by
 * table-keys.ts), their data JSON in chunked string properties (entity-data.ts). Conditions
 * map to ETags (`If-Match`), batches to entity group transactions within one partition.
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { ConditionFailedError, RetryableStoreError } from '../../shared/errors.js';
import {
  type Item,
  type ItemData,
  MAX_BATCH_WRITES,
  type MetadataStore,
  pageOfRows,
  type QueryOptions,
  type QueryPage,
  rowsToRead,
  type WriteOp,
} from '../../shared/ports/metadata-store.js';
import { dataFromProperties, dataToProperties } from './entity-data.js';
import { asStoreError, serviceCodeOf, statusOf } from './storage-errors.js';
import { decodeTableKey, encodeTableKey, prefixUpperBound } from './table-keys.js';
import { withDeleteEtags } from './transaction-delete-etags.js';

/** A Table page holds at most 1,000 entities. */
const MAX_PAGE = 1000;
/** How long `increment` keeps retrying a contended counter before giving up. */
const INCREMENT_DEADLINE_MS = 20_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Azure etags look like `W/"datetime'...'"`; anything else can never match, so it fails without a call. */
const isTableEtag = (etag: string) => /^W\/".+"$/.test(etag);

type Entity = TableEntityResult<Record<string, unknown>>;

export class TableMetadataStore implements MetadataStore {
  /** `client` should carry `deleteEtagPolicy` (see `tableClientOptions`) for conditional deletes in batches. */
  constructor(private readonly client: TableClient) {}

  /** Creates the table if it does not exist (tests and the emulator; in Azure the template creates it). */
  async ensureTable(): Promise<void> {
    await this.client.createTable();
  }

  async get<T extends ItemData>(pk: string, sk: string): Promise<Item<T> | undefined> {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(encodeTableKey(pk), encodeTableKey(sk));
      return toItem<T>(entity);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw asStoreError(e, `reading ${pk}/${sk}`);
    }
  }

  async query<T extends ItemData>(pk: string, options: QueryOptions): Promise<QueryPage<T>> {
    const clauses = [odata`PartitionKey eq ${encodeTableKey(pk)}`];
    if (options.prefix) {
      const lower = encodeTableKey(options.prefix);
      clauses.push(odata`RowKey ge ${lower}`);
      const upper = prefixUpperBound(lower);
      if (upper !== undefined) clauses.push(odata`RowKey lt ${upper}`);
    }
    if (options.after !== undefined) clauses.push(odata`RowKey gt ${encodeTableKey(options.after)}`);
    // One more than asked tells whether rows follow (unless told not to read it).
    const wanted = rowsToRead(options);
    const items: Item<T>[] = [];
    try {
      const pages = this.client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } })
        .byPage({ maxPageSize: Math.min(wanted, MAX_PAGE) });
      for await (const page of pages) {
        for (const entity of page) items.push(toItem<T>(entity));
        if (items.length >= wanted) break;
      }
    } catch (e) {
      throw asStoreError(e, `querying ${pk}`);
    }
    return pageOfRows(items, options);
  }

  async batch(pk: string, writes: WriteOp[]): Promise<void> {
    if (writes.length === 0) return;
    if (writes.length > MAX_BATCH_WRITES) throw new Error(`a batch takes at most ${MAX_BATCH_WRITES} writes`);
    const seen = new Set<string>();
    writes.forEach((w, index) => {
      if (seen.has(w.sk)) throw new Error(`batch writes row ${w.sk} twice`);
      seen.add(w.sk);
      if (w.if && 'etag' in w.if && !isTableEtag(w.if.etag))
        throw new ConditionFailedError(`condition on ${pk}/${w.sk} does not hold (foreign etag)`, { index });
    });
    const [only] = writes;
    if (writes.length === 1 && only) return this.single(pk, only);

    // An unconditional delete of a missing row fails a whole transaction (404); such writes
    // are dropped and the rest retried, as if the batch ran when the row was already gone.
    let pending = writes.map((w, index) => ({ w, index }));
    for (;;) {
      try {
        const etags = new Map<string, string>();
        for (const { w } of pending)
          if (w.op === 'delete' && w.if && 'etag' in w.if) etags.set(encodeTableKey(w.sk), w.if.etag);
        const actions = pending.map(({ w }) => toAction(pk, w));
        await withDeleteEtags(etags, () => this.client.submitTransaction(actions));
        return;
      } catch (e) {
        const position = failedIndex(e);
        const failed = position === undefined ? undefined : pending[position];
        const status = statusOf(e);
        if (status === 404 && failed && failed.w.op === 'delete' && !failed.w.if) {
          pending = pending.filter((p) => p !== failed);
          if (pending.length === 0) return;
          continue;
        }
        if (status === 404 || status === 409 || status === 412 || serviceCodeOf(e) === 'UpdateConditionNotSatisfied')
          throw new ConditionFailedError(
            `condition on ${pk}/${failed?.w.sk ?? '?'} does not hold (${serviceCodeOf(e) ?? status})`,
            { ...(failed ? { index: failed.index } : {}), cause: e },
          );
        throw asStoreError(e, `writing a batch to ${pk}`);
      }
    }
  }

  /** Increments of one counter from this process, chained: they queue here instead of racing on the etag. */
  private readonly counterQueues = new Map<string, Promise<number>>();

  async increment(pk: string, sk: string, field: string, by = 1): Promise<number> {
    const key = `${pk}\u0000${sk}`;
    const previous = this.counterQueues.get(key);
    const run = (previous ?? Promise.resolve(0)).catch(() => 0).then(() => this.incrementOnce(pk, sk, field, by));
    this.counterQueues.set(key, run);
    try {
      return await run;
    } finally {
      if (this.counterQueues.get(key) === run) this.counterQueues.delete(key);
    }
  }

  /** Read, add, replace under If-Match; other processes' increments make it retry. */
  private async incrementOnce(pk: string, sk: string, field: string, by: number): Promise<number> {
    const deadline = Date.now() + INCREMENT_DEADLINE_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await pause(Math.random() * Math.min(200, 5 * 2 ** attempt));
      const current = await this.get(pk, sk);
      const data = current?.data ?? {};
      const value = data[field];
      const next = (typeof value === 'number' ? value : 0) + by;
      const entity = this.entity(pk, sk, { ...data, [field]: next });
      try {
        // Replace rather than Merge: the data is chunked JSON, so the whole entity is rewritten,
        // under If-Match on the etag just read; a concurrent increment makes it fail and retry.
        if (current) await this.client.updateEntity(entity, 'Replace', { etag: current.etag });
        else await this.client.createEntity(entity);
        return next;
      } catch (e) {
        const status = statusOf(e);
        if (status === 409 || status === 412 || status === 404) continue;
        throw asStoreError(e, `incrementing ${pk}/${sk}`);
      }
    }
    throw new RetryableStoreError(`the counter ${pk}/${sk} stayed contended for ${INCREMENT_DEADLINE_MS} ms`);
  }

  private entity(pk: string, sk: string, data: ItemData) {
    return { partitionKey: encodeTableKey(pk), rowKey: encodeTableKey(sk), ...dataToProperties(data) };
  }

  private async single(pk: string, w: WriteOp): Promise<void> {
    const key = { partitionKey: encodeTableKey(pk), rowKey: encodeTableKey(w.sk) };
    try {
      if (w.op === 'put') {
        const entity = this.entity(pk, w.sk, w.data);
        if (!w.if) await this.client.upsertEntity(entity, 'Replace');
        else if ('absent' in w.if) await this.client.createEntity(entity);
        else await this.client.updateEntity(entity, 'Replace', { etag: 'etag' in w.if ? w.if.etag : '*' });
      } else if (w.op === 'check') {
        await this.client.updateEntity(key, 'Merge', { etag: w.if.etag });
      } else {
        const etag = w.if && 'etag' in w.if ? w.if.etag : '*';
        await this.client.deleteEntity(key.partitionKey, key.rowKey, { etag });
      }
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 && w.op === 'delete' && !w.if) return;
      if (status === 404 || status === 409 || status === 412)
        throw new ConditionFailedError(`condition on ${pk}/${w.sk} does not hold (${serviceCodeOf(e) ?? status})`, {
          index: 0,
          cause: e,
        });
      throw asStoreError(e, `writing ${pk}/${w.sk}`);
    }
  }
}

function toAction(pk: string, w: WriteOp): TransactionAction {
  const key = { partitionKey: encodeTableKey(pk), rowKey: encodeTableKey(w.sk) };
  if (w.op === 'delete') return ['delete', key]; // its etag, if any, is filled in by deleteEtagPolicy
  // No condition-only operation exists: merging no properties under If-Match checks the etag (and renews it).
  if (w.op === 'check') return ['update', key, 'Merge', { etag: w.if.etag }];
  const entity = { ...key, ...dataToProperties(w.data) };
  if (!w.if) return ['upsert', entity, 'Replace'];
  if ('absent' in w.if) return ['create', entity];
  return ['update', entity, 'Replace', { etag: 'etag' in w.if ? w.if.etag : '*' }];
}

/** The failing operation's position: the service starts the error message with `<index>:`. */
function failedIndex(e: unknown): number | undefined {
  const message = typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : '';
  const m = /^(\d+):/.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function toItem<T extends ItemData>(entity: Entity): Item<T> {
  return {
    pk: decodeTableKey(entity.partitionKey ?? ''),
    sk: decodeTableKey(entity.rowKey ?? ''),
    data: dataFromProperties(entity) as T,
    etag: entity.etag,
  };
}
