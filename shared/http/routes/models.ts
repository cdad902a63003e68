/** Models: register, read, list, change, archive, restore, delete, history. */
import * as s from '../../schemas.js';
import type { RegistryApi } from '../../service/registry-api.js';
import { defineRoute, type RouteDef } from '../route-table.js';
import {
  FILTER,
  IF_MATCH,
  ifMatch,
  json,
  PAGE_QUERY,
  pageQuery,
  problems,
  registryInvalid,
  withEtag,
} from './http-fields.js';

export function modelRoutes(registry: RegistryApi): RouteDef[] {
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
      id: 'listDropIns',
      method: 'GET',
      path: '/v1/models/{model}/drop-ins',
      scope: 'registry.read',
      summary:
        'The incoming/ drop-ins seen for this model name (the model need not exist): registered, refused and why',
      tag: 'models',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'DropInPage' }, ...problems(400)],
      handle: async (r) =>
        json(200, await registry.models.dropIns(r.principal, r.params.model ?? '', pageQuery(r.query))),
    }),
  ];
}
