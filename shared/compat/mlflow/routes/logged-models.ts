/** MLflow 3 logged models (service.proto): create, get, search, finalize, delete, tags, params, artifact listing. */
import * as z from 'zod/mini';
import * as s from '../../../schemas.js';
import { lazySchema } from '../../../schemas.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import type { LoggedModel, LoggedModelStatus } from '../../../service/tracking/logged-models.js';
import { fileInfoOf, loggedModelOf } from '../entities.js';
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

const CreateLoggedModel = lazySchema(() =>
  z.object({
    experiment_id: z.optional(Str()),
    name: z.optional(Str()),
    model_type: z.optional(Str()),
    source_run_id: z.optional(Str()),
    params: z.optional(TagList()),
    tags: z.optional(TagList()),
  }),
);
const Finalize = lazySchema(() => z.object({ status: z.optional(z.union([Str(), z.int()])) }));
const Tags = lazySchema(() => z.object({ tags: z.optional(TagList()) }));
const Params = lazySchema(() => z.object({ params: z.optional(TagList()) }));
const Search = lazySchema(() =>
  z.object({
    experiment_ids: z.optional(z.array(Str())),
    filter: z.optional(Str()),
    max_results: z.optional(Int64()),
    order_by: z.optional(z.array(z.object({ field_name: z.optional(Str()), ascending: z.optional(z.boolean()) }))),
    page_token: z.optional(Str()),
  }),
);

const STATUS: Record<string, LoggedModelStatus> = {
  LOGGED_MODEL_PENDING: 'PENDING',
  '1': 'PENDING',
  LOGGED_MODEL_READY: 'READY',
  '2': 'READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'FAILED',
  '3': 'FAILED',
};

/** Filters on name, source_run_id, model_type, status and tags, with = and !=. */
function loggedModelMatcher(filter: string | undefined): ((m: LoggedModel) => boolean) | undefined {
  const clauses = parseSearchFilter(filter);
  if (clauses.length === 0) return undefined;
  const tests = clauses.map((c) => {
    if (typeof c.value !== 'string' || (c.op !== '=' && c.op !== '!='))
      throw invalidParam(`Invalid logged model search clause on '${c.key}': use = or != with a quoted value`);
    const read = (m: LoggedModel): string | undefined => {
      if (c.entity === 'tag') return m.tags[c.key];
      if (c.entity !== 'attribute') throw invalidParam(`Invalid logged model search key '${c.key}'`);
      if (c.key === 'name') return m.name;
      if (c.key === 'source_run_id') return m.sourceRunId;
      if (c.key === 'model_type') return m.modelType;
      if (c.key === 'status') return `LOGGED_MODEL_${m.status === 'FAILED' ? 'UPLOAD_FAILED' : m.status}`;
      throw invalidParam(`Invalid logged model search key '${c.key}'`);
    };
    return (m: LoggedModel) => (c.op === '=' ? read(m) === c.value : read(m) !== c.value);
  });
  return (m) => tests.every((t) => t(m));
}

