/** Versions: create with upload instructions, commit, read, change, archive, delete, parts and files. */
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

export function versionRoutes(registry: RegistryApi): RouteDef[] {
  return [
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
      id: 'unarchiveVersion',
      method: 'POST',
      path: '/v1/models/{model}/versions/{ref}/unarchive',
      scope: 'registry.write',
      summary: 'Undo archive: the version is READY again',
      tag: 'versions',
      headers: IF_MATCH,
      responses: [{ status: 200, description: 'the version', schema: 'ModelVersion' }, ...problems(403, 404, 409, 412)],
      handle: async (r) =>
        withEtag(
          200,
          await registry.versions.unarchive(r.principal, r.params.model ?? '', r.params.ref ?? '', ifMatch(r.headers)),
        ),
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
      id: 'uploadedParts',
      method: 'GET',
      path: '/v1/models/{model}/versions/{ref}/parts',
      scope: 'registry.write',
      summary: 'The parts of a multipart upload the store already holds (to resume an upload)',
      tag: 'versions',
      query: [{ name: 'path', description: "the file's path in the version" }],
      responses: [
        { status: 200, description: 'uploaded parts', schema: 'UploadedPartsResponse' },
        ...problems(400, 403, 404, 409),
      ],
      handle: async (r) => {
        const path = r.query.get('path');
        if (path === null) return registryInvalid('path', 'is required');
        return json(
          200,
          await registry.versions.uploadedParts(r.principal, r.params.model ?? '', r.params.ref ?? '', path),
        );
      },
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
  ];
}
