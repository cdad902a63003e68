/**
 * MLflow model versions (model_registry.proto): create (from `runs:/`, `models:/<logged model>`,
 * `mlflow-artifacts:` sources, or a reference URI), get, search, update, delete, tags,
 * download URI, and transition-stage: `Archived` archives; other stages are the reserved tag
 * `mlflow.stage` (moving other versions out of a stage is not atomic).
 */
import * as z from 'zod/mini';
import type { ModelVersion } from '../../../domain/types.js';
import type { Principal } from '../../../ports/auth.js';
import * as s from '../../../schemas.js';
import { lazySchema } from '../../../schemas.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import { modelVersionOf, STAGE_TAG, stageOf, versionArtifactRoot } from '../entities.js';
import { parseSearchFilter } from '../search-filter.js';
import {
  invalidParam,
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
import { modelNameOf, versionRefOf } from './registered-models.js';

const Create = lazySchema(() =>
  z.object({
    name: z.optional(Str()),
    source: z.optional(Str()),
    run_id: z.optional(Str()),
    tags: z.optional(TagList()),
    run_link: z.optional(Str()),
    description: z.optional(Str()),
    model_id: z.optional(Str()),
  }),
);
const Versioned = lazySchema(() =>
  z.object({
    name: z.optional(Str()),
    version: z.optional(z.union([Str(), z.int()])),
    description: z.optional(Str()),
    key: z.optional(Str()),
    value: z.optional(Str()),
    stage: z.optional(Str()),
    archive_existing_versions: z.optional(z.boolean()),
  }),
);

const STAGES: Record<string, string> = {
  none: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
};

async function versionResponse(registry: RegistryApi, principal: Principal, name: string, version: ModelVersion) {
  const model = await registry.models.get(principal, name);
  return ok({ model_version: modelVersionOf(version, model.aliases) });
}

/** Moves a version to an MLflow stage: Archived archives it, the others set the stage tag (un-archiving first). */
async function transition(registry: RegistryApi, principal: Principal, name: string, ref: string, stage: string) {
  const v = registry.versions;
  const current = await v.get(principal, name, ref);
  if (stage === 'Archived') {
    if (current.tags[STAGE_TAG] !== undefined)
      await v.update(principal, name, ref, { tags: { [STAGE_TAG]: null } }, undefined);
    return current.state === 'ARCHIVED' ? v.get(principal, name, ref) : v.archive(principal, name, ref, undefined);
  }
  if (current.state === 'ARCHIVED') await v.unarchive(principal, name, ref, undefined);
  return v.update(principal, name, ref, { tags: { [STAGE_TAG]: stage === 'None' ? null : stage } }, undefined);
}

/** Version filters: `name =`, `run_id =`, `run_id IN (...)`, `tags.<key> =`. */
function versionFilter(filter: string | undefined) {
  let name: string | undefined;
  let runIds: string[] | undefined;
  const tags: Record<string, string> = {};
  for (const c of parseSearchFilter(filter)) {
    const values = Array.isArray(c.value) ? c.value.map(String) : c.value === undefined ? [] : [String(c.value)];
    if (c.entity === 'attribute' && c.key === 'name' && c.op === '=' && typeof c.value === 'string') name = c.value;
    else if (c.entity === 'attribute' && c.key === 'run_id' && (c.op === '=' || c.op === 'IN')) runIds = values;
    else if (c.entity === 'tag' && c.op === '=' && typeof c.value === 'string') tags[c.key] = c.value;
    else
      throw invalidParam(
        `Unsupported model version search clause on '${c.key}': use name =, run_id =, run_id IN, tags.<key> =`,
      );
  }
  const match = (v: ModelVersion) =>
    (runIds === undefined || (v.runId !== undefined && runIds.includes(v.runId))) &&
    Object.entries(tags).every(([k, val]) => v.tags[k] === val);
  return { name, runIds, match, filterKey: filter ?? '' };
}

export function modelVersionEndpoints(registry: RegistryApi) {
  const v = registry.versions;
  return [
    ...endpoint({
      id: 'createModelVersion',
      method: 'POST',
      path: '/mlflow/model-versions/create',
      scope: 'registry.write',
      summary: 'MLflow: register a version from a source (bytes the registry holds, or a reference URI)',
      body: Create,
      handle: async (r) => {
        const b = r.body;
        const name = modelNameOf(b.name);
        const source = b.source || (b.model_id ? `models:/${b.model_id}` : undefined);
        const input = native(s.CreateVersionRequest, {
          source: required(source, 'source'),
          ...(b.run_id ? { runId: b.run_id } : {}),
          ...(b.description ? { description: b.description } : {}),
          tags: tagMap(b.tags),
        });
        const created = await v.create(r.principal, name, input);
        return versionResponse(registry, r.principal, name, created.version);
      },
    }),
    ...endpoint({
      id: 'getModelVersion',
      method: 'GET',
      path: '/mlflow/model-versions/get',
      scope: 'registry.read',
      summary: 'MLflow: get a model version',
      handle: async (r) => {
        const q = queryOf(r.query);
        const name = modelNameOf(q.one('name'));
        return versionResponse(
          registry,
          r.principal,
          name,
          await v.get(r.principal, name, versionRefOf(q.one('version'))),
        );
      },
    }),
    ...endpoint({
      id: 'updateModelVersion',
      method: 'PATCH',
      path: '/mlflow/model-versions/update',
      scope: 'registry.write',
      summary: "MLflow: update a version's description",
      body: Versioned,
      handle: async (r) => {
        const name = modelNameOf(r.body.name);
        const patch = native(s.PatchVersionRequest, { description: r.body.description ?? null });
        const updated = await v.update(r.principal, name, versionRefOf(r.body.version), patch, undefined);
        return versionResponse(registry, r.principal, name, updated);
      },
    }),
    ...endpoint({
      id: 'deleteModelVersion',
      method: 'DELETE',
      path: '/mlflow/model-versions/delete',
      scope: 'registry.write',
      summary: 'MLflow: delete a model version',
      body: Versioned,
      handle: async (r) => {
        await v.delete(r.principal, modelNameOf(r.body.name), versionRefOf(r.body.version), undefined);
        return ok();
      },
    }),
    ...endpoint({
      id: 'searchModelVersions',
      method: 'GET',
      path: '/mlflow/model-versions/search',
      scope: 'registry.read',
      summary: 'MLflow: search model versions (name =, run_id =, run_id IN, tags.<key> =)',
      handle: async (r) => {
        const q = queryOf(r.query);
        const filter = versionFilter(q.one('filter'));
        const pageSize = pageSizeParam(q.int('max_results'), 1000);
        const aliasesOf = async (name: string) => (await registry.models.get(r.principal, name)).aliases;
        if (filter.name !== undefined) {
          const name = modelNameOf(filter.name);
          const token = q.one('page_token');
          const page = await v.list(
            r.principal,
            name,
            { pageSize, ...(token ? { pageToken: token } : {}) },
            { match: filter.match, filterKey: filter.filterKey },
          );
          const aliases = await aliasesOf(name);
          return ok(
            withToken({ model_versions: page.items.map((x) => modelVersionOf(x, aliases)) }, page.nextPageToken),
          );
        }
        if (filter.runIds === undefined)
          throw invalidParam('Searching model versions needs name = or run_id = in the filter');
        if (filter.runIds.length > 100) throw invalidParam('run_id IN takes at most 100 runs');
        const found: Array<Record<string, unknown>> = [];
        for (const runId of filter.runIds) {
          const run = await registry.tracking.getRun(r.principal, runId).catch(() => undefined);
          for (const mv of run?.modelVersions ?? []) {
            const version = await v.get(r.principal, mv.model, String(mv.version)).catch(() => undefined);
            if (version && filter.match(version)) found.push(modelVersionOf(version, await aliasesOf(mv.model)));
          }
        }
        return ok({ model_versions: found.slice(0, Number(pageSize)) });
      },
    }),
    ...endpoint({
      id: 'getModelVersionDownloadUri',
      method: 'GET',
      path: '/mlflow/model-versions/get-download-uri',
      scope: 'registry.read',
      summary: "MLflow: where a version's files are read from (the artifact proxy)",
      handle: async (r) => {
        const q = queryOf(r.query);
        const name = modelNameOf(q.one('name'));
        const version = await v.get(r.principal, name, versionRefOf(q.one('version')));
        // A reference version has no files here: its URI is where they are.
        const reference = version.files.length === 0 && version.source !== undefined;
        return ok({ artifact_uri: reference ? version.source : versionArtifactRoot(name, version.version) });
      },
    }),
    ...endpoint({
      id: 'setModelVersionTag',
      method: 'POST',
      path: '/mlflow/model-versions/set-tag',
      scope: 'registry.write',
      summary: 'MLflow: set a model version tag',
      body: Versioned,
      handle: async (r) => {
        const key = required(r.body.key, 'key');
        if (key === STAGE_TAG) throw invalidParam(`'${STAGE_TAG}' is reserved: use transition-stage`);
        const patch = native(s.PatchVersionRequest, { tags: { [key]: r.body.value ?? '' } });
        await v.update(r.principal, modelNameOf(r.body.name), versionRefOf(r.body.version), patch, undefined);
        return ok();
      },
    }),
    ...endpoint({
      id: 'deleteModelVersionTag',
      method: 'DELETE',
      path: '/mlflow/model-versions/delete-tag',
      scope: 'registry.write',
      summary: 'MLflow: delete a model version tag',
      body: Versioned,
      handle: async (r) => {
        const key = required(r.body.key, 'key');
        if (key === STAGE_TAG) throw invalidParam(`'${STAGE_TAG}' is reserved: use transition-stage`);
        const patch = native(s.PatchVersionRequest, { tags: { [key]: null } });
        await v.update(r.principal, modelNameOf(r.body.name), versionRefOf(r.body.version), patch, undefined);
        return ok();
      },
    }),
    ...endpoint({
      id: 'transitionModelVersionStage',
      method: 'POST',
      path: '/mlflow/model-versions/transition-stage',
      scope: 'registry.write',
      summary: 'MLflow: move a version to a stage (Archived archives; others are a tag)',
      body: Versioned,
      handle: async (r) => {
        const name = modelNameOf(r.body.name);
        const ref = versionRefOf(r.body.version);
        const stage = STAGES[required(r.body.stage, 'stage').toLowerCase()];
        if (!stage) throw invalidParam(`Invalid stage '${r.body.stage}': None, Staging, Production or Archived`);
        const moved = await transition(registry, r.principal, name, ref, stage);
        if (r.body.archive_existing_versions && (stage === 'Staging' || stage === 'Production')) {
          // Not atomic with the move above: each other version in the stage is archived in turn.
          const page = await v.list(r.principal, name, { pageSize: '1000' });
          for (const other of page.items)
            if (other.version !== moved.version && stageOf(other) === stage)
              await transition(registry, r.principal, name, String(other.version), 'Archived');
        }
        return versionResponse(registry, r.principal, name, await v.get(r.principal, name, ref));
      },
    }),
  ];
}
