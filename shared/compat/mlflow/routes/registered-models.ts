/**
 * MLflow registered models (model_registry.proto): create, get, search, update, delete, tags,
 * aliases, get-latest-versions. A registered model is an mreg model; rename is not offered.
 */
import * as z from 'zod/mini';
import type { ModelVersion } from '../../../domain/types.js';
import type { Principal } from '../../../ports/auth.js';
import * as s from '../../../schemas.js';
import { lazySchema } from '../../../schemas.js';
import type { CatalogRow } from '../../../service/records.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import { likeRegex } from '../../../service/tracking/run-search.js';
import { modelVersionOf, registeredModelOf, stageOf } from '../entities.js';
import { parseSearchFilter } from '../search-filter.js';
import {
  invalidParam,
  MlflowError,
  native,
  ok,
  pageSizeParam,
  queryOf,
  required,
  Str,
  TagList,
  tagMap,
  withToken,
} from '../wire.js';
import { endpoint } from './define.js';

const Create = lazySchema(() =>
  z.object({ name: z.optional(Str()), tags: z.optional(TagList()), description: z.optional(Str()) }),
);
// Each request reads only its own fields (MLflow ignores the others).
const Named = lazySchema(() => z.object({ name: z.optional(Str()) }));
const Rename = lazySchema(() => z.object({ name: z.optional(Str()), new_name: z.optional(Str()) }));
const Described = lazySchema(() => z.object({ name: z.optional(Str()), description: z.optional(Str()) }));
const Tag = lazySchema(() => z.object({ name: z.optional(Str()), key: z.optional(Str()), value: z.optional(Str()) }));
const Alias = lazySchema(() =>
  z.object({ name: z.optional(Str()), alias: z.optional(Str()), version: z.optional(z.union([Str(), z.int()])) }),
);
const Latest = lazySchema(() => z.object({ name: z.optional(Str()), stages: z.optional(z.array(Str())) }));

export const modelNameOf = (name: string | undefined): string => native(s.ModelName, required(name, 'name'));
/** MLflow sends versions as strings; only a plain number names one. */
export const versionRefOf = (version: string | number | undefined): string => {
  const v = String(required(version, 'version'));
  if (!/^[1-9][0-9]{0,11}$/.test(v)) throw invalidParam(`Invalid model version '${v}': a positive integer`);
  return v;
};

/** Registered model filters: `name =`, `name LIKE/ILIKE`, `tags.<key> =`. */
function modelFilter(filter: string | undefined) {
  const clauses = parseSearchFilter(filter);
  if (clauses.length === 0) return undefined;
  let namePrefix: string | undefined;
  const tests = clauses.map((c) => {
    const isName = c.entity === 'attribute' && c.key === 'name';
    if (!isName && c.entity !== 'tag') throw invalidParam(`Invalid registered model search key '${c.key}'`);
    if (typeof c.value !== 'string') throw invalidParam(`Invalid registered model search clause on '${c.key}'`);
    const wanted = c.value;
    if (c.op === '=' || c.op === '!=') {
      if (isName && c.op === '=') namePrefix = wanted;
      return (m: CatalogRow) => ((isName ? m.name : m.tags[c.key]) === wanted) === (c.op === '=');
    }
    if (c.op === 'LIKE' || c.op === 'ILIKE') {
      const literal = /^[^%_]*/.exec(wanted)?.[0] ?? '';
      if (isName && c.op === 'LIKE' && literal !== '') namePrefix ??= literal;
      const re = likeRegex(wanted, c.op === 'ILIKE');
      return (m: CatalogRow) => re.test((isName ? m.name : m.tags[c.key]) ?? '');
    }
    throw invalidParam(`Invalid comparator '${c.op}' for registered models`);
  });
  return { match: (m: CatalogRow) => tests.every((t) => t(m)), filterKey: filter ?? '', namePrefix };
}

