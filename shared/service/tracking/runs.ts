/**
 * Runs: a run's row lives in its experiment's partition (listing runs is one query); `RUN#<id>`
 * holds a pointer, the latest value per metric key and the model versions it produced.
 */

import { runKeys } from '../../domain/keys.js';
import { fromJsonValue } from '../../domain/metric-values.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, contended, invalid, notFound, RegistryError } from '../../errors.js';
import type { Item } from '../../ports/metadata-store.js';
import type { CreateRunInput, PatchRunInput } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { mergePatch } from '../merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { readAhead } from '../read-ahead.js';
import { scanPartition } from '../scan.js';
import {
  activeExperiment,
  checkId,
  getExperiment,
  type LifecycleStage,
  matchesView,
  type ViewType,
} from './experiments.js';
import type { LatestMetricRow } from './metrics.js';
import { type RunInputs, type RunOutputs, readRunInputs } from './run-inputs.js';
import { indexedRunPage, runIndexWrite } from './run-start-index.js';
export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunRow {
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
  /** Absent on rows written before runs could be deleted: active. */
  lifecycleStage?: LifecycleStage;
}

export interface Run extends RunRow {
  latestMetrics: Record<string, number>;
  /** The latest point per key with its step and time (`latestMetrics` keeps the bare values). */
  latestMetricPoints: Record<string, { value: number; step: number; timestamp: number }>;
  modelVersions: Array<{ model: string; version: number }>;
  inputs: RunInputs;
  outputs: RunOutputs;
}

export async function createRun(
  ctx: RegistryContext,
  actor: Actor,
  experimentId: string,
  input: CreateRunInput,
): Promise<Run> {
  requireScope(actor, 'registry.write');
  await activeExperiment(ctx, actor, experimentId);
  const id = ctx.newId();
  const row: RunRow = {
    id,
    experimentId,
    name: input.name ?? id,
    status: 'RUNNING',
    params: input.params ?? {},
    tags: input.tags ?? {},
    startTime: (input.startTime ? new Date(input.startTime) : ctx.clock.now()).toISOString(),
    endTime: null,
    createdBy: actor.subject,
    lifecycleStage: 'active',
  };
  // Pointer first: a run row is only reachable through it, so a crash leaves nothing visible.
  await ctx.homes.point(ctx.metadata, runKeys.run(id), experimentId);
  await ctx.metadata.batch(runKeys.experimentRuns(experimentId), [
    { op: 'put', sk: runKeys.runRow(id), data: row, if: { absent: true } },
    runIndexWrite(row),
  ]);
  return bareRun(row);
}

/** A run with none of what it derives from its other rows (a new run, or a row a search has yet to read further). */
export const bareRun = (row: RunRow): Run => ({
  ...row,
  latestMetrics: {},
  latestMetricPoints: {},
  modelVersions: [],
  inputs: { datasets: [], models: [] },
  outputs: { models: [] },
});

export async function loadRunRow(ctx: RegistryContext, runId: string): Promise<Item<RunRow>> {
  checkId('runId', runId);
  const experimentId = await ctx.homes.of(ctx.metadata, runKeys.run(runId));
  const item =
    experimentId !== undefined &&
    (await ctx.metadata.get<RunRow>(runKeys.experimentRuns(experimentId), runKeys.runRow(runId)));
  if (!item) throw notFound(`run ${runId}`);
  return item;
}

/**
 * MLflow's rule: a deleted run takes no writes (params, metrics, tags, inputs, outputs, updates)
 * until restored. A 400 naming the lifecycle, as for a deleted experiment.
 */
export function requireActiveRun(row: RunRow): void {
  const stage = row.lifecycleStage ?? 'active';
  if (stage !== 'active')
    throw invalid(
      'lifecycleStage',
      `run ${row.id} must be in the 'active' state to take writes; it is '${stage}': restore it first`,
    );
}

/** The run, refused when it is deleted: what every write to a run starts with. */
export async function loadActiveRun(ctx: RegistryContext, runId: string): Promise<Item<RunRow>> {
  const item = await loadRunRow(ctx, runId);
  requireActiveRun(item.data);
  return item;
}

