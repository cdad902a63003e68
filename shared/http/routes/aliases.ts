/** Aliases: read, move, remove, and their history. */
import * as s from '../../schemas.js';
import type { RegistryApi } from '../../service/registry-api.js';
import { defineRoute, type RouteDef } from '../route-table.js';
import { IF_MATCH, ifMatch, json, PAGE_QUERY, pageQuery, problems } from './http-fields.js';

export function aliasRoutes(registry: RegistryApi): RouteDef[] {
  return [
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
  ];
}
