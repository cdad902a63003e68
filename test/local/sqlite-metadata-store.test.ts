/** The SQLite store's own concerns: its table layout, and data directories made by earlier versions. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteMetadataStore } from '../../functions/local/sqlite-metadata-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tableSql = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'items'").get()?.sql ?? '';
  } finally {
    db.close();
  }
};

describe('SQLite metadata store', () => {
  it('turns the WITHOUT ROWID table of an earlier data directory into a rowid table, rows intact', async () => {
    const file = join(dir, 'earlier.db');
    const earlier = new Database(file);
    earlier.exec(`CREATE TABLE IF NOT EXISTS items (
      pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL, etag TEXT NOT NULL,
      PRIMARY KEY (pk, sk)) WITHOUT ROWID`);
    const put = earlier.prepare('INSERT INTO items (pk, sk, data, etag) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 50; i++) put.run('M#fraud', `V#${String(i).padStart(3, '0')}`, JSON.stringify({ i }), `e${i}`);
    earlier.close();

    const store = new SqliteMetadataStore(file);
    try {
      const page = await store.query('M#fraud', { prefix: 'V#', after: 'V#009', limit: 5 });
      expect(page.items.map((r) => [r.sk, r.data, r.etag])).toEqual(
        [10, 11, 12, 13, 14].map((i) => [`V#0${i}`, { i }, `e${i}`]),
      );
      await store.batch('M#fraud', [{ op: 'put', sk: 'V#010', data: { i: 'x' }, if: { etag: 'e10' } }]);
      expect((await store.get('M#fraud', 'V#010'))?.data).toEqual({ i: 'x' });
    } finally {
      store.close();
    }
    expect(tableSql(file)).not.toMatch(/WITHOUT ROWID/i);
    // Opening it again leaves it as it is.
    new SqliteMetadataStore(file).close();
    expect(tableSql(file)).toMatch(/PRIMARY KEY \(pk, sk\)\)$/);
  });

  it('holds its database alone: a second store (another server on the same data directory) is refused, naming the file', () => {
    const file = join(dir, 'owned.db');
    const first = new SqliteMetadataStore(file);
    try {
      expect(() => new SqliteMetadataStore(file)).toThrow(`${file} is in use by another mreg server`);
    } finally {
      first.close();
    }
    new SqliteMetadataStore(file).close();
  });

  it('writes asked for in one turn of the event loop share a transaction; a failed condition writes nothing of its batch', async () => {
    const store = new SqliteMetadataStore(join(dir, 'group.db'));
    try {
      await store.batch('P', [{ op: 'put', sk: 'taken', data: {} }]);
      const outcomes = await Promise.allSettled([
        store.batch('P', [{ op: 'put', sk: 'a', data: { v: 1 } }]),
        store.batch('P', [
          { op: 'put', sk: 'b', data: { v: 1 } },
          { op: 'put', sk: 'taken', data: {}, if: { absent: true } },
        ]),
        store.increment('P', 'CTR', 'n'),
        store.batch('P', [{ op: 'put', sk: 'c', data: { v: 1 } }]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((await store.query('P', { limit: 10 })).items.map((r) => r.sk)).toEqual(['CTR', 'a', 'c', 'taken']);
    } finally {
      store.close();
    }
  });
});