export function loggedModelEndpoints(registry: RegistryApi) {
  const lm = registry.loggedModels;
  const idOf = (params: Record<string, string>) => required(params.modelId, 'model_id');
  return [
    ...endpoint({
      id: 'createLoggedModel',
      method: 'POST',
      path: '/mlflow/logged-models',
      scope: 'registry.write',
      summary: 'MLflow 3: create a logged model',
      body: CreateLoggedModel,
      handle: async (r) => {
        const b = r.body;
        const tags = native(s.Tags, tagMap(b.tags));
        const params = native(s.PutParamsRequest, tagMap(b.params)) as Record<string, string>;
        const model = await lm.create(r.principal, b.experiment_id || '0', {
          ...(b.name ? { name: native(s.ExperimentName, b.name) } : {}),
          ...(b.source_run_id ? { sourceRunId: b.source_run_id } : {}),
          ...(b.model_type ? { modelType: b.model_type.slice(0, 256) } : {}),
          tags,
          params,
        });
        return ok({ model: loggedModelOf(model) });
      },
    }),
    ...endpoint({
      id: 'getLoggedModel',
      method: 'GET',
      path: '/mlflow/logged-models/{modelId}',
      scope: 'registry.read',
      summary: 'MLflow 3: get a logged model',
      handle: async (r) => ok({ model: loggedModelOf(await lm.get(r.principal, idOf(r.params))) }),
    }),
    ...endpoint({
      id: 'finalizeLoggedModel',
      method: 'PATCH',
      path: '/mlflow/logged-models/{modelId}',
      scope: 'registry.write',
      summary: 'MLflow 3: finalize a logged model (READY or FAILED)',
      body: Finalize,
      handle: async (r) => {
        const status = STATUS[String(required(r.body.status, 'status'))];
        if (!status) throw invalidParam(`Invalid logged model status '${r.body.status}'`);
        return ok({ model: loggedModelOf(await lm.finalize(r.principal, idOf(r.params), status)) });
      },
    }),
    ...endpoint({
      id: 'deleteLoggedModel',
      method: 'DELETE',
      path: '/mlflow/logged-models/{modelId}',
      scope: 'registry.write',
      summary: 'MLflow 3: delete a logged model (soft)',
      handle: async (r) => {
        await lm.setLifecycle(r.principal, idOf(r.params), 'deleted');
        return ok();
      },
    }),
    ...endpoint({
      id: 'searchLoggedModels',
      method: 'POST',
      path: '/mlflow/logged-models/search',
      scope: 'registry.read',
      summary: 'MLflow 3: search logged models of experiments',
      body: Search,
      handle: async (r) => {
        const b = r.body;
        if ((b.order_by ?? []).length > 0 && !(b.order_by ?? []).every((o) => o.field_name === 'creation_timestamp'))
          throw invalidParam('order_by takes creation_timestamp only');
        const match = loggedModelMatcher(b.filter);
        const page = await lm.list(
          r.principal,
          b.experiment_ids ?? [],
          { pageSize: pageSizeParam(toInt(b.max_results), 50), ...(b.page_token ? { pageToken: b.page_token } : {}) },
          match ? { match, filterKey: b.filter ?? '' } : undefined,
        );
        const items = b.order_by?.[0]?.ascending === false ? [...page.items].reverse() : page.items;
        return ok(withToken({ models: items.map(loggedModelOf) }, page.nextPageToken));
      },
    }),
    ...endpoint({
      id: 'setLoggedModelTags',
      method: 'PATCH',
      path: '/mlflow/logged-models/{modelId}/tags',
      scope: 'registry.write',
      summary: 'MLflow 3: set logged model tags',
      body: Tags,
      handle: async (r) => {
        const tags = native(s.Tags, tagMap(r.body.tags));
        return ok({ model: loggedModelOf(await lm.patchTags(r.principal, idOf(r.params), tags)) });
      },
    }),
    ...endpoint({
      id: 'deleteLoggedModelTag',
      method: 'DELETE',
      path: '/mlflow/logged-models/{modelId}/tags/{tagKey}',
      scope: 'registry.write',
      summary: 'MLflow 3: delete a logged model tag',
      handle: async (r) => {
        await lm.patchTags(r.principal, idOf(r.params), { [required(r.params.tagKey, 'tag_key')]: null });
        return ok();
      },
    }),
    ...endpoint({
      id: 'logLoggedModelParams',
      method: 'POST',
      path: '/mlflow/logged-models/{modelId}/params',
      scope: 'registry.write',
      summary: 'MLflow 3: log logged model params',
      body: Params,
      handle: async (r) => {
        const params = native(s.PutParamsRequest, tagMap(r.body.params)) as Record<string, string>;
        await lm.logParams(r.principal, idOf(r.params), params);
        return ok();
      },
    }),
    ...endpoint({
      id: 'listLoggedModelArtifacts',
      method: 'GET',
      path: '/mlflow/logged-models/{modelId}/artifacts/directories',
      scope: 'registry.read',
      summary: "MLflow 3: list a logged model's artifacts under a path",
      handle: async (r) => {
        const q = queryOf(r.query);
        const dir = (q.one('artifact_directory_path') ?? '').replace(/^\/+|\/+$/g, '');
        const token = q.one('page_token');
        const page = await registry.artifacts.list(r.principal, { kind: 'loggedModel', id: idOf(r.params) }, dir, {
          ...(token ? { pageToken: token } : {}),
        });
        const files = page.items.map((e) => fileInfoOf({ ...e, size: e.isDir ? undefined : e.size }));
        return ok(withToken({ files }, page.nextPageToken));
      },
    }),
  ];
}
