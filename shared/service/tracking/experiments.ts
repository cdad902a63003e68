/**
 * Experiments: MLflow's grouping of runs, unique by name (a deleted experiment keeps its name,
 * as in MLflow). Experiment `"0"` is MLflow's default ("Default"), made on first use.
 */
import { runKeys } from '../../domain/keys.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, contended, invalid, notFound, RegistryError } from '../../errors.js';
import type { Item, WriteOp } from '../../ports/metadata-store.js';
import type { CreateExperimentInput, PatchExperimentInput } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { mergePatch } from '../merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { scanPartition } from '../scan.js';
import { markRunIndexComplete } from './run-start-index.js';

export type LifecycleStage = 'active' | 'deleted';
/** Which experiments or runs a listing shows (MLflow's `view_type`). */
export type ViewType = 'active' | 'deleted' | 'all';

export interface Experiment {
  [key: string]: unknown;
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  lifecycleStage: LifecycleStage;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** Rows written before experiments had a lifecycle or an update time read as active and unchanged. */
const normalized = (row: Experiment): Experiment => ({
  ...row,
  lifecycleStage: row.lifecycleStage ?? 'active',
  updatedAt: row.updatedAt ?? row.createdAt,
});

export const matchesView = (stage: LifecycleStage | undefined, view: ViewType): boolean =>
  view === 'all' || (stage ?? 'active') === view;

export async function createExperiment(
  ctx: RegistryContext,
  actor: Actor,
  input: CreateExperimentInput,
): Promise<Experiment> {
  requireScope(actor, 'registry.write');
  const now = ctx.clock.now().toISOString();
  const experiment: Experiment = {
    id: ctx.newId(),
    name: input.name,
    description: input.description ?? '',
    tags: input.tags ?? {},
    lifecycleStage: 'active',
    createdAt: now,
    createdBy: actor.subject,
    updatedAt: now,
  };
  if (input.name === DEFAULT_EXPERIMENT_NAME) await ensureDefaultExperiment(ctx);
  // Before the experiment exists, so none of its runs can miss the index; a crash leaves a row nothing reads.
  await markRunIndexComplete(ctx, experiment.id);
  try {
    await ctx.metadata.batch(runKeys.experiments, [
      { op: 'put', sk: runKeys.experimentName(input.name), data: { id: experiment.id }, if: { absent: true } },
      { op: 'put', sk: runKeys.experiment(experiment.id), data: experiment, if: { absent: true } },
    ]);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw nameTaken(input.name);
    throw e;
  }
  return experiment;
}

const nameTaken = (name: string) =>
  new RegistryError('conflict', `experiment "${name}" already exists`, {
    issues: [{ field: 'name', message: 'already used' }],
  });

/** Ids this registry issues (ULIDs), and MLflow's default experiment `"0"`. */
export const checkId = (field: string, id: string) => {
  if (!/^[0-9A-Z]{26}$/.test(id) && !(field === 'experimentId' && id === DEFAULT_EXPERIMENT_ID))
    throw invalid(field, 'not an id this registry issues');
};

/** Writes experiment "0" unless it exists; its name row only when "Default" is still free. */
async function ensureDefaultExperiment(ctx: RegistryContext): Promise<Item<Experiment>> {
  const sk = runKeys.experiment(DEFAULT_EXPERIMENT_ID);
  const existing = await ctx.metadata.get<Experiment>(runKeys.experiments, sk);
  if (existing) return existing;
  const now = ctx.clock.now().toISOString();
  const row: Experiment = {
    id: DEFAULT_EXPERIMENT_ID,
    name: DEFAULT_EXPERIMENT_NAME,
    description: '',
    tags: {},
    lifecycleStage: 'active',
    createdAt: now,
    createdBy: 'mreg:system',
    updatedAt: now,
  };
  // Made now, by this code: every run it gets is indexed (an older "0" is the sweeper's to index).
  await markRunIndexComplete(ctx, DEFAULT_EXPERIMENT_ID);
  const put: WriteOp = { op: 'put', sk, data: row, if: { absent: true } };
  const name: WriteOp = {
    op: 'put',
    sk: runKeys.experimentName(DEFAULT_EXPERIMENT_NAME),
    data: { id: DEFAULT_EXPERIMENT_ID },
    if: { absent: true },
  };
  await ctx.metadata.batch(runKeys.experiments, [put, name]).catch(async (e) => {
    if (!(e instanceof ConditionFailedError)) throw e;
    // Another writer made it, or "Default" names another experiment: keep the row alone.
    await ctx.metadata.batch(runKeys.experiments, [put]).catch((again) => {
      if (!(again instanceof ConditionFailedError)) throw again;
    });
  });
  const made = await ctx.metadata.get<Experiment>(runKeys.experiments, sk);
  if (!made) throw contended('the default experiment');
  return made;
}

async function loadExperiment(ctx: RegistryContext, id: string): Promise<Item<Experiment>> {
  checkId('experimentId', id);
  const item = await ctx.metadata.get<Experiment>(runKeys.experiments, runKeys.experiment(id));
  if (item) return { ...item, data: normalized(item.data) };
  if (id === DEFAULT_EXPERIMENT_ID) {
    const made = await ensureDefaultExperiment(ctx);
    return { ...made, data: normalized(made.data) };
  }
  throw notFound(`experiment ${id}`);
}

export async function getExperiment(ctx: RegistryContext, actor: Actor, id: string): Promise<Experiment> {
  requireScope(actor, 'registry.read');
  return (await loadExperiment(ctx, id)).data;
}

export async function getExperimentByName(ctx: RegistryContext, actor: Actor, name: string): Promise<Experiment> {
  requireScope(actor, 'registry.read');
  const pointer = await ctx.metadata.get<{ id: string }>(runKeys.experiments, runKeys.experimentName(name));
  if (pointer) return (await loadExperiment(ctx, pointer.data.id)).data;
  if (name === DEFAULT_EXPERIMENT_NAME) {
    const made = await ensureDefaultExperiment(ctx);
    if (made.data.name === name) return normalized(made.data);
  }
  throw notFound(`experiment "${name}"`);
}

/** An experiment runs may be added to: it exists and is not deleted. */
export async function activeExperiment(ctx: RegistryContext, actor: Actor, id: string): Promise<Experiment> {
  const experiment = await getExperiment(ctx, actor, id);
  if (experiment.lifecycleStage !== 'active')
    throw invalid('experimentId', `experiment ${id} is deleted; restore it first`);
  return experiment;
}

/** Read-modify-write of an experiment row under its etag; a rename moves the name row in the same batch. */
async function changeExperiment(
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  change: (row: Experiment) => Experiment,
): Promise<Experiment> {
  requireScope(actor, 'registry.write');
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadExperiment(ctx, id);
    const next = { ...change(item.data), updatedAt: ctx.clock.now().toISOString() };
    const writes: WriteOp[] = [{ op: 'put', sk: item.sk, data: next, if: { etag: item.etag } }];
    if (next.name !== item.data.name)
      writes.push(
        { op: 'put', sk: runKeys.experimentName(next.name), data: { id }, if: { absent: true } },
        { op: 'delete', sk: runKeys.experimentName(item.data.name) },
      );
    try {
      await ctx.metadata.batch(runKeys.experiments, writes);
      return next;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      if (next.name !== item.data.name && e.index === 1) throw nameTaken(next.name);
      if (next.name !== item.data.name) {
        const owner = await ctx.metadata.get<{ id: string }>(runKeys.experiments, runKeys.experimentName(next.name));
        if (owner && owner.data.id !== id) throw nameTaken(next.name);
      }
    }
  }
  throw contended('the experiment');
}

