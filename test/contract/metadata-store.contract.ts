/**
 * The MetadataStore contract: one suite, run unchanged against every adapter
 * (SQLite, DynamoDB Local, Azurite Table). Only the factory differs.
 */
import { describe, expect, it } from 'vitest';
import { ConditionFailedError } from '../../shared/errors.js';
import type { MetadataStore } from '../../shared/ports/metadata-store.js';

export interface MetadataStoreHarness {
  store: MetadataStore;
}

/** Keys the stores treat specially: Azure forbids `/ \ # ?` in keys, URLs mangle `+ %`, and unicode. */
export const ODD_KEYS = [
  'plain',
  'with space',
  'plus+sign',
  'percent%20lit',
  'slash/and\\back',
  'hash#query?',
  'ünïcødé-模型-🚀',
  'x'.repeat(128),
  'quote\'and"double',
];

let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function describeMetadataStoreContract(name: string, harness: () => MetadataStoreHarness): void {
  describe(`MetadataStore contract: ${name}`, () => {
    const store = () => harness().store;

    it('gets nothing for a missing row, and what was put', async () => {
      const pk = unique('get');
      expect(await store().get(pk, 'a')).toBeUndefined();
      await store().batch(pk, [{ op: 'put', sk: 'a', data: { n: 1, nested: { list: [1, 'two', null] }, s: 'x' } }]);
      const item = await store().get(pk, 'a');
      expect(item?.data).toEqual({ n: 1, nested: { list: [1, 'two', null] }, s: 'x' });
      expect(item?.pk).toBe(pk);
      expect(item?.sk).toBe('a');
      expect(typeof item?.etag).toBe('string');
    });

    it('put-if-absent fails on an existing row and leaves it unchanged', async () => {
      const pk = unique('absent');
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 1 }, if: { absent: true } }]);
      await expect(
        store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 2 }, if: { absent: true } }]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      expect((await store().get(pk, 'k'))?.data).toEqual({ v: 1 });
    });

    it('conditional update and delete on an etag: stale etags fail', async () => {
      const pk = unique('etag');
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 1 } }]);
      const first = await store().get(pk, 'k');
      if (!first) throw new Error('row missing');
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 2 }, if: { etag: first.etag } }]);
      const second = await store().get(pk, 'k');
      expect(second?.etag).not.toBe(first.etag);
      await expect(
        store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 3 }, if: { etag: first.etag } }]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      await expect(store().batch(pk, [{ op: 'delete', sk: 'k', if: { etag: first.etag } }])).rejects.toBeInstanceOf(
        ConditionFailedError,
      );
      expect((await store().get(pk, 'k'))?.data).toEqual({ v: 2 });
      await store().batch(pk, [{ op: 'delete', sk: 'k', if: { etag: second?.etag ?? '' } }]);
      expect(await store().get(pk, 'k')).toBeUndefined();
    });

    it('an etag condition on a missing row fails; exists-conditions check presence', async () => {
      const pk = unique('missing');
      await expect(store().batch(pk, [{ op: 'put', sk: 'k', data: {}, if: { etag: 'nope' } }])).rejects.toBeInstanceOf(
        ConditionFailedError,
      );
      await expect(store().batch(pk, [{ op: 'delete', sk: 'k', if: { exists: true } }])).rejects.toBeInstanceOf(
        ConditionFailedError,
      );
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 1 } }]);
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 2 }, if: { exists: true } }]);
      expect((await store().get(pk, 'k'))?.data).toEqual({ v: 2 });
    });

    it("a check holds a batch to a row's etag and writes nothing to the row", async () => {
      const pk = unique('check');
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 1 } }]);
      const first = await store().get(pk, 'k');
      if (!first) throw new Error('row missing');
      await store().batch(pk, [
        { op: 'check', sk: 'k', if: { etag: first.etag } },
        { op: 'put', sk: 'a', data: { x: 1 } },
      ]);
      expect((await store().get(pk, 'a'))?.data).toEqual({ x: 1 });
      const checked = await store().get(pk, 'k');
      expect(checked?.data).toEqual({ v: 1 });
      if (!checked) throw new Error('row missing');
      await store().batch(pk, [{ op: 'check', sk: 'k', if: { etag: checked.etag } }]);
      const current = await store().get(pk, 'k');
      await store().batch(pk, [{ op: 'put', sk: 'k', data: { v: 2 }, if: { etag: current?.etag ?? '' } }]);
      await expect(
        store().batch(pk, [
          { op: 'check', sk: 'k', if: { etag: checked.etag } },
          { op: 'put', sk: 'b', data: { x: 2 } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await store().get(pk, 'b')).toBeUndefined();
      await expect(store().batch(pk, [{ op: 'check', sk: 'k', if: { etag: checked.etag } }])).rejects.toBeInstanceOf(
        ConditionFailedError,
      );
      await expect(store().batch(pk, [{ op: 'check', sk: 'gone', if: { etag: 'x' } }])).rejects.toBeInstanceOf(
        ConditionFailedError,
      );
      expect((await store().get(pk, 'k'))?.data).toEqual({ v: 2 });
    });

    it('deleting a missing row without a condition is not an error', async () => {
      await store().batch(unique('del'), [{ op: 'delete', sk: 'nothing' }]);
    });

    it('a batch is all or nothing: one failed condition writes none of it', async () => {
      const pk = unique('atomic');
      await store().batch(pk, [{ op: 'put', sk: 'taken', data: { v: 1 } }]);
      await expect(
        store().batch(pk, [
          { op: 'put', sk: 'a', data: { v: 1 } },
          { op: 'put', sk: 'b', data: { v: 1 } },
          { op: 'put', sk: 'taken', data: { v: 2 }, if: { absent: true } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await store().get(pk, 'a')).toBeUndefined();
      expect(await store().get(pk, 'b')).toBeUndefined();
      expect((await store().get(pk, 'taken'))?.data).toEqual({ v: 1 });
    });

    it('all or nothing whichever write holds the failed condition, the first or a later one', async () => {
      const pk = unique('first');
      await store().batch(pk, [{ op: 'put', sk: 'taken', data: { v: 1 } }]);
      const taken = await store().get(pk, 'taken');
      if (!taken) throw new Error('row missing');
      // The first write's condition fails: the writes after it are not made.
      await expect(
        store().batch(pk, [
          { op: 'put', sk: 'taken', data: { v: 2 }, if: { absent: true } },
          { op: 'put', sk: 'a', data: { v: 1 } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      await expect(
        store().batch(pk, [
          { op: 'delete', sk: 'taken', if: { etag: 'stale' } },
          { op: 'put', sk: 'a', data: { v: 1 } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      // The first write's condition holds and a later one's does not: the first is not made either.
      await expect(
        store().batch(pk, [
          { op: 'put', sk: 'b', data: { v: 1 }, if: { absent: true } },
          { op: 'put', sk: 'taken', data: { v: 3 }, if: { etag: taken.etag } },
          { op: 'delete', sk: 'c', if: { exists: true } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      await expect(
        store().batch(pk, [
          { op: 'put', sk: 'taken', data: { v: 4 }, if: { etag: taken.etag } },
          { op: 'check', sk: 'b', if: { etag: 'stale' } },
        ]),
      ).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await store().get(pk, 'a')).toBeUndefined();
      expect(await store().get(pk, 'b')).toBeUndefined();
      expect(await store().get(pk, 'taken')).toEqual(taken);
      // And a batch whose conditions all hold makes every write.
      await store().batch(pk, [
        { op: 'delete', sk: 'taken', if: { etag: taken.etag } },
        { op: 'put', sk: 'a', data: { v: 5 }, if: { absent: true } },
      ]);
      expect(await store().get(pk, 'taken')).toBeUndefined();
      expect((await store().get(pk, 'a'))?.data).toEqual({ v: 5 });
    });

    it('takes a batch of 100 writes', async () => {
      const pk = unique('hundred');
      await store().batch(
        pk,
        Array.from({ length: 100 }, (_, i) => ({
          op: 'put' as const,
          sk: `r${String(i).padStart(3, '0')}`,
          data: { i },
        })),
      );
      const page = await store().query(pk, { limit: 1000 });
      expect(page.items).toHaveLength(100);
    });

    it('queries ascending by key, with prefix, after and limit, and pages to the end', async () => {
      const pk = unique('query');
      const keys = ['A#1', 'A#2', 'A#3', 'B#1', 'B#2', 'AB', 'A#10'];
      await store().batch(
        pk,
        keys.map((sk) => ({ op: 'put' as const, sk, data: { sk } })),
      );
      const all = await store().query(pk, { limit: 100 });
      expect(all.items.map((i) => i.sk)).toEqual([...keys].sort());
      expect(all.lastKey).toBeUndefined();
      const a = await store().query(pk, { prefix: 'A#', limit: 100 });
      expect(a.items.map((i) => i.sk)).toEqual(['A#1', 'A#10', 'A#2', 'A#3']);
      const after = await store().query(pk, { prefix: 'A#', after: 'A#10', limit: 100 });
      expect(after.items.map((i) => i.sk)).toEqual(['A#2', 'A#3']);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store().query(pk, { prefix: 'A#', after: cursor, limit: 1 });
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((i) => i.sk));
        cursor = page.lastKey;
      } while (cursor !== undefined);
      expect(seen).toEqual(['A#1', 'A#10', 'A#2', 'A#3']);
      expect((await store().query(pk, { prefix: 'C#', limit: 10 })).items).toEqual([]);
    });

    it('with exactLimit reads no row beyond the limit: a full page names its last key even at the end', async () => {
      const pk = unique('exact');
      await store().batch(
        pk,
        ['R#1', 'R#2', 'R#3'].map((sk) => ({ op: 'put' as const, sk, data: { sk } })),
      );
      const exact = await store().query(pk, { prefix: 'R#', limit: 3, exactLimit: true });
      expect(exact.items.map((i) => i.sk)).toEqual(['R#1', 'R#2', 'R#3']);
      expect(exact.lastKey).toBe('R#3');
      // Without it, the store reads one row beyond and so knows nothing follows.
      expect((await store().query(pk, { prefix: 'R#', limit: 3 })).lastKey).toBeUndefined();
      const first = await store().query(pk, { prefix: 'R#', limit: 1, exactLimit: true });
      expect([first.items.map((i) => i.sk), first.lastKey]).toEqual([['R#1'], 'R#1']);
      const short = await store().query(pk, { prefix: 'R#', after: 'R#2', limit: 5, exactLimit: true });
      expect([short.items.map((i) => i.sk), short.lastKey]).toEqual([['R#3'], undefined]);
    });

    it('pages through more rows than one store page returns', async () => {
      const pk = unique('many');
      const rows = Array.from({ length: 250 }, (_, i) => `k${String(i).padStart(4, '0')}`);
      for (let i = 0; i < rows.length; i += 100)
        await store().batch(
          pk,
          rows.slice(i, i + 100).map((sk) => ({ op: 'put' as const, sk, data: { pad: 'x'.repeat(2000) } })),
        );
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store().query(pk, { after: cursor, limit: 90 });
        seen.push(...page.items.map((i) => i.sk));
        cursor = page.lastKey;
      } while (cursor !== undefined);
      expect(seen).toEqual(rows);
    });

    it('keeps odd partition and row keys apart and intact', async () => {
      for (const key of ODD_KEYS) {
        const pk = `M#${key}`;
        await store().batch(pk, [{ op: 'put', sk: `V#${key}`, data: { key } }]);
      }
      for (const key of ODD_KEYS) {
        const item = await store().get(`M#${key}`, `V#${key}`);
        expect(item?.data).toEqual({ key });
        const page = await store().query(`M#${key}`, { prefix: 'V#', limit: 10 });
        expect(page.items.map((i) => i.sk)).toEqual([`V#${key}`]);
      }
    });

    it('stores items of 40 KB (a version with many files inline)', async () => {
      const pk = unique('big');
      const data = {
        files: Array.from({ length: 300 }, (_, i) => ({ path: `dir/file-${i}.bin`, sha256: 'a'.repeat(64) })),
      };
      expect(JSON.stringify(data).length).toBeGreaterThan(30_000);
      await store().batch(pk, [{ op: 'put', sk: 'V', data }]);
      expect((await store().get(pk, 'V'))?.data).toEqual(data);
    });

    it('increments atomically: 50 concurrent increments give 1..50', async () => {
      const pk = unique('ctr');
      const values = await Promise.all(Array.from({ length: 50 }, () => store().increment(pk, 'CTR', 'n')));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store().get(pk, 'CTR'))?.data.n).toBe(50);
    });

    it('increment keeps the row’s other fields', async () => {
      const pk = unique('ctr2');
      await store().batch(pk, [{ op: 'put', sk: 'CTR', data: { n: 5, note: 'kept' } }]);
      expect(await store().increment(pk, 'CTR', 'n', 2)).toBe(7);
      expect((await store().get(pk, 'CTR'))?.data).toEqual({ n: 7, note: 'kept' });
    });
  });
}
