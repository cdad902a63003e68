/**
 * The metric series contract: packed series through the registry's own operations, run
 * unchanged on every MetadataStore (SQLite, DynamoDB Local, Azurite Table).
 */
import { describe, expect, it } from 'vitest';
import { runKeys } from '../../shared/domain/keys.js';
import type { Principal } from '../../shared/ports/auth.js';
import type { MetadataStore, WriteOp } from '../../shared/ports/metadata-store.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { RegistryApi } from '../../shared/service/registry-api.js';
import { decodeChunk } from '../../shared/service/tracking/metric-chunk.js';
import { CHUNK_MAX_BYTES } from '../../shared/service/tracking/metric-series.js';

const writer: Principal = { subject: 'trainer', scopes: new Set(['registry.read', 'registry.write']) };

/** Tracking never touches objects: any use fails the test. */
const noObjects = new Proxy({} as ObjectStore, {
  get: (_target, prop) => () => {
    throw new Error(`the object store was used (${String(prop)})`);
  },
});

interface Point {
  key?: string;
  value: number | 'NaN' | 'Infinity' | '-Infinity';
  step?: number;
  timestamp?: number;
}

type Logged = { value: number; step: number; timestamp: number };

let counter = 0;

/** A store whose batches go through `batch` (given the real store), everything else delegated. */
function withBatch(store: MetadataStore, batch: (real: MetadataStore, pk: string, writes: WriteOp[]) => Promise<void>) {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'batch') return (pk: string, writes: WriteOp[]) => batch(target, pk, writes);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const steps = (from: number, count: number, by = 1) => Array.from({ length: count }, (_, i) => from + i * by);

