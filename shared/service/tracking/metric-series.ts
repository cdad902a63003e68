/**
 * A metric series, packed (DESIGN.md "Metric storage"). Partition `RUN#<run>#<key>` holds
 * chunks `C#<end>`, each owning the positions after the previous chunk's end up to its own, and
 * the tail `C#~`, owning everything after the last chunk. Ranges never overlap, so history reads
 * chunks in key order, and a point is written into the first chunk whose end is at or after it:
 * an append (the common case) touches the tail only.
 *
 * Every write of a series is one batch, each write conditional on the etag read (or on absence),
 * so two writers of the same chunk cannot both win: the loser reads again and retries, and no
 * point is lost. A batch replayed finds its points in place and writes nothing.
 *
 * Rows of the first layout (one per point, keyed by position, all starting with `0`) are read
 * alongside: no migration. Where both hold a position, the chunk's point is the newer.
 */
import { runKeys } from '../../domain/keys.js';
import { fromJsonValue, type JsonMetricValue } from '../../domain/metric-values.js';
import { ConditionFailedError, contended, RetryableStoreError } from '../../errors.js';
import { type Item, MAX_BATCH_WRITES, type MetadataStore, type WriteOp } from '../../ports/metadata-store.js';
import { readAhead } from '../read-ahead.js';
import {
  comparePoints,
  decodeChunk,
  encodeChunk,
  type MetricPoint,
  mergePoints,
  packedBytes,
  splitPoints,
} from './metric-chunk.js';

export interface ChunkRow {
  [key: string]: unknown;
  /** Points in the chunk. */
  n: number;
  /** The points, packed (metric-chunk.ts). */
  p: string;
}

/** A row of the first layout. */
interface PointRow {
  [key: string]: unknown;
  value: JsonMetricValue | null;
  step: number;
  timestamp: number;
}

/**
 * The tail stays within one DynamoDB write unit (1 KB with its keys), so logging a few points
 * at a time rewrites little; beyond it the tail is sealed into a chunk.
 */
export const TAIL_MAX_BYTES = 600;
/**
 * A chunk's packed bytes: 24,000 base64 characters, inside one Azure Table string property
 * (32 Ki UTF-16 units), far inside a DynamoDB item (400 KB) and a batch (4 MB); about 1,600 points.
 */
export const CHUNK_MAX_BYTES = 18_000;

const MAX_TIMESTAMP = 10 ** 15 - 1;
const POSITION = /^(\d{20})#(\d{15})$/;

export const positionOf = (p: { step: number; timestamp: number }): string => runKeys.metricPoint(p.step, p.timestamp);

/** The point a position names (its value unset), or undefined when it is not a position. */
export function pointAt(position: string): MetricPoint | undefined {
  const m = POSITION.exec(position);
  if (!m?.[1] || !m[2]) return undefined;
  return { step: Number(m[1]) - 10 ** 15, timestamp: Number(m[2]), value: 0 };
}

/** The last position a chunk row owns; undefined for the tail (it owns all after the last chunk). */
const chunkEnd = (sk: string): MetricPoint | undefined =>
  sk === runKeys.metricTail ? undefined : pointAt(sk.slice(runKeys.metricChunkPrefix.length));

/** The greatest position before `p`: a chunk key after it is the first chunk that may own `p`. */
const positionBefore = (p: MetricPoint): string =>
  p.timestamp > 0 ? runKeys.metricPoint(p.step, p.timestamp - 1) : runKeys.metricPoint(p.step - 1, MAX_TIMESTAMP);

/** Chunk rows in key order from just after `after`, read a few at a time (most writes need one). */
async function* chunkRows(store: MetadataStore, pk: string, after: string | undefined): AsyncGenerator<Item<ChunkRow>> {
  let limit = 4;
  for (;;) {
    const page = await store.query<ChunkRow>(pk, {
      prefix: runKeys.metricChunkPrefix,
      ...(after !== undefined ? { after } : {}),
      limit,
    });
    yield* page.items;
    if (page.lastKey === undefined) return;
    after = page.lastKey;
    limit = Math.min(limit * 4, 100);
  }
}

const chunkData = (points: readonly MetricPoint[]): ChunkRow => ({ n: points.length, p: encodeChunk(points) });

/** The writes that put `incoming` into the chunk at `sk` (the row as read, or absent). */
function chunkWrites(sk: string, row: Item<ChunkRow> | undefined, incoming: MetricPoint[]): WriteOp[] {
  const { points, changed } = mergePoints(row ? decodeChunk(row.data.p) : [], incoming);
  if (!changed) return [];
  const condition = row ? { etag: row.etag } : ({ absent: true } as const);
  const sealed = (piece: MetricPoint[]): WriteOp => {
    const last = piece.at(-1);
    if (!last) throw new Error('an empty piece of a chunk');
    return { op: 'put', sk: runKeys.metricChunk(positionOf(last)), data: chunkData(piece), if: { absent: true } };
  };
  const bytes = packedBytes(points);
  if (sk === runKeys.metricTail) {
    if (bytes <= TAIL_MAX_BYTES) return [{ op: 'put', sk, data: chunkData(points), if: condition }];
    const sealedPieces = splitPoints(points, CHUNK_MAX_BYTES, bytes).map(sealed);
    return [...sealedPieces, { op: 'put', sk, data: chunkData([]), if: condition }];
  }
  // A chunk grown past its size splits: the last piece keeps the key (its end), the others are new chunks.
  const pieces = splitPoints(points, CHUNK_MAX_BYTES, bytes);
  const last = pieces.pop() ?? [];
  return [...pieces.map(sealed), { op: 'put', sk, data: chunkData(last), if: condition }];
}

