/**
 * Experiments, runs, params and metric series (MLflow's tracking model). A run's row lives in
 * its experiment's partition (so listing runs is one query); `RUN#<id>` holds a pointer, the
 * latest value per metric key and the model versions it produced.
 */
import { runKeys } from '../domain/keys.js';
import type { Page } from '../domain/types.js';
import { ConditionFailedError, contended, invalid, notFound, RegistryError } from '../errors.js';
import type { Item } from '../ports/metadata-store.js';
import type { CreateExperimentInput, CreateRunInput, LogMetricsInput, PatchRunInput } from '../schemas.js';
import { MAX_METRIC_POINTS } from '../schemas.js';
import { requireScope } from './authorization.js';
import type { Actor, RegistryContext } from './context.js';
import { mergePatch } from './merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token.js';
import { scanPartition } from './scan.js';

export interface Experiment {
  [key: string]: unknown;
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  createdBy: string;
}

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

interface RunRow {
  [key: string]: unknown;
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  params: Record<string, string>;
  tags: Record<string, string>;
  startTime: string;
  endTime: string | null;
  createdBy: string;
}

export interface Run extends RunRow {
  latestMetrics: Record<string, number>;
  modelVersions: Array<{ model: string; version: number }>;
}

interface LatestMetricRow {
  [key: string]: unknown;
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export async function createExperiment(
  ctx: RegistryContext,
  actor: Actor,
  input: CreateExperimentInput,
): Promise<Experiment> {
  requireScope(actor, 'registry.write');
  const experiment: Experiment = {
    id: ctx.newId(),
    name: input.name,
    description: input.description ?? '',
    tags: input.tags ?? {},
    createdAt: ctx.clock.now().toISOString(),
    createdBy: actor.subject,
  };
  try {
    await ctx.metadata.batch(runKeys.experiments, [
      { op: 'put', sk: runKeys.experimentName(input.name), data: { id: experiment.id }, if: { absent: true } },
      { op: 'put', sk: runKeys.experiment(experiment.id), data: experiment, if: { absent: true } },
    ]);
  } catch (e) {
    if (e instanceof ConditionFailedError)
      throw new RegistryError('conflict', `experiment "${input.name}" already exists`, {
        issues: [{ field: 'name', message: 'already used' }],
      });
    throw e;
  }
  return experiment;
}

const checkId = (field: string, id: string) => {
  if (!/^[0-9A-Z]{26}$/.test(id)) throw invalid(field, 'not an id this registry issues');
};

export async function getExperiment(ctx: RegistryContext, actor: Actor, id: string): Promise<Experiment> {
  requireScope(actor, 'registry.read');
  checkId('experimentId', id);
  const item = await ctx.metadata.get<Experiment>(runKeys.experiments, runKeys.experiment(id));
  if (!item) throw notFound(`experiment ${id}`);
  return item.data;
}

export async function listExperiments(
  ctx: RegistryContext,
  actor: Actor,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<Experiment>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const scope = { route: 'experiments', partition: runKeys.experiments, filter: '' };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, runKeys.experimentPrefix) : undefined;
  const result = await scanPartition<Experiment, Experiment>(
    ctx.metadata,
    runKeys.experiments,
    { prefix: runKeys.experimentPrefix, after, want: pageSize, budget: pageSize },
    (item) => item.data,
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

export async function createRun(
  ctx: RegistryContext,
  actor: Actor,
  experimentId: string,
  input: CreateRunInput,
): Promise<Run> {
  requireScope(actor, 'registry.write');
  await getExperiment(ctx, actor, experimentId);
  const id = ctx.newId();
  const row: RunRow = {
    id,
    experimentId,
    name: input.name ?? id,
    status: 'RUNNING',
    params: input.params ?? {},
    tags: input.tags ?? {},
    startTime: ctx.clock.now().toISOString(),
    endTime: null,
    createdBy: actor.subject,
  };
  // Pointer first: a run row is only reachable through it, so a crash leaves nothing visible.
  await ctx.metadata.batch(runKeys.run(id), [{ op: 'put', sk: 'META', data: { experimentId }, if: { absent: true } }]);
  await ctx.metadata.batch(runKeys.experimentRuns(experimentId), [
    { op: 'put', sk: runKeys.runRow(id), data: row, if: { absent: true } },
  ]);
  return { ...row, latestMetrics: {}, modelVersions: [] };
}

async function loadRunRow(ctx: RegistryContext, runId: string): Promise<Item<RunRow>> {
  checkId('runId', runId);
  const pointer = await ctx.metadata.get<{ experimentId: string }>(runKeys.run(runId), 'META');
  const item =
    pointer &&
    (await ctx.metadata.get<RunRow>(runKeys.experimentRuns(pointer.data.experimentId), runKeys.runRow(runId)));
  if (!item) throw notFound(`run ${runId}`);
  return item;
}

export async function runExists(ctx: RegistryContext, runId: string): Promise<boolean> {
  if (!/^[0-9A-Z]{26}$/.test(runId)) return false;
  const pointer = await ctx.metadata.get<{ experimentId: string }>(runKeys.run(runId), 'META');
  return pointer !== undefined;
}

/** Records that a version came from a run, so the run lists it. */
export async function linkRunVersion(
  ctx: RegistryContext,
  runId: string,
  model: string,
  version: number,
): Promise<void> {
  await ctx.metadata.batch(runKeys.run(runId), [
    { op: 'put', sk: runKeys.runVersion(model, version), data: { model, version } },
  ]);
}

async function withDerived(ctx: RegistryContext, row: RunRow): Promise<Run> {
  const pk = runKeys.run(row.id);
  const [metrics, versions] = await Promise.all([
    ctx.metadata.query<LatestMetricRow>(pk, { prefix: runKeys.latestMetricPrefix, limit: 1000 }),
    ctx.metadata.query<{ model: string; version: number }>(pk, { prefix: runKeys.runVersionPrefix, limit: 1000 }),
  ]);
  const latestMetrics: Record<string, number> = {};
  for (const m of metrics.items) latestMetrics[m.data.key] = m.data.value;
  return {
    ...row,
    latestMetrics,
    modelVersions: versions.items.map((v) => ({ model: v.data.model, version: v.data.version })),
  };
}

export async function getRun(ctx: RegistryContext, actor: Actor, runId: string): Promise<Run> {
  requireScope(actor, 'registry.read');
  return withDerived(ctx, (await loadRunRow(ctx, runId)).data);
}

export async function listRuns(
  ctx: RegistryContext,
  actor: Actor,
  experimentId: string,
  query: { pageSize?: string; pageToken?: string },
): Promise<Page<Run>> {
  await getExperiment(ctx, actor, experimentId);
  const pageSize = pageSizeOf(query.pageSize);
  const pk = runKeys.experimentRuns(experimentId);
  const scope = { route: 'runs', partition: pk, filter: '' };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, runKeys.runRowPrefix) : undefined;
  const result = await scanPartition<RunRow, RunRow>(
    ctx.metadata,
    pk,
    { prefix: runKeys.runRowPrefix, after, want: pageSize, budget: pageSize },
    (item) => item.data,
  );
  const items = await Promise.all(result.items.map((row) => withDerived(ctx, row)));
  return { items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

async function changeRun(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  change: (row: RunRow) => RunRow | undefined,
): Promise<Run> {
  requireScope(actor, 'registry.write');
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadRunRow(ctx, runId);
    const next = change(item.data);
    if (!next) return withDerived(ctx, item.data);
    try {
      await ctx.metadata.batch(runKeys.experimentRuns(item.data.experimentId), [
        { op: 'put', sk: item.sk, data: next, if: { etag: item.etag } },
      ]);
      return withDerived(ctx, next);
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw contended('the run');
}

export function updateRun(ctx: RegistryContext, actor: Actor, runId: string, patch: PatchRunInput): Promise<Run> {
  return changeRun(ctx, actor, runId, (row) => {
    const next = { ...row };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.tags !== undefined) next.tags = mergePatch(row.tags, patch.tags) as Record<string, string>;
    if (patch.status !== undefined && patch.status !== row.status) {
      next.status = patch.status;
      next.endTime = patch.status === 'RUNNING' ? null : ctx.clock.now().toISOString();
    }
    return next;
  });
}

/** Params are write-once (as in MLflow): the same value again is a no-op, a different one a 409. */
export function putParams(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  params: Record<string, string>,
): Promise<Run> {
  return changeRun(ctx, actor, runId, (row) => {
    const clashes = Object.entries(params).filter(([k, v]) => row.params[k] !== undefined && row.params[k] !== v);
    if (clashes.length > 0)
      throw new RegistryError('conflict', 'params are write-once', {
        issues: clashes.map(([k]) => ({ field: k, message: `already set to "${row.params[k]}"` })),
      });
    const added = Object.entries(params).filter(([k]) => row.params[k] === undefined);
    if (added.length === 0) return undefined;
    if (Object.keys(row.params).length + added.length > 1000)
      throw invalid('params', 'a run takes at most 1000 params');
    return { ...row, params: { ...row.params, ...Object.fromEntries(added) } };
  });
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
  await loadRunRow(ctx, runId);
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
