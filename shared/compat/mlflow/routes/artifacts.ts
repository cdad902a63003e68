/**
 * MLflow's artifact proxy (mlflow_artifacts.proto) over run and logged-model artifacts and the
 * files of registered versions. Paths are those the tracking API hands out:
 * `<experiment>/<run>/artifacts/<path>`, `<experiment>/models/<logged model>/artifacts/<path>`,
 * and (read-only) `registry/<model>/<version>/<path>`. Every path passes the file-path rule, so
 * MLflow's path-traversal CVE inputs are refused. Downloads are a 302 to a signed URL; uploads
 * stream through the function (small files) or go straight to storage (`mpu/*`).
 */
import * as z from 'zod/mini';
import { filePathProblem, modelNameProblem } from '../../../domain/names.js';
import type { RouteDef, RouteRequest } from '../../../http/route-table.js';
import type { Principal } from '../../../ports/auth.js';
import { lazySchema } from '../../../schemas.js';
import type { ArtifactOwner } from '../../../service/artifacts/owners.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import { fileInfoOf } from '../entities.js';
import { ARTIFACTS_PREFIX } from '../mount.js';
import { Int64, invalidParam, MlflowError, mlflowErrors, ok, queryOf, required, Str, toInt } from '../wire.js';

type Target =
  | { kind: 'owner'; owner: ArtifactOwner; path: string }
  | { kind: 'version'; model: string; version: string; path: string };

const ULID = /^[0-9A-Z]{26}$/;
const EXPERIMENT = /^([0-9A-Z]{26}|0)$/;
const LOGGED_MODEL = /^m-[0-9a-z]{26}$/;

