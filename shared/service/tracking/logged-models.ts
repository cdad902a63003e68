/**
 * Logged models (MLflow 3): a model a run logged, with its own artifacts, params and tags,
 * that a version can name as its source (`models:/<id>`). Laid out like runs: the row in its
 * experiment's partition (listing is one query), a pointer partition `LMODEL#<id>` that also
 * holds its artifact index.
 */
import { runKeys } from '../../domain/keys.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, contended, invalid, notFound } from '../../errors.js';
import type { Item } from '../../ports/metadata-store.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { mergePatch } from '../merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { scanPartition } from '../scan.js';
import { activeExperiment, getExperiment, type LifecycleStage } from './experiments.js';
import { loadRunRow, MAX_RUN_TAGS } from './runs.js';

export type LoggedModelStatus = 'PENDING' | 'READY' | 'FAILED';

export interface LoggedModel {
  [key: string]: unknown;
  id: string;
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  lifecycleStage: LifecycleStage;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface CreateLoggedModelInput {
  name?: string;
  sourceRunId?: string;
  modelType?: string;
  tags?: Record<string, string>;
  params?: Record<string, string>;
}

/** `m-` and a lower-case ULID: MLflow's own ids start with `m-` too. */
const ID_RE = /^m-[0-9a-z]{26}$/;

export const isLoggedModelId = (id: string): boolean => ID_RE.test(id);

function checkLoggedModelId(id: string): void {
  if (!ID_RE.test(id)) throw invalid('modelId', 'not a logged model id this registry issues');
}

export async function createLoggedModel(
  ctx: RegistryContext,
  actor: Actor,
  experimentId: string,
  input: CreateLoggedModelInput,
): Promise<LoggedModel> {
  requireScope(actor, 'registry.write');
  await activeExperiment(ctx, actor, experimentId);
  if (input.sourceRunId !== undefined) {
    const run = await loadRunRow(ctx, input.sourceRunId);
    if (run.data.experimentId !== experimentId) throw invalid('sourceRunId', 'the run belongs to another experiment');
  }
  const id = `m-${ctx.newId().toLowerCase()}`;
  const now = ctx.clock.now().toISOString();
  const row: LoggedModel = {
    id,
    experimentId,
    name: input.name ?? id,
    status: 'PENDING',
    tags: input.tags ?? {},
    params: input.params ?? {},
    lifecycleStage: 'active',
    createdAt: now,
    createdBy: actor.subject,
    updatedAt: now,
  };
  if (input.sourceRunId !== undefined) row.sourceRunId = input.sourceRunId;
  if (input.modelType !== undefined) row.modelType = input.modelType;
  // Pointer first: the row is only reachable through it, so a crash leaves nothing visible.
  await ctx.homes.point(ctx.metadata, runKeys.loggedModel(id), experimentId);
  await ctx.metadata.batch(runKeys.experimentRuns(experimentId), [
    { op: 'put', sk: runKeys.loggedModelRow(id), data: row, if: { absent: true } },
  ]);
  return row;
}

export async function loadLoggedModel(ctx: RegistryContext, id: string): Promise<Item<LoggedModel>> {
  checkLoggedModelId(id);
  const experimentId = await ctx.homes.of(ctx.metadata, runKeys.loggedModel(id));
  const item =
    experimentId !== undefined &&
    (await ctx.metadata.get<LoggedModel>(runKeys.experimentRuns(experimentId), runKeys.loggedModelRow(id)));
  if (!item) throw notFound(`logged model ${id}`);
  return item;
}

export async function getLoggedModel(ctx: RegistryContext, actor: Actor, id: string): Promise<LoggedModel> {
  requireScope(actor, 'registry.read');
  return (await loadLoggedModel(ctx, id)).data;
}

async function changeLoggedModel(
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  change: (row: LoggedModel) => LoggedModel,
): Promise<LoggedModel> {
  requireScope(actor, 'registry.write');
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadLoggedModel(ctx, id);
    const next = { ...change(item.data), updatedAt: ctx.clock.now().toISOString() };
    try {
      await ctx.metadata.batch(runKeys.experimentRuns(item.data.experimentId), [
        { op: 'put', sk: item.sk, data: next, if: { etag: item.etag } },
      ]);
      return next;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw contended('the logged model');
}

/** READY once its artifacts are logged (or FAILED); MLflow's client finalizes after uploading. */
export const finalizeLoggedModel = (
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  status: LoggedModelStatus,
  message?: string,
): Promise<LoggedModel> =>
  changeLoggedModel(ctx, actor, id, (row) => {
    const next = { ...row, status };
    if (message !== undefined) next.statusMessage = message;
    return next;
  });

/** Tags as a JSON Merge Patch (`null` removes a key). */
export const patchLoggedModelTags = (
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  tags: Record<string, string | null>,
): Promise<LoggedModel> =>
  changeLoggedModel(ctx, actor, id, (row) => {
    const next = mergePatch(row.tags, tags) as Record<string, string>;
    if (Object.keys(next).length > MAX_RUN_TAGS) throw invalid('tags', `at most ${MAX_RUN_TAGS} tags`);
    return { ...row, tags: next };
  });

/** Params are write-once, as a run's: the same value again is a no-op, another is refused. */
export const logLoggedModelParams = (
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  params: Record<string, string>,
): Promise<LoggedModel> =>
  changeLoggedModel(ctx, actor, id, (row) => {
    const clash = Object.entries(params).find(([k, v]) => row.params[k] !== undefined && row.params[k] !== v);
    if (clash) throw invalid(`params.${clash[0]}`, `already set to "${row.params[clash[0]]}"`);
    if (Object.keys({ ...row.params, ...params }).length > 1000) throw invalid('params', 'at most 1000 params');
    return { ...row, params: { ...row.params, ...params } };
  });

export const setLoggedModelLifecycle = (
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  stage: LifecycleStage,
): Promise<LoggedModel> => changeLoggedModel(ctx, actor, id, (row) => ({ ...row, lifecycleStage: stage }));

/** Logged models of some experiments, oldest first, with an optional further condition. */
export async function listLoggedModels(
  ctx: RegistryContext,
  actor: Actor,
  experimentIds: string[],
  query: { pageSize?: string; pageToken?: string },
  extra?: { match: (m: LoggedModel) => boolean; filterKey: string },
): Promise<Page<LoggedModel>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const ids = [...new Set(experimentIds)];
  if (ids.length === 0 || ids.length > 100) throw invalid('experimentIds', 'name 1-100 experiments');
  await Promise.all(ids.map((id) => getExperiment(ctx, actor, id)));
  const scope = { route: 'logged-models', partition: ids.join(','), filter: extra?.filterKey ?? '' };
  // The token names the experiment it stopped in and the row key there: `<index>|<row key>`.
  let start = 0;
  let after: string | undefined;
  if (query.pageToken) {
    const raw = decodePageToken(query.pageToken, scope, '');
    const bar = raw.indexOf('|');
    start = Number(raw.slice(0, bar));
    after = raw.slice(bar + 1);
    if (bar < 0 || !Number.isSafeInteger(start) || start < 0 || start >= ids.length)
      throw invalid('pageToken', 'malformed page token');
  }
  const items: LoggedModel[] = [];
  for (let i = start; i < ids.length; i++) {
    const result = await scanPartition<LoggedModel, LoggedModel>(
      ctx.metadata,
      runKeys.experimentRuns(ids[i] ?? ''),
      {
        prefix: runKeys.loggedModelRowPrefix,
        after: i === start ? after : undefined,
        want: pageSize - items.length,
        budget: 2000,
      },
      ({ data }) => (data.lifecycleStage !== 'deleted' && (!extra || extra.match(data)) ? data : undefined),
    );
    items.push(...result.items);
    if (result.resumeAfter !== undefined)
      return { items, nextPageToken: encodePageToken(scope, `${i}|${result.resumeAfter}`) };
    if (items.length >= pageSize)
      return { items, nextPageToken: i + 1 < ids.length ? encodePageToken(scope, `${i + 1}|`) : null };
  }
  return { items, nextPageToken: null };
}
