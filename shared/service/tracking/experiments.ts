/** Experiments: MLflow's grouping of runs, unique by name. */
import { runKeys } from '../../domain/keys.js';
import type { Page } from '../../domain/types.js';
import { ConditionFailedError, invalid, notFound, RegistryError } from '../../errors.js';
import type { CreateExperimentInput } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { scanPartition } from '../scan.js';
export interface Experiment {
  [key: string]: unknown;
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  createdBy: string;
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

export const checkId = (field: string, id: string) => {
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