/** Reads a proxy path (already decoded once and checked by the file-path rule). */
export function targetOf(full: string): Target {
  const problem = full === '' ? undefined : filePathProblem(full);
  if (problem) throw invalidParam(`Invalid artifact path '${full}': ${problem}`);
  const seg = full === '' ? [] : full.split('/');
  const rest = (from: number) => seg.slice(from).join('/');
  if (seg.length >= 3 && EXPERIMENT.test(seg[0] ?? '') && ULID.test(seg[1] ?? '') && seg[2] === 'artifacts')
    return { kind: 'owner', owner: { kind: 'run', id: seg[1] ?? '' }, path: rest(3) };
  if (
    seg.length >= 4 &&
    EXPERIMENT.test(seg[0] ?? '') &&
    seg[1] === 'models' &&
    LOGGED_MODEL.test(seg[2] ?? '') &&
    seg[3] === 'artifacts'
  )
    return { kind: 'owner', owner: { kind: 'loggedModel', id: seg[2] ?? '' }, path: rest(4) };
  if (
    seg.length >= 3 &&
    seg[0] === 'registry' &&
    !modelNameProblem(seg[1] ?? '') &&
    /^[1-9][0-9]{0,11}$/.test(seg[2] ?? '')
  )
    return { kind: 'version', model: seg[1] ?? '', version: seg[2] ?? '', path: rest(3) };
  throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact location '${full}' in this registry`);
}

const ownerOnly = (t: Target): { owner: ArtifactOwner; path: string } => {
  if (t.kind !== 'owner') throw invalidParam("A registered version's files are read-only");
  return t;
};

const fileOnly = (path: string): string => {
  if (path === '') throw invalidParam('Name a file inside the artifact location');
  return path;
};

async function listEntries(registry: RegistryApi, principal: Principal, t: Target) {
  if (t.kind === 'owner') {
    const page = await registry.artifacts.list(principal, t.owner, t.path, {});
    return page.items.map((e) => ({
      name: e.path.slice(e.path.lastIndexOf('/') + 1),
      isDir: e.isDir,
      size: e.isDir ? undefined : e.size,
    }));
  }
  // A version's files are a flat list: directories are synthesized from their paths.
  const files = await registry.versions.files(principal, t.model, t.version);
  const prefix = t.path === '' ? '' : `${t.path}/`;
  const entries = new Map<string, { name: string; isDir: boolean; size: number | undefined }>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (!entries.has(name)) entries.set(name, { name, isDir: slash >= 0, size: slash >= 0 ? undefined : f.size });
  }
  return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

const MpuBody = lazySchema(() =>
  z.object({
    path: z.optional(Str()),
    num_parts: z.optional(Int64()),
    upload_id: z.optional(Str()),
    parts: z.optional(
      z.array(z.object({ part_number: z.optional(Int64()), etag: z.optional(Str()), url: z.optional(Str()) })),
    ),
  }),
);

/** The file an mpu request names: the URL's directory plus the base name of the body's (client-side) path. */
function mpuTarget(r: RouteRequest<z.infer<ReturnType<typeof MpuBody>>>) {
  const local = required(r.body.path, 'path');
  const base = local.slice(Math.max(local.lastIndexOf('/'), local.lastIndexOf('\\')) + 1);
  if (filePathProblem(base)) throw invalidParam(`Invalid file name '${base}'`);
  const dir = ownerOnly(targetOf(r.params.path ?? ''));
  return { owner: dir.owner, path: dir.path === '' ? base : `${dir.path}/${base}` };
}

function route(def: Omit<RouteDef, 'tag' | 'responses' | 'formatError'>): RouteDef {
  return {
    ...def,
    tag: 'mlflow',
    responses: [{ status: 200, description: 'MLflow response' }],
    formatError: mlflowErrors(),
  };
}

type MpuAct = (principal: Principal, owner: ArtifactOwner, path: string, uploadId: string) => Promise<unknown>;

/** `mpu/complete` and `mpu/abort`: the same request, one act on the upload it names. */
function mpuRoute(verb: 'complete' | 'abort', what: string, act: MpuAct): RouteDef {
  return route({
    id: verb === 'complete' ? 'mlflow.completeMultipartUpload' : 'mlflow.abortMultipartUpload',
    method: 'POST',
    path: `${ARTIFACTS_PREFIX}/mpu/${verb}/{path+}`,
    scope: 'registry.write',
    summary: `MLflow artifact proxy: ${what}`,
    body: MpuBody as RouteDef['body'],
    handle: async (req) => {
      const r = req as RouteRequest<z.infer<ReturnType<typeof MpuBody>>>;
      const { owner, path } = mpuTarget(r);
      await act(r.principal, owner, path, required(r.body.upload_id, 'upload_id'));
      return ok();
    },
  });
}

export function artifactRoutes(registry: RegistryApi): RouteDef[] {
  const a = registry.artifacts;
  return [
    route({
      id: 'mlflow.listArtifactsProxy',
      method: 'GET',
      path: `${ARTIFACTS_PREFIX}/artifacts`,
      scope: 'registry.read',
      summary: 'MLflow artifact proxy: list a directory',
      handle: async (r) => {
        // MLflow's clients list `<dir>/.` too: a `.` segment names the directory itself (`..` stays refused).
        const path = (queryOf(r.query).one('path') ?? '')
          .split('/')
          .filter((segment) => segment !== '.' && segment !== '')
          .join('/');
        const t = targetOf(path);
        const entries = await listEntries(registry, r.principal, t);
        return ok({
          files: entries.map((e) => fileInfoOf({ path: e.name, isDir: e.isDir, size: e.size })),
        });
      },
    }),
    route({
      id: 'mlflow.downloadArtifact',
      method: 'GET',
      path: `${ARTIFACTS_PREFIX}/artifacts/{path+}`,
      scope: 'registry.read',
      summary: 'MLflow artifact proxy: download a file (302 to a signed URL)',
      handle: async (r) => {
        const t = targetOf(r.params.path ?? '');
        const signed =
          t.kind === 'owner'
            ? await a.download(r.principal, t.owner, fileOnly(t.path))
            : await registry.versions.download(r.principal, t.model, t.version, fileOnly(t.path));
        return new Response(null, { status: 302, headers: { location: signed.url, 'cache-control': 'no-store' } });
      },
    }),
    route({
      id: 'mlflow.uploadArtifact',
      method: 'PUT',
      path: `${ARTIFACTS_PREFIX}/artifacts/{path+}`,
      scope: 'registry.write',
      summary: 'MLflow artifact proxy: upload a file (the body is its bytes)',
      rawBody: true,
      handle: async (r) => {
        const t = ownerOnly(targetOf(r.params.path ?? ''));
        const length = r.headers.get('content-length');
        if (length !== null && !/^[0-9]{1,15}$/.test(length)) throw invalidParam('Invalid Content-Length');
        const contentType = r.headers.get('content-type') ?? undefined;
        await a.put(r.principal, t.owner, fileOnly(t.path), r.request.body ?? new Blob([]).stream(), {
          ...(length !== null ? { size: Number(length) } : {}),
          ...(contentType && /^[\x21-\x7e]+\/[\x20-\x7e]{1,200}$/.test(contentType) ? { contentType } : {}),
        });
        return ok();
      },
    }),
    route({
      id: 'mlflow.deleteArtifact',
      method: 'DELETE',
      path: `${ARTIFACTS_PREFIX}/artifacts/{path+}`,
      scope: 'registry.write',
      summary: 'MLflow artifact proxy: delete a file',
      handle: async (r) => {
        const t = ownerOnly(targetOf(r.params.path ?? ''));
        await a.delete(r.principal, t.owner, fileOnly(t.path));
        return ok();
      },
    }),
    route({
      id: 'mlflow.createMultipartUpload',
      method: 'POST',
      path: `${ARTIFACTS_PREFIX}/mpu/create/{path+}`,
      scope: 'registry.write',
      summary: 'MLflow artifact proxy: start a multipart upload (signed part URLs, bytes go straight to storage)',
      body: MpuBody as RouteDef['body'],
      handle: async (req) => {
        const r = req as RouteRequest<z.infer<ReturnType<typeof MpuBody>>>;
        const { owner, path } = mpuTarget(r);
        const parts = toInt(r.body.num_parts) ?? 1;
        const upload = await a.createMultipart(r.principal, owner, path, parts);
        return ok({
          upload_id: upload.uploadId,
          credentials: upload.parts.map((p) => ({ url: p.url, part_number: p.partNumber, headers: p.headers })),
        });
      },
    }),
    mpuRoute('complete', 'complete a multipart upload (the staged bytes are hashed and kept)', (p, o, path, id) =>
      a.completeMultipart(p, o, path, id),
    ),
    mpuRoute('abort', 'abort a multipart upload', (p, o, path, id) => a.abortMultipart(p, o, path, id)),
  ];
}