export function describeMetricSeriesContract(name: string, harness: () => { store: MetadataStore }): void {
  describe(`metric series contract: ${name}`, () => {
    const registryOn = (store: MetadataStore) => new RegistryApi({ metadata: store, objects: noObjects });
    const registry = () => registryOn(harness().store);

    async function newRun(): Promise<string> {
      const api = registry();
      const experiment = await api.tracking.createExperiment(writer, { name: `metrics-${Date.now()}-${counter++}` });
      return (await api.tracking.createRun(writer, experiment.id, {})).id;
    }

    const log = (runId: string, metrics: Point[], api = registry()) =>
      api.tracking.logMetrics(writer, runId, { metrics: metrics.map((m) => ({ key: 'loss', ...m })) });

    async function history(runId: string, key = 'loss', pageSize = 1000): Promise<Logged[]> {
      const out: Logged[] = [];
      let pageToken: string | undefined;
      do {
        const page = await registry().tracking.metricHistory(writer, runId, key, {
          pageSize: String(pageSize),
          ...(pageToken ? { pageToken } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(pageSize);
        out.push(...page.items);
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      return out;
    }

    const rows = async (runId: string, key = 'loss') =>
      (await harness().store.query(runKeys.metricSeries(runId, key), { limit: 1000 })).items;

    const latest = async (runId: string) => (await registry().tracking.getRun(writer, runId)).latestMetrics;

    it('packs a batch of 500 points into a couple of rows, read back ascending by step', async () => {
      const run = await newRun();
      const order = steps(0, 500).sort(() => Math.random() - 0.5);
      await log(
        run,
        order.map((step) => ({ step, value: step / 7, timestamp: 1000 + step })),
      );
      const stored = await rows(run);
      expect(stored.length).toBeLessThanOrEqual(2);
      expect(stored.every((r) => r.sk.startsWith(runKeys.metricChunkPrefix))).toBe(true);
      expect(await history(run)).toEqual(
        steps(0, 500).map((step) => ({ step, value: step / 7, timestamp: 1000 + step })),
      );
      expect(await latest(run)).toEqual({ loss: 499 / 7 });
    });

    it('stores a batch sent out of order ascending, and keeps its highest step as the latest', async () => {
      const run = await newRun();
      const at = (step: number) => ({ step, timestamp: 10, value: step });
      await log(run, [5, 3, 4].map(at));
      expect(await history(run)).toEqual([3, 4, 5].map(at));
      expect(await latest(run)).toEqual({ loss: 5 });
    });

    it('replaces a re-logged (step, timestamp), keeps other timestamps of the step, and a replay writes nothing', async () => {
      const run = await newRun();
      await log(run, [
        { step: 1, timestamp: 10, value: 1 },
        { step: 2, timestamp: 10, value: 2 },
      ]);
      await log(run, [
        { step: 1, timestamp: 10, value: 1.5 },
        { step: 1, timestamp: 11, value: 9 },
      ]);
      expect(await history(run)).toEqual([
        { step: 1, timestamp: 10, value: 1.5 },
        { step: 1, timestamp: 11, value: 9 },
        { step: 2, timestamp: 10, value: 2 },
      ]);
      // Twice in one batch: the later one counts.
      await log(run, [
        { step: 2, timestamp: 10, value: 3 },
        { step: 2, timestamp: 10, value: 4 },
      ]);
      expect((await history(run)).at(-1)).toEqual({ step: 2, timestamp: 10, value: 4 });
      const before = await rows(run);
      await log(run, [
        { step: 1, timestamp: 11, value: 9 },
        { step: 2, timestamp: 10, value: 4 },
      ]);
      expect(await rows(run)).toEqual(before);
      expect(await latest(run)).toEqual({ loss: 4 });
    });

    it('pages across chunk boundaries, with points re-logged into old chunks and a chunk grown past its size split', async () => {
      const run = await newRun();
      const expected = new Map<number, number>();
      // Three appends of 1,000 even steps: each seals a chunk.
      for (const from of [0, 2000, 4000]) {
        const batch = steps(from, 1000, 2).map((step) => ({ step, timestamp: 5, value: step }));
        await log(run, batch);
        for (const p of batch) expected.set(p.step, p.value);
      }
      // Odd steps into the first chunk (it splits), and a few replacements across all three.
      const odd = steps(1, 996, 2).map((step) => ({ step, timestamp: 5, value: -step }));
      const replaced = [10, 2010, 4010, 5998].map((step) => ({ step, timestamp: 5, value: step + 0.5 }));
      await log(run, [...odd, ...replaced]);
      for (const p of [...odd, ...replaced]) expected.set(p.step, p.value);
      const stored = await rows(run);
      expect(stored.length).toBeGreaterThanOrEqual(5);
      for (const row of stored) expect(String(row.data.p).length).toBeLessThanOrEqual((CHUNK_MAX_BYTES * 4) / 3 + 4);
      const want = [...expected].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, timestamp: 5, value }));
      expect(await history(run, 'loss', 170)).toEqual(want);
      expect(await history(run, 'loss', 1000)).toEqual(want);
      // Chunks never overlap: each holds only positions after the previous chunk's key, up to its own.
      let previousEnd = '';
      for (const row of stored) {
        const positions = decodeChunk(String(row.data.p)).map((p) => runKeys.metricPoint(p.step, p.timestamp));
        for (const position of positions) expect(position > previousEnd).toBe(true);
        if (row.sk === runKeys.metricTail) continue;
        for (const position of positions) expect(runKeys.metricChunk(position) <= row.sk).toBe(true);
        previousEnd = row.sk.slice(runKeys.metricChunkPrefix.length);
      }
    });

    it('re-logs points scattered over more chunks than one batch of writes holds', async () => {
      const run = await newRun();
      // 101 appends of 60 points: each seals a chunk of its own.
      for (let c = 0; c < 101; c++)
        await log(
          run,
          steps(c * 60, 60).map((step) => ({ step, timestamp: 3, value: step })),
        );
      expect((await rows(run)).length).toBe(102);
      // One point in each chunk: 101 chunks rewritten, in two batches of writes.
      const relogged = steps(0, 101).map((c) => ({ step: c * 60 + 30, timestamp: 3, value: -1 }));
      const series = runKeys.metricSeries(run, 'loss');
      const batches: number[] = [];
      const counting = withBatch(harness().store, (real, pk, writes) => {
        if (pk === series) batches.push(writes.length);
        return real.batch(pk, writes);
      });
      await log(run, relogged, registryOn(counting));
      expect(batches).toEqual([100, 1]);
      const read = await history(run);
      expect(read.map((p) => p.step)).toEqual(steps(0, 101 * 60));
      expect(read.filter((p) => p.value === -1).map((p) => p.step)).toEqual(relogged.map((p) => p.step));
    });

    it('keeps NaN, ±Infinity and -0 in history and as the latest value', async () => {
      const run = await newRun();
      await log(run, [
        { step: 0, value: 'NaN' },
        { step: 1, value: 'Infinity' },
        { step: 2, value: '-Infinity' },
        { step: 3, value: -0 },
        { step: 4, value: Number.NaN },
      ]);
      const values = (await history(run)).map((p) => p.value);
      expect(values).toHaveLength(5);
      expect(Number.isNaN(values[0])).toBe(true);
      expect(values.slice(1, 3)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      expect(Object.is(values[3], -0)).toBe(true);
      expect(Number.isNaN(values[4])).toBe(true);
      expect(Number.isNaN((await latest(run)).loss)).toBe(true);
      await log(run, [{ step: 5, value: '-Infinity' }]);
      expect((await latest(run)).loss).toBe(Number.NEGATIVE_INFINITY);
    });

    it('reads rows of the one-row-per-point layout alongside chunks, a chunk point winning at the same position', async () => {
      const run = await newRun();
      const pk = runKeys.metricSeries(run, 'loss');
      // As the code before packing wrote them (NaN came out of JSON as null).
      const legacy = steps(0, 250, 2).map((step) => ({ step, timestamp: 7, value: step === 100 ? null : step }));
      for (let i = 0; i < legacy.length; i += 100)
        await harness().store.batch(
          pk,
          legacy
            .slice(i, i + 100)
            .map((p) => ({ op: 'put' as const, sk: runKeys.metricPoint(p.step, p.timestamp), data: p })),
        );
      await log(run, [
        ...steps(1, 250, 2).map((step) => ({ step, timestamp: 7, value: step })),
        { step: 4, timestamp: 7, value: 44 },
      ]);
      const read = await history(run, 'loss', 33);
      expect(read.map((p) => p.step)).toEqual(steps(0, 500));
      expect(read[4]).toEqual({ step: 4, timestamp: 7, value: 44 });
      expect(Number.isNaN(read[100]?.value)).toBe(true);
      expect(read.filter((p) => p.step !== 4 && p.step !== 100).every((p) => p.value === p.step)).toBe(true);
    });

    it('concurrent writers of one run and key lose no point, appending and writing into the same chunk', async () => {
      const run = await newRun();
      await log(
        run,
        steps(0, 200, 10).map((step) => ({ step, timestamp: 1, value: step })),
      );
      // Eight writers: steps between those written (one sealed chunk), and past them (the tail).
      const mine = (w: number) => [...steps(w, 30, 10), ...steps(5000 + w, 3, 10)];
      await Promise.all(
        steps(1, 8).map((w) =>
          log(
            run,
            mine(w).map((step) => ({ step, timestamp: 1, value: step })),
          ),
        ),
      );
      const read = await history(run, 'loss', 500);
      const want = [...steps(0, 200, 10), ...steps(1, 8).flatMap(mine)].sort((a, b) => a - b);
      expect(read.map((p) => p.step)).toEqual(want);
      expect(read.every((p) => p.value === p.step)).toBe(true);
      expect(await latest(run)).toEqual({ loss: 5028 });
    });

    for (const lost of ['before it reaches the store', 'after the store applied it'] as const)
      it(`a batch failing halfway (a write lost ${lost}) leaves each point once after the retry`, async () => {
        const run = await newRun();
        await log(
          run,
          steps(0, 100).map((step) => ({ step, timestamp: 1, value: step })),
        );
        const failed = runKeys.metricSeries(run, 'acc');
        let failures = 0;
        const failing = withBatch(harness().store, async (real, pk, writes) => {
          // The write of one key's series fails once: the other key's points are in, these not.
          if (pk !== failed || failures++ > 0) return real.batch(pk, writes);
          if (lost === 'after the store applied it') await real.batch(pk, writes);
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        });
        const batch: Point[] = [
          ...steps(50, 200).map((step) => ({ step, timestamp: 1, value: step * 2 })),
          ...steps(0, 200).map((step) => ({ key: 'acc', step, timestamp: 1, value: step })),
        ];
        await expect(log(run, batch, registryOn(failing))).rejects.toThrow('socket hang up');
        expect(failures).toBe(1);
        await log(run, batch);
        const loss = await history(run, 'loss', 64);
        expect(loss.map((p) => p.step)).toEqual(steps(0, 250));
        expect(loss.map((p) => p.value)).toEqual([...steps(0, 50), ...steps(50, 200).map((s) => s * 2)]);
        expect((await history(run, 'acc', 64)).map((p) => p.step)).toEqual(steps(0, 200));
        expect(await latest(run)).toEqual({ loss: 249 * 2, acc: 199 });
      });

    it('reads a series beside the run, but writes nothing to a deleted or missing run', async () => {
      const run = await newRun();
      await log(
        run,
        steps(0, 5).map((step) => ({ step, value: step })),
      );
      await registry().tracking.setRunLifecycle(writer, run, 'deleted');
      // Appending (the tail is read) and re-logging into it: refused, nothing written.
      for (const batch of [steps(5, 300), [2, 3]])
        await expect(
          log(
            run,
            batch.map((step) => ({ step, value: -1 })),
            registry(),
          ),
        ).rejects.toMatchObject({
          kind: 'validation',
          message: expect.stringContaining("must be in the 'active' state"),
        });
      await registry().tracking.setRunLifecycle(writer, run, 'active');
      expect((await history(run)).map((p) => p.value)).toEqual(steps(0, 5));
      expect(await latest(run)).toEqual({ loss: 4 });
      // A missing run is the answer before a bad point, as when the run was read first.
      const missing = registry().context.newId();
      await expect(log(missing, [{ step: 0, value: 'bad' as unknown as number }])).rejects.toMatchObject({
        kind: 'not-found',
      });
      await expect(log(missing, [{ step: 1.5, value: 1 }])).rejects.toMatchObject({ kind: 'not-found' });
      expect(await rows(missing)).toEqual([]);
    });

    it("reads a run's pointer to its experiment once per process; a pointer without its run row stays a 404", async () => {
      const store = harness().store;
      const pointerReads: string[] = [];
      const counting = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'get')
            return (pk: string, sk: string) => {
              if (sk === 'META') pointerReads.push(pk);
              return target.get(pk, sk);
            };
          const value = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const creator = registryOn(counting);
      const experiment = await creator.tracking.createExperiment(writer, { name: `homes-${Date.now()}-${counter++}` });
      const run = (await creator.tracking.createRun(writer, experiment.id, {})).id;
      // The process that made the run knows where it lives.
      await log(run, [{ step: 0, value: 1 }], creator);
      expect(pointerReads).toEqual([]);
      // Another process reads the pointer once, then no more.
      const other = registryOn(counting);
      for (const step of [1, 2, 3]) await log(run, [{ step, value: step }], other);
      expect((await other.tracking.getRun(writer, run)).latestMetrics).toEqual({ loss: 3 });
      expect(pointerReads).toEqual([runKeys.run(run)]);
      // A run whose creation stopped after its pointer (no run row): not found, read fresh or kept.
      const orphan = creator.context.newId();
      await store.batch(runKeys.run(orphan), [
        { op: 'put', sk: 'META', data: { experimentId: experiment.id }, if: { absent: true } },
      ]);
      for (let i = 0; i < 2; i++)
        await expect(log(orphan, [{ step: 0, value: 1 }], other)).rejects.toMatchObject({ kind: 'not-found' });
      expect(pointerReads.filter((pk) => pk === runKeys.run(orphan))).toHaveLength(1);
    });
  });
}