/**
 * Reads the chunks `points` fall into and returns the writes, in batches of at most 100 (a
 * chunk's writes stay in one batch). More than one batch only when one call re-logs points
 * scattered over dozens of old chunks.
 */
async function planSeriesWrites(store: MetadataStore, pk: string, points: MetricPoint[]): Promise<WriteOp[][]> {
  const first = points[0];
  if (!first) return [];
  const rows = chunkRows(store, pk, runKeys.metricChunk(positionBefore(first)));
  const touched: Array<{ sk: string; row: Item<ChunkRow> | undefined; incoming: MetricPoint[] }> = [];
  let current = (await rows.next()).value;
  let end = current && chunkEnd(current.sk);
  for (const point of points) {
    while (current && end && comparePoints(end, point) < 0) {
      current = (await rows.next()).value;
      end = current && chunkEnd(current.sk);
    }
    // No row at or after it: the tail does not exist yet.
    const sk = current?.sk ?? runKeys.metricTail;
    const last = touched.at(-1);
    if (last && last.sk === sk) last.incoming.push(point);
    else touched.push({ sk, row: current ?? undefined, incoming: [point] });
  }
  await rows.return(undefined);
  const batches: WriteOp[][] = [];
  let batch: WriteOp[] = [];
  for (const t of touched) {
    const writes = chunkWrites(t.sk, t.row, t.incoming);
    if (batch.length + writes.length > MAX_BATCH_WRITES) {
      batches.push(batch);
      batch = [];
    }
    batch.push(...writes);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** How long a writer keeps retrying a contended series before answering 503. */
const WRITE_ATTEMPTS = 40;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes ascending points with unique positions into the series in partition `pk`. The series
 * is read while `ready` (the caller's own check) settles; nothing is written unless it holds.
 */
export async function writeSeries(
  store: MetadataStore,
  pk: string,
  points: MetricPoint[],
  ready?: Promise<unknown>,
): Promise<void> {
  const firstPlan = readAhead(planSeriesWrites(store, pk, points));
  await ready;
  for (let attempt = 0; ; attempt++) {
    try {
      for (const writes of attempt === 0 ? await firstPlan : await planSeriesWrites(store, pk, points))
        await store.batch(pk, writes);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError || e instanceof RetryableStoreError)) throw e;
      if (attempt + 1 >= WRITE_ATTEMPTS) throw contended(`the metric series ${pk}`);
      await pause(Math.random() * Math.min(250, 2 ** attempt));
    }
  }
}

/** Up to `limit` packed points after `after`, ascending. */
async function packedPoints(
  store: MetadataStore,
  pk: string,
  after: MetricPoint | undefined,
  limit: number,
): Promise<MetricPoint[]> {
  const out: MetricPoint[] = [];
  for await (const row of chunkRows(store, pk, after && runKeys.metricChunk(positionOf(after)))) {
    for (const p of decodeChunk(row.data.p)) if (!after || comparePoints(p, after) > 0) out.push(p);
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/** Up to `limit` points of the first layout after `after`, ascending. */
async function pointRows(
  store: MetadataStore,
  pk: string,
  after: MetricPoint | undefined,
  limit: number,
): Promise<MetricPoint[]> {
  const page = await store.query<PointRow>(pk, {
    prefix: runKeys.metricPointPrefix,
    ...(after ? { after: positionOf(after) } : {}),
    limit,
  });
  return page.items.map(({ data }) => ({
    step: data.step,
    timestamp: data.timestamp,
    value: fromJsonValue(data.value),
  }));
}

/**
 * Up to `want` points after position `after`, ascending by (step, timestamp), and whether more
 * follow. Each layout yields its first `want + 1`: together they hold the first `want + 1` of both.
 */
export async function readSeries(
  store: MetadataStore,
  pk: string,
  after: MetricPoint | undefined,
  want: number,
): Promise<{ points: MetricPoint[]; more: boolean }> {
  const [packed, rows] = await Promise.all([
    packedPoints(store, pk, after, want + 1),
    pointRows(store, pk, after, want + 1),
  ]);
  const merged: MetricPoint[] = [];
  let i = 0;
  let j = 0;
  while (merged.length <= want && (i < packed.length || j < rows.length)) {
    const a = packed[i];
    const b = rows[j];
    const order = a === undefined ? 1 : b === undefined ? -1 : comparePoints(a, b);
    if (order <= 0 && a) {
      merged.push(a);
      i++;
      if (order === 0) j++;
    } else if (b) {
      merged.push(b);
      j++;
    }
  }
  return { points: merged.slice(0, want), more: merged.length > want };
}