/** The newest version per stage (or per given stage): what `get-latest-versions` answers. */
export async function latestVersions(
  registry: RegistryApi,
  principal: Principal,
  name: string,
  stages: string[] = [],
): Promise<ModelVersion[]> {
  const wanted = new Set(stages.map((st) => st.toLowerCase()));
  const found = new Map<string, ModelVersion>();
  let pageToken: string | undefined;
  // Versions come newest first; a bounded number of pages is read.
  for (let page = 0; page < 10; page++) {
    const result = await registry.versions.list(principal, name, {
      pageSize: '1000',
      ...(pageToken ? { pageToken } : {}),
    });
    for (const v of result.items) {
      if (v.state === 'FAILED' || v.state === 'PENDING') continue;
      const stage = stageOf(v);
      if (wanted.size > 0 && !wanted.has(stage.toLowerCase())) continue;
      if (!found.has(stage)) found.set(stage, v);
    }
    if (!result.nextPageToken) break;
    pageToken = result.nextPageToken;
  }
  return [...found.values()].sort((a, b) => a.version - b.version);
}

export function registeredModelEndpoints(registry: RegistryApi) {
  const m = registry.models;
  const getResponse = async (principal: Principal, name: string) => {
    const model = await m.get(principal, name);
    return ok({ registered_model: registeredModelOf(model, await latestVersions(registry, principal, name)) });
  };
  return [
    ...endpoint({
      id: 'createRegisteredModel',
      method: 'POST',
      path: '/mlflow/registered-models/create',
      scope: 'registry.write',
      summary: 'MLflow: create a registered model',
      body: Create,
      conflict: 'exists',
      handle: async (r) => {
        const tags = tagMap(r.body.tags);
        const input = native(s.CreateModelRequest, {
          name: modelNameOf(r.body.name),
          tags,
          ...(r.body.description ? { description: r.body.description } : {}),
        });
        return ok({ registered_model: registeredModelOf(await m.create(r.principal, input)) });
      },
    }),
    ...endpoint({
      id: 'getRegisteredModel',
      method: 'GET',
      path: '/mlflow/registered-models/get',
      scope: 'registry.read',
      summary: 'MLflow: get a registered model',
      handle: (r) => getResponse(r.principal, modelNameOf(queryOf(r.query).one('name'))),
    }),
    ...endpoint({
      id: 'renameRegisteredModel',
      method: 'POST',
      path: '/mlflow/registered-models/rename',
      scope: 'registry.write',
      summary: 'MLflow: rename a registered model (not offered: the name is the key)',
      body: Rename,
      handle: async () => {
        throw new MlflowError('NOT_IMPLEMENTED', 'Renaming a registered model is not supported by this registry');
      },
    }),
    ...endpoint({
      id: 'updateRegisteredModel',
      method: 'PATCH',
      path: '/mlflow/registered-models/update',
      scope: 'registry.write',
      summary: "MLflow: update a registered model's description",
      body: Described,
      handle: async (r) => {
        const name = modelNameOf(r.body.name);
        const patch = native(s.PatchModelRequest, { description: r.body.description ?? null });
        await m.update(r.principal, name, patch, undefined);
        return getResponse(r.principal, name);
      },
    }),
    ...endpoint({
      id: 'deleteRegisteredModel',
      method: 'DELETE',
      path: '/mlflow/registered-models/delete',
      scope: 'registry.write',
      summary: 'MLflow: delete a registered model and its versions',
      body: Named,
      handle: async (r) => {
        await m.delete(r.principal, modelNameOf(r.body.name), { force: true, ifMatch: undefined });
        return ok();
      },
    }),
    ...endpoint({
      id: 'searchRegisteredModels',
      method: 'GET',
      path: '/mlflow/registered-models/search',
      scope: 'registry.read',
      summary: 'MLflow: search registered models (name =, name LIKE, tags.<key> =)',
      handle: async (r) => {
        const q = queryOf(r.query);
        if (q.all('order_by').some((o) => !/^\s*name(\s+(ASC|DESC))?\s*$/i.test(o)))
          throw invalidParam('order_by takes name ASC or name DESC');
        const filter = modelFilter(q.one('filter'));
        const token = q.one('page_token');
        const page = await m.list(
          r.principal,
          { pageSize: pageSizeParam(q.int('max_results'), 100), ...(token ? { pageToken: token } : {}) },
          filter
            ? {
                match: filter.match,
                filterKey: filter.filterKey,
                ...(filter.namePrefix ? { namePrefix: filter.namePrefix } : {}),
              }
            : undefined,
        );
        const descending = q.all('order_by').some((o) => /DESC\s*$/i.test(o));
        const items = descending ? [...page.items].reverse() : page.items;
        return ok(withToken({ registered_models: items.map((row) => registeredModelOf(row)) }, page.nextPageToken));
      },
    }),
    ...endpoint({
      id: 'setRegisteredModelTag',
      method: 'POST',
      path: '/mlflow/registered-models/set-tag',
      scope: 'registry.write',
      summary: 'MLflow: set a registered model tag',
      body: Tag,
      handle: async (r) => {
        const patch = native(s.PatchModelRequest, { tags: { [required(r.body.key, 'key')]: r.body.value ?? '' } });
        await m.update(r.principal, modelNameOf(r.body.name), patch, undefined);
        return ok();
      },
    }),
    ...endpoint({
      id: 'deleteRegisteredModelTag',
      method: 'DELETE',
      path: '/mlflow/registered-models/delete-tag',
      scope: 'registry.write',
      summary: 'MLflow: delete a registered model tag',
      body: Tag,
      handle: async (r) => {
        const patch = native(s.PatchModelRequest, { tags: { [required(r.body.key, 'key')]: null } });
        await m.update(r.principal, modelNameOf(r.body.name), patch, undefined);
        return ok();
      },
    }),
    ...endpoint({
      id: 'setRegisteredModelAlias',
      method: 'POST',
      path: '/mlflow/registered-models/alias',
      scope: 'registry.write',
      summary: 'MLflow: point an alias at a version',
      body: Alias,
      handle: async (r) => {
        const version = Number(versionRefOf(r.body.version));
        await registry.aliases.set(
          r.principal,
          modelNameOf(r.body.name),
          required(r.body.alias, 'alias'),
          version,
          undefined,
        );
        return ok();
      },
    }),
    ...endpoint({
      id: 'deleteRegisteredModelAlias',
      method: 'DELETE',
      path: '/mlflow/registered-models/alias',
      scope: 'registry.write',
      summary: 'MLflow: delete an alias',
      body: Alias,
      handle: async (r) => {
        await registry.aliases.delete(
          r.principal,
          modelNameOf(r.body.name),
          required(r.body.alias, 'alias'),
          undefined,
        );
        return ok();
      },
    }),
    ...endpoint({
      id: 'getModelVersionByAlias',
      method: 'GET',
      path: '/mlflow/registered-models/alias',
      scope: 'registry.read',
      summary: 'MLflow: the version an alias points at',
      handle: async (r) => {
        const q = queryOf(r.query);
        const name = modelNameOf(q.one('name'));
        const alias = await registry.aliases.get(r.principal, name, required(q.one('alias'), 'alias'));
        const model = await m.get(r.principal, name);
        const v = await registry.versions.get(r.principal, name, String(alias.version));
        return ok({ model_version: modelVersionOf(v, model.aliases) });
      },
    }),
    ...['POST', 'GET'].flatMap((method) =>
      endpoint({
        id: method === 'POST' ? 'getLatestVersions' : 'getLatestVersionsGet',
        method: method as 'POST' | 'GET',
        path: '/mlflow/registered-models/get-latest-versions',
        scope: 'registry.read',
        summary: 'MLflow: the newest version per stage',
        ...(method === 'POST' ? { body: Latest } : {}),
        handle: async (r) => {
          const body = (r.body ?? {}) as { name?: string; stages?: string[] };
          const q = queryOf(r.query);
          const name = modelNameOf(method === 'POST' ? body.name : q.one('name'));
          const stages = method === 'POST' ? (body.stages ?? []) : q.all('stages');
          const model = await m.get(r.principal, name);
          const versions = await latestVersions(registry, r.principal, name, stages);
          return ok({ model_versions: versions.map((v) => modelVersionOf(v, model.aliases)) });
        },
      }),
    ),
  ];
}
