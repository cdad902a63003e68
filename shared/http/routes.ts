/** Every API route of the registry, as data. */
import { invalid } from '../errors.js';
import * as s from '../schemas.js';
import type { RegistryApi } from '../service/registry-api.js';
import { errorResponse } from './problem.js';
import { defineRoute, type RouteDef } from './route-table.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const withEtag = (status: number, body: { etag: string }): Response => json(status, body, { etag: `"${body.etag}"` });

/** `If-Match: "abc"` (or `W/"abc"`, or bare) -> `abc`. `*` means any, so no condition. */
function ifMatch(headers: Headers): string | undefined {
  const raw = headers.get('if-match');
  if (raw === null || raw.trim() === '*') return undefined;
  return raw
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

const pageQuery = (q: URLSearchParams) => {
  const out: { pageSize?: string; pageToken?: string; filter?: string } = {};
  const pageSize = q.get('pageSize');
  const pageToken = q.get('pageToken');
  const filter = q.get('filter');
  if (pageSize !== null) out.pageSize = pageSize;
  if (pageToken !== null) out.pageToken = pageToken;
  if (filter !== null) out.filter = filter;
  return out;
};

const PAGE_QUERY = [
  { name: 'pageSize', description: '1-1000 (default 100)' },
  { name: 'pageToken', description: 'nextPageToken of the previous page' },
];
const FILTER = { name: 'filter', description: 'indexed predicates joined by " and "' };
const IF_MATCH = [{ name: 'If-Match', description: 'the etag last read; a stale one is 412' }];
const problems = (...statuses: number[]) =>
  statuses.map((status) => ({ status, description: 'problem details', schema: 'Problem' as const }));

export interface RouteSpec {
  id: string;
  method: RouteDef['method'];
  path: string;
  scope: RouteDef['scope'];
}

/** The route table without a registry behind it (its handlers throw): for documents and enumeration. */
export function unboundRoutes(): RouteDef[] {
  const unbound = new Proxy({} as RegistryApi, {
    get: () => {
      throw new Error('these routes have no registry behind them');
    },
  });
  return registryRoutes(unbound);
}

/** What infrastructure and tests enumerate. */
export function routeSpecs(): RouteSpec[] {
  return unboundRoutes().map(({ id, method, path, scope }) => ({ id, method, path, scope }));
}

export function registryRoutes(registry: RegistryApi): RouteDef[] {
  return [
    defineRoute({
      id: 'createModel',
      method: 'POST',
      path: '/v1/models',
      scope: 'registry.write',
      summary: 'Register a model',
      tag: 'models',
      body: s.CreateModelRequest,
      responses: [{ status: 201, description: 'created', schema: 'Model' }, ...problems(400, 409)],
      handle: async (r) => withEtag(201, await registry.models.create(r.principal, r.body)),
    }),
    defineRoute({
      id: 'listModels',
      method: 'GET',
      path: '/v1/models',
      scope: 'registry.read',
      summary: 'List models (filter: name^=, owner=, tags.k=, state=)',
      tag: 'models',
      query: [...PAGE_QUERY, FILTER],
      responses: [{ status: 200, description: 'a page', schema: 'ModelSummaryPage' }, ...problems(400)],
      handle: async (r) => json(200, await registry.models.list(r.principal, pageQuery(r.query))),
    }),
    defineRoute({
      id: 'getModel',
      method: 'GET',
      path: '/v1/models/{model}',
      scope: 'registry.read',
      summary: 'Read a model',
      tag: 'models',
      responses: [{ status: 200, description: 'the model', schema: 'Model' }, ...problems(404)],
      handle: async (r) => withEtag(200, await registry.models.get(r.principal, r.params.model ?? '')),
    }),
    defineRoute({
      id: 'updateModel',
      method: 'PATCH',
      path: '/v1/models/{model}',
      scope: 'registry.write',
      summary: 'Change a model (JSON Merge Patch)',
      tag: 'models',
      body: s.PatchModelRequest,
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the model', schema: 'Model' }, ...problems(400, 403, 404, 409, 412)],
      handle: async (r) =>
        withEtag(200, await registry.models.update(r.principal, r.params.model ?? '', r.body, ifMatch(r.headers))),
    }),
    defineRoute({
      id: 'deleteModel',
      method: 'DELETE',
      path: '/v1/models/{model}',
      scope: 'registry.write',
      summary: 'Delete a model (409 while READY versions exist, unless force=true)',
      tag: 'models',
      query: [{ name: 'force', description: 'true: delete its versions too' }],
      headers: IF_MATCH,
      responses: [{ status: 204, description: 'deleted' }, ...problems(403, 404, 409, 412)],
      handle: async (r) => {
        const force = r.query.get('force');
        if (force !== null && force !== 'true' && force !== 'false')
          return registryInvalid('force', 'must be true or false');
        await registry.models.delete(r.principal, r.params.model ?? '', {
          force: force === 'true',
          ifMatch: ifMatch(r.headers),
        });
        return new Response(null, { status: 204 });
      },
    }),
    defineRoute({
      id: 'archiveModel',
      method: 'POST',
      path: '/v1/models/{model}/archive',
      scope: 'registry.write',
      summary: 'Archive a model (it takes no new versions)',
      tag: 'models',
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the model', schema: 'Model' }, ...problems(403, 404, 412)],
      handle: async (r) =>
        withEtag(
          200,
          await registry.models.setState(r.principal, r.params.model ?? '', 'ARCHIVED', ifMatch(r.headers)),
        ),
    }),
    defineRoute({
      id: 'restoreModel',
      method: 'POST',
      path: '/v1/models/{model}/restore',
      scope: 'registry.write',
      summary: 'Restore an archived model',
      tag: 'models',
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the model', schema: 'Model' }, ...problems(403, 404, 412)],
      handle: async (r) =>
        withEtag(200, await registry.models.setState(r.principal, r.params.model ?? '', 'LIVE', ifMatch(r.headers))),
    }),
    defineRoute({
      id: 'modelHistory',
      method: 'GET',
      path: '/v1/models/{model}/history',
      scope: 'registry.read',
      summary: 'The audit history of a model, oldest first',
      tag: 'models',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'HistoryPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.models.history(r.principal, r.params.model ?? '', pageQuery(r.query))),
    }),
    defineRoute({
      id: 'createVersion',
      method: 'POST',
      path: '/v1/models/{model}/versions',
      scope: 'registry.write',
      summary: 'Declare a new version and get upload instructions',
      tag: 'versions',
      body: s.CreateVersionRequest,
      headers: [{ name: 'Idempotency-Key', description: 'a replay returns the original version' }],
      responses: [
        { status: 201, description: 'created', schema: 'CreateVersionResponse' },
        { status: 200, description: 'replayed (same Idempotency-Key)', schema: 'CreateVersionResponse' },
        ...problems(400, 403, 404, 409),
      ],
      handle: async (r) => {
        const key = r.headers.get('idempotency-key') ?? undefined;
        const created = await registry.versions.create(r.principal, r.params.model ?? '', r.body, key);
        return json(
          created.replayed ? 200 : 201,
          { version: created.version, uploads: created.uploads },
          {
            etag: `"${created.version.etag}"`,
          },
        );
      },
    }),
    defineRoute({
      id: 'listVersions',
      method: 'GET',
      path: '/v1/models/{model}/versions',
      scope: 'registry.read',
      summary: 'List versions, newest first (filter: tags.k=, runId=, state=)',
      tag: 'versions',
      query: [...PAGE_QUERY, FILTER],
      responses: [{ status: 200, description: 'a page', schema: 'ModelVersionPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.versions.list(r.principal, r.params.model ?? '', pageQuery(r.query))),
    }),
    defineRoute({
      id: 'getVersion',
      method: 'GET',
      path: '/v1/models/{model}/versions/{ref}',
      scope: 'registry.read',
      summary: 'Read a version by number, -k, latest, alias:<a>, label:<l> or bare alias',
      tag: 'versions',
      responses: [{ status: 200, description: 'the version', schema: 'ModelVersion' }, ...problems(400, 404)],
      handle: async (r) =>
        withEtag(200, await registry.versions.get(r.principal, r.params.model ?? '', r.params.ref ?? '')),
    }),
    defineRoute({
      id: 'updateVersion',
      method: 'PATCH',
      path: '/v1/models/{model}/versions/{ref}',
      scope: 'registry.write',
      summary: 'Change description, tags, properties or approval (JSON Merge Patch)',
      tag: 'versions',
      body: s.PatchVersionRequest,
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the version', schema: 'ModelVersion' }, ...problems(400, 403, 404, 412)],
      handle: async (r) =>
        withEtag(
          200,
          await registry.versions.update(
            r.principal,
            r.params.model ?? '',
            r.params.ref ?? '',
            r.body,
            ifMatch(r.headers),
          ),
        ),
    }),
    defineRoute({
      id: 'deleteVersion',
      method: 'DELETE',
      path: '/v1/models/{model}/versions/{ref}',
      scope: 'registry.write',
      summary: 'Delete a version (its aliases go with it)',
      tag: 'versions',
      headers: IF_MATCH,
      responses: [{ status: 204, description: 'deleted' }, ...problems(403, 404, 412)],
      handle: async (r) => {
        await registry.versions.delete(r.principal, r.params.model ?? '', r.params.ref ?? '', ifMatch(r.headers));
        return new Response(null, { status: 204 });
      },
    }),
    defineRoute({
      id: 'commitVersion',
      method: 'POST',
      path: '/v1/models/{model}/versions/{ref}/commit',
      scope: 'registry.write',
      summary: 'Verify the uploaded bytes: 200 READY, 202 while verification runs, 409 if missing or wrong',
      tag: 'versions',
      responses: [
        { status: 200, description: 'READY', schema: 'ModelVersion' },
        { status: 202, description: 'verifying', schema: 'ModelVersion' },
        ...problems(403, 404, 409),
      ],
      handle: async (r) => {
        const result = await registry.versions.commit(r.principal, r.params.model ?? '', r.params.ref ?? '');
        return withEtag(result.status, result.version);
      },
    }),
    defineRoute({
      id: 'archiveVersion',
      method: 'POST',
      path: '/v1/models/{model}/versions/{ref}/archive',
      scope: 'registry.write',
      summary: 'Archive a READY version (it leaves latest and -k)',
      tag: 'versions',
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the version', schema: 'ModelVersion' }, ...problems(403, 404, 409, 412)],
      handle: async (r) =>
        withEtag(
          200,
          await registry.versions.archive(r.principal, r.params.model ?? '', r.params.ref ?? '', ifMatch(r.headers)),
        ),
    }),
    defineRoute({
      id: 'partUrls',
      method: 'POST',
      path: '/v1/models/{model}/versions/{ref}/parts',
      scope: 'registry.write',
      summary: 'Signed URLs for a batch of parts of a multipart upload',
      tag: 'versions',
      body: s.PartUrlsRequest,
      responses: [
        { status: 200, description: 'part URLs', schema: 'PartUrlsResponse' },
        ...problems(400, 403, 404, 409),
      ],
      handle: async (r) =>
        json(200, await registry.versions.partUrls(r.principal, r.params.model ?? '', r.params.ref ?? '', r.body)),
    }),
    defineRoute({
      id: 'listFiles',
      method: 'GET',
      path: '/v1/models/{model}/versions/{ref}/files',
      scope: 'registry.read',
      summary: "A version's files",
      tag: 'versions',
      responses: [{ status: 200, description: 'files', schema: 'FileList' }, ...problems(404)],
      handle: async (r) =>
        json(200, { items: await registry.versions.files(r.principal, r.params.model ?? '', r.params.ref ?? '') }),
    }),
    defineRoute({
      id: 'downloadFile',
      method: 'GET',
      path: '/v1/models/{model}/versions/{ref}/files/{path+}',
      scope: 'registry.read',
      summary: 'Download a file: 302 to a signed URL (redirect=false: the URL as JSON)',
      tag: 'versions',
      query: [{ name: 'redirect', description: 'false: answer 200 with the URL' }],
      responses: [
        { status: 302, description: 'to the signed URL' },
        { status: 200, description: 'the signed URL', schema: 'FileUrl' },
        ...problems(400, 404, 409),
      ],
      handle: async (r) => {
        const redirect = r.query.get('redirect');
        if (redirect !== null && redirect !== 'true' && redirect !== 'false')
          return registryInvalid('redirect', 'must be true or false');
        const file = await registry.versions.download(
          r.principal,
          r.params.model ?? '',
          r.params.ref ?? '',
          r.params.path ?? '',
        );
        if (redirect === 'false') return json(200, file);
        return new Response(null, {
          status: 302,
          headers: { location: file.url, 'x-checksum-sha256': file.sha256, 'cache-control': 'no-store' },
        });
      },
    }),
    defineRoute({
      id: 'getAlias',
      method: 'GET',
      path: '/v1/models/{model}/aliases/{alias}',
      scope: 'registry.read',
      summary: 'Where an alias points',
      tag: 'aliases',
      responses: [{ status: 200, description: 'the alias', schema: 'Alias' }, ...problems(400, 404)],
      handle: async (r) => {
        const alias = await registry.aliases.get(r.principal, r.params.model ?? '', r.params.alias ?? '');
        return json(200, { alias: alias.alias, version: alias.version }, { etag: `"${alias.etag}"` });
      },
    }),
    defineRoute({
      id: 'setAlias',
      method: 'PUT',
      path: '/v1/models/{model}/aliases/{alias}',
      scope: 'registry.write',
      summary: 'Set or move an alias (protected aliases need registry.admin)',
      tag: 'aliases',
      body: s.SetAliasRequest,
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the alias', schema: 'Alias' }, ...problems(400, 403, 404, 409, 412)],
      handle: async (r) => {
        const body = r.body as { version: number };
        const alias = await registry.aliases.set(
          r.principal,
          r.params.model ?? '',
          r.params.alias ?? '',
          body.version,
          ifMatch(r.headers),
        );
        return json(200, { alias: alias.alias, version: alias.version }, { etag: `"${alias.etag}"` });
      },
    }),
    defineRoute({
      id: 'deleteAlias',
      method: 'DELETE',
      path: '/v1/models/{model}/aliases/{alias}',
      scope: 'registry.write',
      summary: 'Remove an alias',
      tag: 'aliases',
      headers: IF_MATCH,
      responses: [{ status: 204, description: 'removed' }, ...problems(400, 403, 404, 412)],
      handle: async (r) => {
        await registry.aliases.delete(r.principal, r.params.model ?? '', r.params.alias ?? '', ifMatch(r.headers));
        return new Response(null, { status: 204 });
      },
    }),
    defineRoute({
      id: 'aliasHistory',
      method: 'GET',
      path: '/v1/models/{model}/aliases/{alias}/history',
      scope: 'registry.read',
      summary: 'Every move of an alias: who, when, from, to',
      tag: 'aliases',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'AliasMovePage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(
          200,
          await registry.aliases.history(r.principal, r.params.model ?? '', r.params.alias ?? '', pageQuery(r.query)),
        ),
    }),
    defineRoute({
      id: 'createExperiment',
      method: 'POST',
      path: '/v1/experiments',
      scope: 'registry.write',
      summary: 'Create an experiment (names are unique)',
      tag: 'tracking',
      body: s.CreateExperimentRequest,
      responses: [{ status: 201, description: 'created', schema: 'Experiment' }, ...problems(400, 409)],
      handle: async (r) => json(201, await registry.tracking.createExperiment(r.principal, r.body)),
    }),
    defineRoute({
      id: 'listExperiments',
      method: 'GET',
      path: '/v1/experiments',
      scope: 'registry.read',
      summary: 'List experiments',
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'ExperimentPage' }, ...problems(400)],
      handle: async (r) => json(200, await registry.tracking.listExperiments(r.principal, pageQuery(r.query))),
    }),
    defineRoute({
      id: 'getExperiment',
      method: 'GET',
      path: '/v1/experiments/{id}',
      scope: 'registry.read',
      summary: 'Read an experiment',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the experiment', schema: 'Experiment' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.getExperiment(r.principal, r.params.id ?? '')),
    }),
    defineRoute({
      id: 'createRun',
      method: 'POST',
      path: '/v1/experiments/{id}/runs',
      scope: 'registry.write',
      summary: 'Start a run',
      tag: 'tracking',
      body: s.CreateRunRequest,
      responses: [{ status: 201, description: 'created', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(201, await registry.tracking.createRun(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'listRuns',
      method: 'GET',
      path: '/v1/experiments/{id}/runs',
      scope: 'registry.read',
      summary: "An experiment's runs, oldest first",
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'RunPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.tracking.listRuns(r.principal, r.params.id ?? '', pageQuery(r.query))),
    }),
    defineRoute({
      id: 'getRun',
      method: 'GET',
      path: '/v1/runs/{id}',
      scope: 'registry.read',
      summary: 'Read a run',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.getRun(r.principal, r.params.id ?? '')),
    }),
    defineRoute({
      id: 'updateRun',
      method: 'PATCH',
      path: '/v1/runs/{id}',
      scope: 'registry.write',
      summary: 'Finish, fail or kill a run (sets endTime), rename, tag',
      tag: 'tracking',
      body: s.PatchRunRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.updateRun(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'putParams',
      method: 'PUT',
      path: '/v1/runs/{id}/params',
      scope: 'registry.write',
      summary: 'Add params (write-once: a different value for a set key is 409)',
      tag: 'tracking',
      body: s.PutParamsRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404, 409)],
      handle: async (r) =>
        json(200, await registry.tracking.putParams(r.principal, r.params.id ?? '', r.body as Record<string, string>)),
    }),
    defineRoute({
      id: 'logMetrics',
      method: 'POST',
      path: '/v1/runs/{id}/metrics',
      scope: 'registry.write',
      summary: 'Log up to 1,000 metric points (all validated before any is written)',
      tag: 'tracking',
      body: s.LogMetricsRequest,
      responses: [{ status: 200, description: 'written', schema: 'MetricsWritten' }, ...problems(400, 404, 413)],
      handle: async (r) => json(200, await registry.tracking.logMetrics(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'metricHistory',
      method: 'GET',
      path: '/v1/runs/{id}/metrics/{key}',
      scope: 'registry.read',
      summary: 'A metric series, by step ascending',
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'MetricPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(
          200,
          await registry.tracking.metricHistory(r.principal, r.params.id ?? '', r.params.key ?? '', pageQuery(r.query)),
        ),
    }),
  ];
}

function registryInvalid(field: string, message: string): Response {
  return errorResponse(invalid(field, message), () => undefined);
}
