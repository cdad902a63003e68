/** MetadataStore on SQLite (better-sqlite3, WAL): one table of (pk, sk) rows; transactions give the batch semantics. */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ConditionFailedError } from '../../shared/errors.js';
import {
  type Item,
  type ItemData,
  type MetadataStore,
  pageOfRows,
  type QueryOptions,
  type QueryPage,
  rowsToRead,
  type WriteCondition,
  type WriteOp,
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
    try {
      // Time for a server that is exiting to let go of the lock; nothing else waits for it.
      this.db.pragma('busy_timeout = 2000');
      // One server owns its data directory. Holding the lock, SQLite keeps the WAL index in memory
      // and takes no file lock per statement: a point read costs ~3 µs instead of ~10.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Checkpoints (the only fsyncs in WAL mode at NORMAL) every 20,000 pages instead of 1,000:
      // metric logging writes a few pages per batch, and most are the same hot pages again.
      this.db.pragma('wal_autocheckpoint = 20000');
      // 8 MiB. Reads of the file go through the memory map below, so the cache holds mostly pages
      // being written. Larger costs every commit: a B-tree split renumbers a page through page
      // 262,145 for a moment, and the commit then scans the cache's whole hash table (64 MiB:
      // ~3% of a metric batch's CPU, against 0.1% at 8 MiB).
      this.db.pragma('cache_size = -8192');
      this.db.pragma('mmap_size = 268435456');
      this.createTable();
    } catch (e) {
      this.db.close();
      if ((e as { code?: unknown }).code === 'SQLITE_BUSY')
        throw new Error(`${file} is in use by another mreg server: one server per data directory`, { cause: e });
      throw e;
    }
    this.statements = {
      get: this.db.prepare<[string, string], Row>('SELECT pk, sk, data, etag FROM items WHERE pk = ? AND sk = ?'),
      etag: this.db.prepare<[string, string], { etag: string }>('SELECT etag FROM items WHERE pk = ? AND sk = ?'),
      // One lower bound each: given two (prefix and after), SQLite seeks by one and filters by the
      // other, so a query after the 10,000th row of a partition would step over the first 10,000.
      // A bare `LIMIT ?` costs ~6 µs more per call than the query itself; cast, it does not.
      queryFrom: this.db.prepare<[string, string, string, number], Row>(
        'SELECT pk, sk, data, etag FROM items WHERE pk = ? AND sk >= ? AND sk < ? ORDER BY sk LIMIT CAST(? AS INTEGER)',
      ),
      queryAfter: this.db.prepare<[string, string, string, number], Row>(
        'SELECT pk, sk, data, etag FROM items WHERE pk = ? AND sk > ? AND sk < ? ORDER BY sk LIMIT CAST(? AS INTEGER)',
      ),
      put: this.db.prepare<[string, string, string, string]>(
        'INSERT INTO items (pk, sk, data, etag) VALUES (?, ?, ?, ?) ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, etag = excluded.etag',
      ),
      delete: this.db.prepare<[string, string]>('DELETE FROM items WHERE pk = ? AND sk = ?'),
    };
    // Built once. A job fails on a condition before it writes anything, so it needs no savepoint;
    // any other failure (the disk) rolls the whole group back and fails every job in it.
    this.group = this.db.transaction((jobs: Job[]) =>
      jobs.map((j): Outcome => {
        try {
          return { ok: true, value: j.work() };
        } catch (error) {
          if (error instanceof ConditionFailedError) return { ok: false, error };
          throw error;
        }
      }),
    );
  }

  /**
   * A rowid table: metric chunks are rows of kilobytes, and a WITHOUT ROWID table (which data
   * directories made before packed metrics have, and which is turned into this once) writes
   * such rows at about twice the cost.
   */
  private createTable(): void {
    const columns = 'pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL, etag TEXT NOT NULL, PRIMARY KEY (pk, sk)';
    const existing = this.db
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'items'")
      .get();
    if (!existing) {
      this.db.exec(`CREATE TABLE items (${columns})`);
      return;
    }
    if (!/WITHOUT\s+ROWID/i.test(existing.sql)) return;
    this.db
      .transaction(() => {
        this.db.exec(`CREATE TABLE items_rowid (${columns})`);
        this.db.exec('INSERT INTO items_rowid (pk, sk, data, etag) SELECT pk, sk, data, etag FROM items');
        this.db.exec('DROP TABLE items');
        this.db.exec('ALTER TABLE items_rowid RENAME TO items');
      })
      .immediate();
  }

  async get<T extends ItemData>(pk: string, sk: string): Promise<Item<T> | undefined> {
    const row = this.statements.get.get(pk, sk);
    return row ? toItem<T>(row) : undefined;
  }

  async query<T extends ItemData>(pk: string, options: QueryOptions): Promise<QueryPage<T>> {
    const prefix = options.prefix ?? '';
    const after = options.after;
    const wanted = rowsToRead(options);
    const rows =
      after !== undefined && after >= prefix
        ? this.statements.queryAfter.all(pk, after, prefix + MAX_CHAR, wanted)
        : this.statements.queryFrom.all(pk, prefix, prefix + MAX_CHAR, wanted);
    return pageOfRows(
      rows.map((r) => toItem<T>(r)),
      options,
    );
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
   * committed when it ends. A batch whose condition fails writes nothing; the others still commit.
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

  /** Checks every condition before the first write: a failed one leaves the transaction untouched. */
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
