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

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly group: Database.Transaction<(jobs: Job[]) => Outcome[]>;
  private queue: Job[] = [];

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
    // Built once: a transaction of jobs, each in a savepoint of its own.
    const job = this.db.transaction((work: () => unknown) => work());
    this.group = this.db.transaction((jobs: Job[]) =>
      jobs.map((j): Outcome => {
        try {
          return { ok: true, value: job(j.work) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
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
    return this.enqueue(() => this.apply(pk, writes));
  }

  async increment(pk: string, sk: string, field: string, by = 1): Promise<number> {
    return this.enqueue(() => {
      const row = this.statements.get.get(pk, sk);
      const data = row ? (JSON.parse(row.data) as ItemData) : {};
      const next = (typeof data[field] === 'number' ? (data[field] as number) : 0) + by;
      this.statements.put.run(pk, sk, JSON.stringify({ ...data, [field]: next }), randomUUID());
      return next;
    });
  }

  close(): void {
    this.flush();
    this.db.close();
  }

  /**
   * Group commit: writes asked for while this turn of the event loop runs share one transaction,
   * committed when it ends, each in its own savepoint (a failed condition undoes only its batch).
   */
  private enqueue<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.group.immediate(jobs);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const job = jobs[i];
      if (!job) return;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  private apply(pk: string, writes: WriteOp[]): void {
    writes.forEach((w, index) => {
      if (w.if && !this.holds(pk, w.sk, w.if))
        throw new ConditionFailedError(`condition on ${pk}/${w.sk} does not hold`, { index });
    });
    for (const w of writes) {
      if (w.op === 'put') this.statements.put.run(pk, w.sk, JSON.stringify(w.data), randomUUID());
      else if (w.op === 'delete') this.statements.delete.run(pk, w.sk);
    }
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