export async function runExists(ctx: RegistryContext, runId: string): Promise<boolean> {
  if (!/^[0-9A-Z]{26}$/.test(runId)) return false;
  return (await ctx.homes.of(ctx.metadata, runKeys.run(runId))) !== undefined;
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

/** What a run derives from its own partition: the latest point per metric key, the versions made from it, its inputs and outputs. */
type DerivedRows = Pick<Run, 'latestMetrics' | 'latestMetricPoints' | 'modelVersions' | 'inputs' | 'outputs'>;

/** Reads what `runId` derives; needs only the id, so it may run beside the read of the run row. */
async function readDerived(ctx: RegistryContext, runId: string): Promise<DerivedRows> {
  const pk = runKeys.run(runId);
  const [metrics, versions, io] = await Promise.all([
    ctx.metadata.query<LatestMetricRow>(pk, { prefix: runKeys.latestMetricPrefix, limit: 1000 }),
    ctx.metadata.query<{ model: string; version: number }>(pk, { prefix: runKeys.runVersionPrefix, limit: 1000 }),
    readRunInputs(ctx, runId),
  ]);
  const latestMetrics: Run['latestMetrics'] = {};
  const latestMetricPoints: Run['latestMetricPoints'] = {};
  for (const { data } of metrics.items) {
    const value = fromJsonValue(data.value);
    latestMetrics[data.key] = value;
    latestMetricPoints[data.key] = { value, step: data.step, timestamp: data.timestamp };
  }
  return {
    latestMetrics,
    latestMetricPoints,
    modelVersions: versions.items.map((v) => ({ model: v.data.model, version: v.data.version })),
    ...io,
  };
}

const joinDerived = (row: RunRow, derived: DerivedRows): Run => {
  row.lifecycleStage ??= 'active';
  return { ...row, ...derived };
};

/**
 * A run as clients see it: its row with the latest point per metric key, the versions made
 * from it, and its inputs and outputs.
 */
export async function withDerived(ctx: RegistryContext, row: RunRow): Promise<Run> {
  return joinDerived(row, await readDerived(ctx, row.id));
}

export async function getRun(ctx: RegistryContext, actor: Actor, runId: string): Promise<Run> {
  requireScope(actor, 'registry.read');
  checkId('runId', runId); // before any read: the id becomes partition keys
  // Side by side: one round trip to the store for a run whose experiment this process knows.
  const [item, derived] = await Promise.all([loadRunRow(ctx, runId), readDerived(ctx, runId)]);
  return joinDerived(item.data, derived);
}

/**
 * An experiment's runs, newest first (start time descending, then id) from the start-time index;
 * an experiment made before the index lists in id order until the sweeper has indexed its runs.
 */
export async function listRuns(
  ctx: RegistryContext,
  actor: Actor,
  experimentId: string,
  query: { pageSize?: string; pageToken?: string; view?: ViewType },
): Promise<Page<Run>> {
  await getExperiment(ctx, actor, experimentId);
  const pageSize = pageSizeOf(query.pageSize);
  const view = query.view ?? 'active';
  const pk = runKeys.experimentRuns(experimentId);
  const scope = { route: 'runs', partition: pk, filter: view === 'active' ? '' : view };
  const resume = query.pageToken
    ? decodePageToken(query.pageToken, scope, [runKeys.runByStartPrefix, runKeys.runRowPrefix])
    : undefined;
  const budget = Math.max(pageSize * 5, 1000);
  const inView = (row: RunRow) => matchesView(row.lifecycleStage, view);
  const result =
    (await indexedRunPage(ctx, [experimentId], resume, { want: pageSize, budget }, inView)) ??
    (await scanPartition<RunRow, RunRow>(
      ctx.metadata,
      pk,
      { prefix: runKeys.runRowPrefix, after: resume, want: pageSize, budget },
      (item) => (inView(item.data) ? item.data : undefined),
    ));
  const items = await Promise.all(result.items.map((row) => withDerived(ctx, row)));
  return { items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

/** Read-modify-write of a run row under its etag; `change` answers undefined when nothing changes. */
async function changeRun(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  change: (row: RunRow) => RunRow | undefined,
  options: { deletedToo?: boolean } = {},
): Promise<Run> {
  requireScope(actor, 'registry.write');
  checkId('runId', runId); // before any read: the id becomes partition keys
  // A change touches the run row only: what the run derives is read beside it, once.
  const derived = readAhead(readDerived(ctx, runId));
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadRunRow(ctx, runId);
    if (!options.deletedToo) requireActiveRun(item.data);
    const next = change(item.data);
    if (!next) return joinDerived(item.data, await derived);
    try {
      await ctx.metadata.batch(runKeys.experimentRuns(item.data.experimentId), [
        { op: 'put', sk: item.sk, data: next, if: { etag: item.etag } },
      ]);
      return joinDerived(next, await derived);
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
    if (Object.keys(next.tags).length > MAX_RUN_TAGS) throw invalid('tags', `a run takes at most ${MAX_RUN_TAGS} tags`);
    if (patch.status !== undefined && patch.status !== row.status) {
      next.status = patch.status;
      next.endTime = patch.status === 'RUNNING' ? null : ctx.clock.now().toISOString();
    }
    // The client's own end time (MLflow's clients send one), for a run that has ended.
    if (patch.endTime !== undefined && next.status !== 'RUNNING') next.endTime = new Date(patch.endTime).toISOString();
    return JSON.stringify(next) === JSON.stringify(row) ? undefined : next;
  });
}

/** Tags a run may carry (MLflow's clients set about ten system tags of their own). */
export const MAX_RUN_TAGS = 64;

/** Soft delete, as MLflow's: the run stays readable, listings leave it out, `restore` undoes it. */
export function setRunLifecycle(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  stage: LifecycleStage,
): Promise<Run> {
  return changeRun(
    ctx,
    actor,
    runId,
    (row) => ((row.lifecycleStage ?? 'active') === stage ? undefined : { ...row, lifecycleStage: stage }),
    { deletedToo: true },
  );
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
