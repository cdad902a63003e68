/** Metric series: batches validated whole, then written as idempotent upserts; the latest value per key kept apart. */
import { runKeys } from '../../domain/keys.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, invalid, RegistryError } from '../../errors.js';
import type { LogMetricsInput } from '../../schemas.js';
import { MAX_METRIC_POINTS } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { scanPartition } from '../scan.js';
import { loadActiveRun, loadRunRow } from './runs.js';

export interface LatestMetricRow {
  [key: string]: unknown;
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

/** Validates the whole batch first (one bad point writes nothing), then upserts points idempotently. */
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
  await loadActiveRun(ctx, runId);
  const now = ctx.clock.now().getTime();
  const byKey = new Map<string, Array<{ value: number; step: number; timestamp: number }>>();
  for (const m of input.metrics) {
    const point = { value: m.value, step: m.step ?? 0, timestamp: m.timestamp ?? now };
    const series = byKey.get(m.key) ?? [];
    series.push(point);
    byKey.set(m.key, series);
  }
  await Promise.all(
    [...byKey].map(async ([key, points]) => {
      const pk = runKeys.metricSeries(runId, key);
      for (let i = 0; i < points.length; i += 100)
        await ctx.metadata.batch(
          pk,
          dedupeBySortKey(
            points
              .slice(i, i + 100)
              .map((p) => ({ op: 'put' as const, sk: runKeys.metricPoint(p.step, p.timestamp), data: p })),
          ),
        );
      const newest = points.reduce((a, b) =>
        b.step > a.step || (b.step === a.step && b.timestamp >= a.timestamp) ? b : a,
      );
      await raiseLatestMetric(ctx, runId, key, newest);
    }),
  );
  return { written: input.metrics.length };
}

const dedupeBySortKey = <T extends { sk: string }>(ops: T[]): T[] => [...new Map(ops.map((o) => [o.sk, o])).values()];

async function raiseLatestMetric(
  ctx: RegistryContext,
  runId: string,
  key: string,
  point: { value: number; step: number; timestamp: number },
): Promise<void> {
  const pk = runKeys.run(runId);
  const sk = runKeys.latestMetric(key);
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await ctx.metadata.get<LatestMetricRow>(pk, sk);
    if (
      current &&
      (current.data.step > point.step || (current.data.step === point.step && current.data.timestamp > point.timestamp))
    )
      return;
    try {
      await ctx.metadata.batch(pk, [
        { op: 'put', sk, data: { key, ...point }, if: current ? { etag: current.etag } : { absent: true } },
      ]);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
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
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, '') : undefined;
  const result = await scanPartition<
    { value: number; step: number; timestamp: number },
    { value: number; step: number; timestamp: number }
  >(ctx.metadata, pk, { prefix: '', after, want: pageSize, budget: pageSize }, ({ data }) => ({
    value: data.value,
    step: data.step,
    timestamp: data.timestamp,
  }));
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}
