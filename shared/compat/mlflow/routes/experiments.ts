/** MLflow experiments (service.proto): create, get, get-by-name, search, update, delete, restore, tags. */
import * as z from 'zod/mini';
import * as s from '../../../schemas.js';
import { lazySchema } from '../../../schemas.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import type { Experiment, ViewType } from '../../../service/tracking/experiments.js';
import { likeRegex } from '../../../service/tracking/run-search.js';
import { experimentOf } from '../entities.js';
import { parseSearchFilter } from '../search-filter.js';
import {
  Int64,
  invalidParam,
  native,
  ok,
  pageSizeParam,
  queryOf,
  required,
  Str,
  TagList,
  tagMap,
  toInt,
  withToken,
} from '../wire.js';
import { endpoint } from './define.js';

const CreateExperiment = lazySchema(() =>
  z.object({ name: z.optional(Str()), artifact_location: z.optional(Str()), tags: z.optional(TagList()) }),
);
const SearchExperiments = lazySchema(() =>
  z.object({
    max_results: z.optional(Int64()),
    page_token: z.optional(Str()),
    filter: z.optional(Str()),
    order_by: z.optional(z.array(Str())),
    view_type: z.optional(Str()),
  }),
);
const ExperimentId = lazySchema(() => z.object({ experiment_id: z.optional(Str()) }));
const UpdateExperiment = lazySchema(() => z.object({ experiment_id: z.optional(Str()), new_name: z.optional(Str()) }));
const ExperimentTag = lazySchema(() =>
  z.object({ experiment_id: z.optional(Str()), key: z.optional(Str()), value: z.optional(Str()) }),
);

export const viewTypeOf = (raw: string | undefined): ViewType => {
  if (raw === undefined || raw === 'ACTIVE_ONLY' || raw === '1') return 'active';
  if (raw === 'DELETED_ONLY' || raw === '2') return 'deleted';
  if (raw === 'ALL' || raw === '3') return 'all';
  throw invalidParam(`Invalid view_type '${raw}'`);
};

/** Experiment filters: `name` (=, !=, LIKE, ILIKE) and `tags.<key>` (=, !=, LIKE, ILIKE). */
function experimentMatcher(filter: string | undefined): ((e: Experiment) => boolean) | undefined {
  const clauses = parseSearchFilter(filter);
  if (clauses.length === 0) return undefined;
  const tests = clauses.map((c) => {
    if (!((c.entity === 'attribute' && c.key === 'name') || c.entity === 'tag'))
      throw invalidParam(`Invalid experiment search key '${c.key}': use name or tags.<key>`);
    if (typeof c.value !== 'string' || !['=', '!=', 'LIKE', 'ILIKE'].includes(c.op))
      throw invalidParam(`Invalid experiment search clause on '${c.key}'`);
    const wanted = c.value;
    const like = (value: string, ci: boolean) => likeRegex(wanted, ci).test(value);
    return (e: Experiment) => {
      const actual = c.entity === 'tag' ? e.tags[c.key] : e.name;
      if (actual === undefined) return false;
      if (c.op === '=') return actual === wanted;
      if (c.op === '!=') return actual !== wanted;
      return like(actual, c.op === 'ILIKE');
    };
  });
  return (e) => tests.every((t) => t(e));
}

async function searchExperiments(
  registry: RegistryApi,
  principal: Parameters<RegistryApi['tracking']['listExperiments']>[0],
  q: { max_results?: number; page_token?: string; filter?: string; order_by?: string[]; view_type?: string },
) {
  if (
    (q.order_by ?? []).some(
      (o) => !/^\s*(name|experiment_id|creation_time|last_update_time)(\s+(ASC|DESC))?\s*$/i.test(o),
    )
  )
    throw invalidParam('order_by takes name, experiment_id, creation_time or last_update_time, with ASC or DESC');
  const match = experimentMatcher(q.filter);
  const page = await registry.tracking.listExperiments(
    principal,
    {
      pageSize: pageSizeParam(q.max_results, 1000),
      ...(q.page_token ? { pageToken: q.page_token } : {}),
      view: viewTypeOf(q.view_type),
    },
    match ? { match, filterKey: q.filter ?? '' } : undefined,
  );
  // Ordering applies within the page: experiments are listed in creation order.
  return ok(withToken({ experiments: page.items.map(experimentOf) }, page.nextPageToken));
}

