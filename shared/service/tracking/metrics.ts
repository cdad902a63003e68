/**
 * Metric series: a batch is validated whole, then each key's points are written packed
 * (metric-series.ts) in one conditional batch per key; the latest value per key is kept apart,
 * in the run's partition, raised only after its points are in place.
 */
import { runKeys } from '../../domain/keys.js';
import { fromJsonValue, type JsonMetricValue, toJsonValue } from '../../domain/metric-values.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, contended, invalid, RegistryError } from '../../errors.js';
import type { Item } from '../../ports/metadata-store.js';
import type { LogMetricsInput } from '../../schemas.js';
import { isIntWithin, MAX_METRIC_POINTS, METRIC_STEP, METRIC_TIMESTAMP } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { readAhead } from '../read-ahead.js';
import { checkId } from './experiments.js';
import { comparePoints, type MetricPoint } from './metric-chunk.js';
import { pointAt, positionOf, readSeries, writeSeries } from './metric-series.js';
import { loadActiveRun, loadRunRow } from './runs.js';

export interface LatestMetricRow {
  [key: string]: unknown;
  key: string;
  value: JsonMetricValue;
  step: number;
  timestamp: number;
}

/**
 * Validates the whole batch first (one bad point writes nothing), then writes each key's points.
 * The reads a write needs (the run, each key's chunks, each key's latest value) go to the store
 * side by side, and nothing is written before the run is known to take writes: on DynamoDB a
 * one-point call is three round trips, not five.
 */
export async function logMetrics(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  input: LogMetricsInput,
): Promise<{ written: number }> {
  requireScope(actor, 'registry.write');
  if (input.metrics.length > MAX_METRIC_POINTS)
    throw new RegistryError('payload-too-large', `at most ${MAX_METRIC_POINTS} metric points per request`, {
      issues: [{ field: 'metrics', message: `${input.metrics.length} points sent` }],
    });
  checkId('runId', runId);
  const active = readAhead(loadActiveRun(ctx, runId));
  let byKey: Map<string, MetricPoint[]>;
  try {
    byKey = pointsByKey(input, ctx.clock.now().getTime());
  } catch (e) {
    await active; // a missing or deleted run is the answer before a bad point, as when read first
    throw e;
  }
  // Keys are independent partitions, written side by side; the answer waits for all of them,
  // so no write of a failed request lands after it (a retry then finds each point once).
  const outcomes = await Promise.allSettled(
    [...byKey].map(async ([key, points]) => {
      const latest = readAhead(ctx.metadata.get<LatestMetricRow>(runKeys.run(runId), runKeys.latestMetric(key)));
      const series = ascendingUnique(points);
      await writeSeries(ctx.metadata, runKeys.metricSeries(runId, key), series, active);
      const newest = series.at(-1);
      if (newest) await raiseLatestMetric(ctx, runId, key, newest, latest);
    }),
  );
  await active;
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  return { written: input.metrics.length };
}

function pointsByKey(input: LogMetricsInput, now: number): Map<string, MetricPoint[]> {
  const byKey = new Map<string, MetricPoint[]>();
  for (const [i, m] of input.metrics.entries()) {
    const point = { step: m.step ?? 0, timestamp: m.timestamp ?? now, value: fromJsonValue(m.value) };
    checkPosition(point, i);
    const series = byKey.get(m.key);
    if (series) series.push(point);
    else byKey.set(m.key, [point]);
  }
  return byKey;
}

/**
 * The request schema checks this already; callers of the service that build points themselves
 * (compatibility layers) get the same rule, since positions and packing rely on it.
 */
function checkPosition(point: MetricPoint, index: number): void {
  if (!isIntWithin(point.step, METRIC_STEP))
    throw invalid(`metrics.${index}.step`, `must be an integer from ${METRIC_STEP.min} to ${METRIC_STEP.max}`);
  if (!isIntWithin(point.timestamp, METRIC_TIMESTAMP))
    throw invalid(`metrics.${index}.timestamp`, `must be an integer from 0 to ${METRIC_TIMESTAMP.max}`);
}

/** Sorted by (step, timestamp); of points logged twice at one position in a batch, the later one. */
function ascendingUnique(points: MetricPoint[]): MetricPoint[] {
  // A training loop logs in order: most batches are ascending already, and need no sort.
  let ascending = true;
  for (let i = 1; ascending && i < points.length; i++)
    ascending = comparePoints(points[i - 1] as MetricPoint, points[i] as MetricPoint) < 0;
  if (ascending) return points;
  const sorted = points.slice().sort(comparePoints); // stable: equal positions keep their order
  const out: MetricPoint[] = [];
  for (const p of sorted) {
    const last = out.at(-1);
    if (last && comparePoints(last, p) === 0) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

const LATEST_ATTEMPTS = 40;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function raiseLatestMetric(
  ctx: RegistryContext,
  runId: string,
  key: string,
  point: MetricPoint,
  firstRead: Promise<Item<LatestMetricRow> | undefined>,
): Promise<void> {
  const pk = runKeys.run(runId);
  const sk = runKeys.latestMetric(key);
  for (let attempt = 0; attempt < LATEST_ATTEMPTS; attempt++) {
    // The read made beside the series' own; a lost race fails the write's condition and reads again.
    const current = attempt === 0 ? await firstRead : await ctx.metadata.get<LatestMetricRow>(pk, sk);
    if (current && comparePoints(current.data, point) > 0) return;
    const data: LatestMetricRow = {
      key,
      value: toJsonValue(point.value),
      step: point.step,
      timestamp: point.timestamp,
    };
    if (
      current &&
      comparePoints(current.data, point) === 0 &&
      Object.is(fromJsonValue(current.data.value), point.value)
    )
      return;
    try {
      await ctx.metadata.batch(pk, [{ op: 'put', sk, data, if: current ? { etag: current.etag } : { absent: true } }]);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      await pause(Math.random() * Math.min(250, 2 ** attempt));
    }
  }
  throw contended(`the latest value of metric ${key}`);
}

export async function metricHistory(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  key: string,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<{ value: number; step: number; timestamp: number }>> {
  requireScope(actor, 'registry.read');
  if (!/^[A-Za-z0-9._\-/ ]{1,250}$/.test(key)) throw invalid('key', 'not a metric key');
  await loadRunRow(ctx, runId);
  const pageSize = pageSizeOf(query.pageSize);
  const pk = runKeys.metricSeries(runId, key);
  const scope = { route: 'metrics', partition: pk, filter: '' };
  let after: MetricPoint | undefined;
  if (query.pageToken) {
    after = pointAt(decodePageToken(query.pageToken, scope, ''));
    if (!after) throw invalid('pageToken', 'page token does not fit this listing');
  }
  const { points, more } = await readSeries(ctx.metadata, pk, after, pageSize);
  const last = points.at(-1);
  return {
    items: points.map((p) => ({ value: p.value, step: p.step, timestamp: p.timestamp })),
    nextPageToken: more && last ? encodePageToken(scope, positionOf(last)) : null,
  };
}
