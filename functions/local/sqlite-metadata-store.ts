/** MetadataStore on SQLite (better-sqlite3, WAL): one table of (pk, sk) rows; transactions give the batch semantics. */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ConditionFailedError } from '../../shared/errors.js';
import type {
  Item,
  ItemData,
  MetadataStore,
  QueryOptions,
  QueryPage,
  WriteCondition,
  WriteOp,
} from '../../shared/ports/metadata-store.js';

interface Row {
  pk: string;
  sk: string;
  data: string;
  etag: string;
}

/** The greatest code point: `prefix + MAX_CHAR` bounds every key that starts with `prefix`. */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // A registry's hot rows (latest versions, aliases) stay cached as the table grows.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('mmap_size = 268435456');
    this.db.exec(`CREATE TABLE IF NOT EXISTS items (
      pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL, etag TEXT NOT NULL,
      PRIMARY KEY (pk, sk)) WITHOUT ROWID`);
    this.statements = {
      get: this.db.prepare<[string, string], Row>('SELECT pk, sk, data, etag FROM items WHERE pk = ? AND sk = ?'),
      etag: this.db.prepare<[string, string], { etag: string }>('SELECT etag FROM items WHERE pk = ? AND sk = ?'),
      query: this.db.prepare<[string, string, string, string, number], Row>(
        'SELECT pk, sk, data, etag FROM items WHERE pk = ? AND sk >= ? AND sk < ? AND sk > ? ORDER BY sk LIMIT ?',
      ),
      put: this.db.prepare<[string, string, string, string]>(
        'INSERT INTO items (pk, sk, data, etag) VALUES (?, ?, ?, ?) ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, etag = excluded.etag',
      ),
      delete: this.db.prepare<[string, string]>('DELETE FROM items WHERE pk = ? AND sk = ?'),
    };
  }

  async get<T extends ItemData>(pk: string, sk: string): Promise<Item<T> | undefined> {
    const row = this.statements.get.get(pk, sk);
    return row ? toItem<T>(row) : undefined;
  }

  async query<T extends ItemData>(pk: string, options: QueryOptions): Promise<QueryPage<T>> {
    const prefix = options.prefix ?? '';
    const rows = this.statements.query.all(pk, prefix, prefix + MAX_CHAR, options.after ?? '', options.limit + 1);
    const items = rows.slice(0, options.limit).map((r) => toItem<T>(r));
    const page: QueryPage<T> = { items };
    if (rows.length > options.limit) {
      const last = items.at(-1);
      if (last) page.lastKey = last.sk;
    }
    return page;
  }

  async batch(pk: string, writes: WriteOp[]): Promise<void> {
    const seen = new Set<string>();
    for (const w of writes) {
      if (seen.has(w.sk)) throw new Error(`batch writes row ${w.sk} twice`);
      seen.add(w.sk);
    }
    this.db
      .transaction(() => {
        writes.forEach((w, index) => {
          if (w.if && !this.holds(pk, w.sk, w.if))
            throw new ConditionFailedError(`condition on ${pk}/${w.sk} does not hold`, { index });
        });
        for (const w of writes) {
          if (w.op === 'put') this.statements.put.run(pk, w.sk, JSON.stringify(w.data), randomUUID());
          else if (w.op === 'delete') this.statements.delete.run(pk, w.sk);
        }
      })
      .immediate();
  }

  async increment(pk: string, sk: string, field: string, by = 1): Promise<number> {
    return this.db
      .transaction(() => {
        const row = this.statements.get.get(pk, sk);
        const data = row ? (JSON.parse(row.data) as ItemData) : {};
        const next = (typeof data[field] === 'number' ? (data[field] as number) : 0) + by;
        this.statements.put.run(pk, sk, JSON.stringify({ ...data, [field]: next }), randomUUID());
        return next;
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }

  private holds(pk: string, sk: string, condition: WriteCondition): boolean {
    const current = this.statements.etag.get(pk, sk);
    if ('absent' in condition) return current === undefined;
    if ('exists' in condition) return current !== undefined;
    return current?.etag === condition.etag;
  }
}

const toItem = <T extends ItemData>(row: Row): Item<T> => ({
  pk: row.pk,
  sk: row.sk,
  data: JSON.parse(row.data) as T,
  etag: row.etag,
});