export function experimentEndpoints(registry: RegistryApi) {
  const t = registry.tracking;
  return [
    ...endpoint({
      id: 'createExperiment',
      method: 'POST',
      path: '/mlflow/experiments/create',
      scope: 'registry.write',
      summary: 'MLflow: create an experiment',
      body: CreateExperiment,
      conflict: 'exists',
      handle: async (r) => {
        const tags = tagMap(r.body.tags);
        const e = await t.createExperiment(
          r.principal,
          native(s.CreateExperimentRequest, { name: required(r.body.name, 'name'), tags }),
        );
        return ok({ experiment_id: e.id });
      },
    }),
    ...endpoint({
      id: 'getExperiment',
      method: 'GET',
      path: '/mlflow/experiments/get',
      scope: 'registry.read',
      summary: 'MLflow: get an experiment',
      handle: async (r) => {
        const id = required(queryOf(r.query).one('experiment_id'), 'experiment_id');
        return ok({ experiment: experimentOf(await t.getExperiment(r.principal, id)) });
      },
    }),
    ...endpoint({
      id: 'getExperimentByName',
      method: 'GET',
      path: '/mlflow/experiments/get-by-name',
      scope: 'registry.read',
      summary: 'MLflow: get an experiment by name',
      handle: async (r) => {
        const name = required(queryOf(r.query).one('experiment_name'), 'experiment_name');
        return ok({ experiment: experimentOf(await t.getExperimentByName(r.principal, name)) });
      },
    }),
    ...endpoint({
      id: 'searchExperiments',
      method: 'POST',
      path: '/mlflow/experiments/search',
      scope: 'registry.read',
      summary: 'MLflow: search experiments',
      body: SearchExperiments,
      handle: (r) => searchExperiments(registry, r.principal, { ...r.body, max_results: toInt(r.body.max_results) }),
    }),
    ...endpoint({
      id: 'searchExperimentsGet',
      method: 'GET',
      path: '/mlflow/experiments/search',
      scope: 'registry.read',
      summary: 'MLflow: search experiments',
      handle: (r) => {
        const q = queryOf(r.query);
        const query: Parameters<typeof searchExperiments>[2] = { order_by: q.all('order_by') };
        const maxResults = q.int('max_results');
        if (maxResults !== undefined) query.max_results = maxResults;
        for (const k of ['page_token', 'filter', 'view_type'] as const) {
          const v = q.one(k);
          if (v !== undefined) query[k] = v;
        }
        return searchExperiments(registry, r.principal, query);
      },
    }),
    ...endpoint({
      id: 'deleteExperiment',
      method: 'POST',
      path: '/mlflow/experiments/delete',
      scope: 'registry.write',
      summary: 'MLflow: delete an experiment (soft)',
      body: ExperimentId,
      handle: async (r) => {
        await t.setExperimentLifecycle(r.principal, required(r.body.experiment_id, 'experiment_id'), 'deleted');
        return ok();
      },
    }),
    ...endpoint({
      id: 'restoreExperiment',
      method: 'POST',
      path: '/mlflow/experiments/restore',
      scope: 'registry.write',
      summary: 'MLflow: restore a deleted experiment',
      body: ExperimentId,
      handle: async (r) => {
        await t.setExperimentLifecycle(r.principal, required(r.body.experiment_id, 'experiment_id'), 'active');
        return ok();
      },
    }),
    ...endpoint({
      id: 'updateExperiment',
      method: 'POST',
      path: '/mlflow/experiments/update',
      scope: 'registry.write',
      summary: 'MLflow: rename an experiment',
      body: UpdateExperiment,
      conflict: 'exists',
      handle: async (r) => {
        const id = required(r.body.experiment_id, 'experiment_id');
        if (r.body.new_name !== undefined && r.body.new_name !== '')
          await t.updateExperiment(r.principal, id, native(s.PatchExperimentRequest, { name: r.body.new_name }));
        else await t.getExperiment(r.principal, id);
        return ok();
      },
    }),
    ...endpoint({
      id: 'setExperimentTag',
      method: 'POST',
      path: '/mlflow/experiments/set-experiment-tag',
      scope: 'registry.write',
      summary: 'MLflow: set an experiment tag',
      body: ExperimentTag,
      handle: async (r) => {
        const key = required(r.body.key, 'key');
        await t.updateExperiment(
          r.principal,
          required(r.body.experiment_id, 'experiment_id'),
          native(s.PatchExperimentRequest, { tags: { [key]: r.body.value ?? '' } }),
        );
        return ok();
      },
    }),
    ...endpoint({
      id: 'deleteExperimentTag',
      method: 'POST',
      path: '/mlflow/experiments/delete-experiment-tag',
      scope: 'registry.write',
      summary: 'MLflow: delete an experiment tag',
      body: ExperimentTag,
      handle: async (r) => {
        const key = required(r.body.key, 'key');
        await t.updateExperiment(
          r.principal,
          required(r.body.experiment_id, 'experiment_id'),
          native(s.PatchExperimentRequest, { tags: { [key]: null } }),
        );
        return ok();
      },
    }),
  ];
}