/** Renames, describes or tags (tags as a JSON Merge Patch: `null` removes a key). */
export function updateExperiment(
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  patch: PatchExperimentInput,
): Promise<Experiment> {
  return changeExperiment(ctx, actor, id, (row) => {
    const next = { ...row };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.description !== undefined) next.description = patch.description ?? '';
    if (patch.tags !== undefined) next.tags = mergePatch(row.tags, patch.tags) as Record<string, string>;
    if (Object.keys(next.tags).length > 64) throw invalid('tags', 'at most 64 tags');
    return next;
  });
}

/** Soft delete (MLflow's lifecycle stage): runs stay, the name stays taken, `restore` undoes it. */
export function setExperimentLifecycle(
  ctx: RegistryContext,
  actor: Actor,
  id: string,
  stage: LifecycleStage,
): Promise<Experiment> {
  if (stage === 'deleted' && id === DEFAULT_EXPERIMENT_ID)
    throw invalid('experimentId', 'the default experiment cannot be deleted');
  return changeExperiment(ctx, actor, id, (row) => ({ ...row, lifecycleStage: stage }));
}

export interface ExperimentQuery {
  pageSize?: string;
  pageToken?: string;
  view?: ViewType;
}

export async function listExperiments(
  ctx: RegistryContext,
  actor: Actor,
  query: ExperimentQuery,
  /** A further condition (a compatibility layer's filter); bound into page tokens by `filterKey`. */
  extra?: { match: (e: Experiment) => boolean; filterKey: string },
): Promise<Page<Experiment>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const view = query.view ?? 'active';
  if (view === 'active' || view === 'all') await ensureDefaultExperiment(ctx);
  const filter = view === 'active' && !extra ? '' : `${view}|${extra?.filterKey ?? ''}`;
  const scope = { route: 'experiments', partition: runKeys.experiments, filter };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, runKeys.experimentPrefix) : undefined;
  const result = await scanPartition<Experiment, Experiment>(
    ctx.metadata,
    runKeys.experiments,
    { prefix: runKeys.experimentPrefix, after, want: pageSize, budget: Math.max(pageSize * 5, 1000) },
    (item) => {
      const e = normalized(item.data);
      return matchesView(e.lifecycleStage, view) && (!extra || extra.match(e)) ? e : undefined;
    },
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}
