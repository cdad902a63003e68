/** A run's artifacts, natively: upload raw bytes (hashed and kept as blobs), list a directory, download (302). */
import { invalid } from '../../errors.js';
import type { RegistryApi } from '../../service/registry-api.js';
import { defineRoute, type RouteDef } from '../route-table.js';
import { json, PAGE_QUERY, pageQuery, problems } from './http-fields.js';

export function runArtifactRoutes(registry: RegistryApi): RouteDef[] {
  const owner = (id: string | undefined) => ({ kind: 'run' as const, id: id ?? '' });
  return [
    defineRoute({
      id: 'putRunArtifact',
      method: 'PUT',
      path: '/v1/runs/{id}/artifacts/{path+}',
      scope: 'registry.write',
      summary: "Upload a run artifact: the body is the file's bytes (hashed, kept as a blob, indexed by path)",
      tag: 'tracking',
      rawBody: true,
      responses: [{ status: 200, description: 'stored' }, ...problems(400, 404)],
      handle: async (r) => {
        const length = r.headers.get('content-length');
        if (length !== null && !/^[0-9]{1,15}$/.test(length)) throw invalid('header.content-length', 'not a length');
        const contentType = r.headers.get('content-type') ?? undefined;
        const file = await registry.artifacts.put(
          r.principal,
          owner(r.params.id),
          r.params.path ?? '',
          r.request.body ?? new Blob([]).stream(),
          {
            ...(length !== null ? { size: Number(length) } : {}),
            ...(contentType && /^[\x21-\x7e]+\/[\x20-\x7e]{1,200}$/.test(contentType) ? { contentType } : {}),
          },
        );
        return json(200, { path: file.path, size: file.size, sha256: file.sha256 });
      },
    }),
    defineRoute({
      id: 'listRunArtifacts',
      method: 'GET',
      path: '/v1/runs/{id}/artifacts',
      scope: 'registry.read',
      summary: "The entries directly under a directory of a run's artifacts (?path=, default the root)",
      tag: 'tracking',
      query: [{ name: 'path', description: 'a directory ("" for the root)' }, ...PAGE_QUERY],
      responses: [{ status: 200, description: 'a page', schema: 'ArtifactPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(
          200,
          await registry.artifacts.list(r.principal, owner(r.params.id), r.query.get('path') ?? '', pageQuery(r.query)),
        ),
    }),
    defineRoute({
      id: 'getRunArtifact',
      method: 'GET',
      path: '/v1/runs/{id}/artifacts/{path+}',
      scope: 'registry.read',
      summary: 'Download a run artifact: 302 to a signed URL (?redirect=false: the URL as JSON)',
      tag: 'tracking',
      query: [{ name: 'redirect', description: 'false: answer the signed URL as JSON' }],
      responses: [
        { status: 302, description: 'to a signed URL' },
        { status: 200, description: 'the signed URL', schema: 'FileUrl' },
        ...problems(400, 404),
      ],
      handle: async (r) => {
        const signed = await registry.artifacts.download(r.principal, owner(r.params.id), r.params.path ?? '');
        if (r.query.get('redirect') === 'false') return json(200, signed);
        return new Response(null, { status: 302, headers: { location: signed.url, 'cache-control': 'no-store' } });
      },
    }),
  ];
}
