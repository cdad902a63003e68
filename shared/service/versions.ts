/** Model versions: create with declared files, commit after verification, read, patch, archive, delete. */
import { createHash } from 'node:crypto';
import { keys, objectKeys } from '../domain/keys.js';
import type { ModelVersion, Page, UploadInstruction, VersionFile } from '../domain/types.js';
import {
  ConditionFailedError,
  conflict,
  contended,
  forbidden,
  invalid,
  notFound,
  RegistryError,
  staleEtag,
} from '../errors.js';
import type { Item, WriteOp } from '../ports/metadata-store.js';
import { ObjectChangedError } from '../ports/object-store.js';
import type { CreateVersionInput, PatchVersionInput } from '../schemas.js';
import { isAdmin, requireScope } from './authorization.js';
import { claimHeldBlob, ingestBlob, releaseClaim } from './blobs.js';
import { type Actor, type RegistryContext, systemActor } from './context.js';
import { parseFilter, tagsMatch } from './filter.js';
import { historyWrite } from './history.js';
import { mergePatch } from './merge-patch.js';
import { loadModelForWrite, loadModelRow } from './models.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token.js';
import type { AliasRow, IdempotencyRow, ModelRow, PendingUpload, VersionRow } from './records.js';
import { isExpired, totalSize, versionFromRow } from './records.js';
import { loadVersion, readVersion } from './refs.js';
import { digestObject, type HashProgress } from './resumable-digest.js';
import { linkRunVersion, runExists } from './runs.js';
import { scanPartition } from './scan.js';

/** Files are kept inline on the version row up to this much JSON; beyond, one row per file. */
const INLINE_FILES_BYTES = 48 * 1024;
/** An idempotency reservation with no version this old belongs to a crashed request. */
const STALE_RESERVATION_MS = 5 * 60_000;

export interface CreatedVersion {
  version: ModelVersion;
  uploads: UploadInstruction[];
  replayed: boolean;
}

const SYSTEM_ACTOR = systemActor();

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain',
  md: 'text/markdown',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  onnx: 'application/octet-stream',
};

const contentTypeOf = (path: string): string =>
  CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

export async function createVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  input: CreateVersionInput,
  idempotencyKey?: string,
): Promise<CreatedVersion> {
  const modelItem = await loadModelForWrite(ctx, actor, model);
  const pk = keys.model(model);
  const requestHash = createHash('sha256').update(stableJson(input)).digest('hex');

  let reservation: Item<IdempotencyRow> | undefined;
  if (idempotencyKey !== undefined) {
    const outcome = await reserveIdempotencyKey(ctx, model, idempotencyKey, requestHash);
    if ('replay' in outcome) return replay(ctx, model, outcome.replay);
    reservation = outcome.reservation;
  }
  try {
    return await createReservedVersion(ctx, actor, modelItem.data, input, requestHash, reservation, idempotencyKey);
  } catch (e) {
    if (reservation && idempotencyKey !== undefined)
      await ctx.metadata
        .batch(pk, [{ op: 'delete', sk: keys.idempotency(idempotencyKey), if: { etag: reservation.etag } }])
        .catch(() => undefined);
    throw e;
  }
}

async function reserveIdempotencyKey(
  ctx: RegistryContext,
  model: string,
  key: string,
  requestHash: string,
): Promise<{ replay: VersionRow } | { reservation: Item<IdempotencyRow> }> {
  if (!/^[\x21-\x7e]{1,128}$/.test(key))
    throw invalid('header.idempotency-key', 'must be 1-128 printable ASCII characters');
  const pk = keys.model(model);
  const sk = keys.idempotency(key);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await ctx.metadata.get<IdempotencyRow>(pk, sk);
    const fresh: IdempotencyRow = { requestHash, reservedAt: ctx.clock.now().toISOString() };
    if (existing) {
      if (existing.data.requestHash !== requestHash)
        throw new RegistryError('conflict', 'this Idempotency-Key was used with a different request', {
          issues: [{ field: 'header.idempotency-key', message: 'reused with a different request body' }],
        });
      if (existing.data.version !== undefined) {
        const version = await ctx.metadata.get<VersionRow>(pk, keys.version(existing.data.version));
        if (version) return { replay: version.data };
      }
      const stale = ctx.clock.now().getTime() - Date.parse(existing.data.reservedAt) > STALE_RESERVATION_MS;
      if (!stale && existing.data.version === undefined)
        throw new RegistryError('conflict', 'a request with this Idempotency-Key is still in progress', {
          retryAfterSeconds: 1,
          issues: [{ field: 'header.idempotency-key', message: 'in progress' }],
        });
      try {
        await ctx.metadata.batch(pk, [{ op: 'put', sk, data: fresh, if: { etag: existing.etag } }]);
      } catch (e) {
        if (e instanceof ConditionFailedError) continue;
        throw e;
      }
    } else {
      try {
        await ctx.metadata.batch(pk, [{ op: 'put', sk, data: fresh, if: { absent: true } }]);
      } catch (e) {
        if (e instanceof ConditionFailedError) continue;
        throw e;
      }
    }
    const reservation = await ctx.metadata.get<IdempotencyRow>(pk, sk);
    if (reservation && reservation.data.reservedAt === fresh.reservedAt && reservation.data.version === undefined)
      return { reservation };
  }
  throw new RegistryError('conflict', 'a request with this Idempotency-Key is still in progress', {
    retryAfterSeconds: 1,
  });
}

async function replay(ctx: RegistryContext, model: string, row: VersionRow): Promise<CreatedVersion> {
  const files = await loadFiles(ctx, model, row);
  return {
    version: versionFromRow(model, row, files),
    uploads: row.state === 'PENDING' ? await uploadInstructions(ctx, row, files) : [],
    replayed: true,
  };
}

async function createReservedVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: ModelRow,
  input: CreateVersionInput,
  requestHash: string,
  reservation: Item<IdempotencyRow> | undefined,
  idempotencyKey: string | undefined,
): Promise<CreatedVersion> {
  const pk = keys.model(model.name);
  if (input.label !== undefined && (await ctx.metadata.get(pk, keys.label(input.label))))
    throw new RegistryError('conflict', `label "${input.label}" is taken on model "${model.name}"`, {
      issues: [{ field: 'label', message: 'already used by another version' }],
    });
  if (input.runId !== undefined && !(await runExists(ctx, input.runId)))
    throw invalid('runId', `no run "${input.runId}"`);

  const blobs = new Map<string, number>();
  input.files.forEach((f, i) => {
    const size = blobs.get(f.sha256);
    if (size !== undefined && size !== f.size)
      throw invalid(`files.${i}.size`, 'differs from another file with the same sha256');
    blobs.set(f.sha256, f.size);
  });

  const n = await ctx.metadata.increment(pk, keys.counter, 'n');
  const claim = { model: model.name, version: n };
  const uploadId = ctx.newId();
  const pending: PendingUpload[] = [];
  let index = 0;
  for (const [sha256, size] of blobs) {
    if (await claimHeldBlob(ctx, sha256, size, claim)) continue;
    const stagingKey = objectKeys(ctx.settings.prefix).staging(uploadId, index++);
    const upload: PendingUpload = { sha256, size, stagingKey };
    if (size > Math.min(ctx.settings.multipartThresholdBytes, ctx.objects.maxSinglePutBytes))
      upload.multipartUploadId = (await ctx.objects.createMultipart(stagingKey, {})).uploadId;
    pending.push(upload);
  }

  if (pending.length > 0)
    await ctx.metadata.batch(keys.upload(uploadId), [
      // No condition: the id is fresh, and a retried write must not fail.
      { op: 'put', sk: keys.meta, data: { model: model.name, version: n } },
    ]);
  const now = ctx.clock.now();
  const files: VersionFile[] = input.files.map((f) => ({
    path: f.path,
    size: f.size,
    sha256: f.sha256,
    contentType: f.contentType ?? contentTypeOf(f.path),
  }));
  const filesExternal = JSON.stringify(files).length > INLINE_FILES_BYTES;
  const row: VersionRow = {
    version: n,
    description: input.description ?? '',
    state: 'PENDING',
    approval: 'NONE',
    fileCount: files.length,
    size: totalSize(files),
    tags: input.tags ?? {},
    properties: input.properties ?? {},
    retention: input.retention ?? 'archived',
    createdAt: now.toISOString(),
    createdBy: actor.subject,
    updatedAt: now.toISOString(),
    etag: ctx.newId(),
    uploadId,
    pending,
    requestHash,
  };
  if (filesExternal) row.filesExternal = true;
  else row.files = files;
  if (input.label !== undefined) row.label = input.label;
  if (input.runId !== undefined) row.runId = input.runId;
  if (input.format !== undefined) row.format = input.format;
  if (input.signature !== undefined) row.signature = input.signature;
  if (input.ttlSeconds !== undefined) {
    row.expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000).toISOString();
    // The due-index row goes first, so the sweeper finds every transient version.
    await ctx.metadata.batch(keys.due(row.expiresAt), [
      { op: 'put', sk: keys.dueRow(row.expiresAt, model.name, n), data: { model: model.name, version: n } },
    ]);
  }
  if (filesExternal) {
    const fileRows: WriteOp[] = files.map((file, i) => ({ op: 'put', sk: keys.files(n, i), data: { ...file } }));
    for (let i = 0; i < fileRows.length; i += 100) await ctx.metadata.batch(pk, fileRows.slice(i, i + 100));
  }
  const history = historyWrite(ctx, actor, model.name, {
    action: 'version.create',
    target: `${model.name}/${n}`,
    before: null,
    after: { version: n, label: row.label, files: files.length, state: row.state },
  });
  const writes: WriteOp[] = [
    { op: 'put', sk: keys.version(n), data: row, if: { absent: true } },
    { op: 'put', sk: keys.pending(n), data: { version: n, createdAt: row.createdAt } },
    history.op,
  ];
  if (row.label !== undefined)
    writes.push({ op: 'put', sk: keys.label(row.label), data: { version: n }, if: { absent: true } });
  if (row.expiresAt !== undefined)
    writes.push({ op: 'put', sk: keys.transient(n), data: { version: n, expiresAt: row.expiresAt } });
  if (reservation && idempotencyKey !== undefined)
    writes.push({
      op: 'put',
      sk: keys.idempotency(idempotencyKey),
      data: { ...reservation.data, version: n },
      if: { etag: reservation.etag },
    });
  try {
    await ctx.metadata.batch(pk, writes);
  } catch (e) {
    // Only a refused write certainly wrote nothing; after any other failure the version may
    // exist (a lost response), and its claims must stay or the collector could take its bytes.
    if (e instanceof ConditionFailedError) {
      await Promise.all([...blobs.keys()].map((sha) => releaseClaim(ctx, sha, claim).catch(() => undefined)));
      throw new RegistryError(
        'conflict',
        'the version could not be written: its label or idempotency key was taken meanwhile',
        {
          cause: e,
          issues: [{ field: 'label', message: 'taken by a concurrent request' }],
        },
      );
    }
    throw e;
  }
  if (row.runId !== undefined) await linkRunVersion(ctx, row.runId, model.name, n);
  if (row.retention === 'transient') await enforceTransientCap(ctx, model);
  return {
    version: versionFromRow(model.name, row, files),
    uploads: await uploadInstructions(ctx, row, files),
    replayed: false,
  };
}

async function uploadInstructions(
  ctx: RegistryContext,
  row: VersionRow,
  files: VersionFile[],
): Promise<UploadInstruction[]> {
  const out: UploadInstruction[] = [];
  for (const upload of row.pending) {
    const file = files.find((f) => f.sha256 === upload.sha256);
    if (!file) continue;
    if (upload.multipartUploadId !== undefined) {
      const { minPartBytes, maxPartBytes, maxParts } = ctx.objects.multipart;
      const mib = 1024 * 1024;
      const wanted = Math.max(minPartBytes, 64 * mib, Math.ceil(upload.size / maxParts / mib) * mib);
      const partSize = Math.min(wanted, maxPartBytes);
      out.push({
        path: file.path,
        multipart: {
          uploadId: upload.multipartUploadId,
          partSize,
          partCount: Math.max(1, Math.ceil(upload.size / partSize)),
        },
      });
      continue;
    }
    const signed = await ctx.objects.presignPut(upload.stagingKey, {
      size: upload.size,
      sha256: upload.sha256,
      contentType: file.contentType,
      expiresInSeconds: ctx.settings.uploadUrlSeconds,
    });
    out.push({ path: file.path, method: 'PUT', url: signed.url, headers: signed.headers, expiresAt: signed.expiresAt });
  }
  return out;
}

export async function loadFiles(ctx: RegistryContext, model: string, row: VersionRow): Promise<VersionFile[]> {
  if (!row.filesExternal) return row.files ?? [];
  const files: VersionFile[] = [];
  let after: string | undefined;
  do {
    const page = await ctx.metadata.query<VersionFile & Record<string, unknown>>(keys.model(model), {
      prefix: keys.filesPrefix(row.version),
      after,
      limit: 1000,
    });
    for (const item of page.items) files.push(item.data);
    after = page.lastKey;
  } while (after !== undefined);
  return files;
}

/**
 * A version to read. Its rows exist only while the model does (deletion removes versions
 * first), so the model row is read only to tell a missing model from a missing version.
 */
async function readVersionOfModel(ctx: RegistryContext, model: string, ref: string): Promise<VersionRow> {
  try {
    return await readVersion(ctx, model, ref);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'not-found') await loadModelRow(ctx, model);
    throw e;
  }
}

export async function getVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
): Promise<ModelVersion> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  return versionFromRow(model, row, await loadFiles(ctx, model, row));
}

const VERSION_FILTERS = new Set(['tags', 'runId', 'state']);

export async function listVersions(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  query: { pageSize?: string; pageToken?: string; filter?: string },
): Promise<Page<ModelVersion>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(query.pageSize);
  const filter = parseFilter(query.filter, VERSION_FILTERS);
  await loadModelRow(ctx, model);
  const pk = keys.model(model);
  const scope = { route: 'versions', partition: pk, filter: filter.canonical };
  const after = query.pageToken ? decodePageToken(query.pageToken, scope, keys.versionPrefix) : undefined;
  const now = ctx.clock.now();
  const result = await scanPartition<VersionRow, ModelVersion>(
    ctx.metadata,
    pk,
    { prefix: keys.versionPrefix, after, want: pageSize, budget: Math.max(pageSize * 5, 500) },
    ({ data }) => {
      if (isExpired(data, now)) return undefined;
      if (filter.runId !== undefined && data.runId !== filter.runId) return undefined;
      if (filter.state !== undefined && data.state !== filter.state) return undefined;
      if (!tagsMatch(data.tags, filter.tags)) return undefined;
      return versionFromRow(model, data, undefined);
    },
  );
  return { items: result.items, nextPageToken: result.resumeAfter ? encodePageToken(scope, result.resumeAfter) : null };
}

/** Rewrites a version row under its etag, with a history row, retrying on races unless the caller pinned an etag. */
async function changeVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
  change: (row: VersionRow) => {
    row: VersionRow;
    action: string;
    extra?: WriteOp[];
    event?: 'ModelVersionReady' | 'VersionStateChanged';
  },
): Promise<ModelVersion> {
  await loadModelForWrite(ctx, actor, model);
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadVersion(ctx, model, ref);
    if (ifMatch !== undefined && ifMatch !== item.data.etag) throw staleEtag(`version ${item.data.version}`);
    const { row, action, extra, event } = change(item.data);
    const next: VersionRow = { ...row, updatedAt: ctx.clock.now().toISOString(), etag: ctx.newId() };
    // READY versions keep a copy under R#, written in the same batch, so `-k` reads one row.
    const readyCopy: WriteOp[] =
      next.state === 'READY' ? [{ op: 'put', sk: keys.ready(next.version), data: next }] : [];
    const history = historyWrite(ctx, actor, model, {
      action,
      target: `${model}/${next.version}`,
      before: summary(item.data),
      after: summary(next),
      ...(event ? { event } : {}),
    });
    try {
      await ctx.metadata.batch(keys.model(model), [
        { op: 'put', sk: keys.version(next.version), data: next, if: { etag: item.etag } },
        ...readyCopy,
        ...(extra ?? []),
        history.op,
      ]);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (ifMatch !== undefined) throw staleEtag(`version ${item.data.version}`);
        continue;
      }
      throw e;
    }
    return versionFromRow(model, next, await loadFiles(ctx, model, next));
  }
  throw contended('the version');
}

const summary = (row: VersionRow) => ({
  state: row.state,
  approval: row.approval,
  description: row.description,
  tags: row.tags,
  properties: row.properties,
  verification: row.verification,
});

export function updateVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  patch: PatchVersionInput,
  ifMatch: string | undefined,
): Promise<ModelVersion> {
  if (patch.approval !== undefined && !isAdmin(actor)) throw forbidden('changing approval needs registry.admin');
  return changeVersion(ctx, actor, model, ref, ifMatch, (row) => {
    const next: VersionRow = { ...row };
    if (patch.description !== undefined) next.description = patch.description ?? '';
    if (patch.tags !== undefined) next.tags = mergePatch(row.tags, patch.tags) as Record<string, string>;
    if (patch.properties !== undefined) next.properties = mergePatch(row.properties, patch.properties);
    if (patch.approval !== undefined) next.approval = patch.approval;
    return { row: next, action: 'version.update' };
  });
}

export function archiveVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<ModelVersion> {
  return changeVersion(ctx, actor, model, ref, ifMatch, (row) => {
    if (row.state === 'ARCHIVED') return { row, action: 'version.archive' };
    if (row.state !== 'READY')
      throw conflict(`only READY versions can be archived (version ${row.version} is ${row.state})`);
    return {
      row: { ...row, state: 'ARCHIVED' },
      action: 'version.archive',
      extra: [{ op: 'delete', sk: keys.ready(row.version) }],
      event: 'VersionStateChanged',
    };
  });
}

export interface CommitResult {
  version: ModelVersion;
  /** 200: READY; 202: verification continues asynchronously. */
  status: 200 | 202;
}

export async function commitVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
): Promise<CommitResult> {
  await loadModelForWrite(ctx, actor, model);
  const item = await loadVersion(ctx, model, ref);
  return verifyVersion(ctx, actor, model, item, 'inline');
}

/**
 * Checks every pending file's size and SHA-256 and, when all hold, moves the bytes into the
 * blob area and marks the version READY. `inline` defers files too large to hash in a request.
 */
export async function verifyVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  item: Item<VersionRow>,
  mode: 'inline' | 'async',
  options: { deadlineMs?: number } = {},
): Promise<CommitResult> {
  const row = item.data;
  const files = await loadFiles(ctx, model, row);
  const asVersion = () => versionFromRow(model, row, files);
  if (row.state === 'READY' || row.state === 'ARCHIVED') return { version: asVersion(), status: 200 };
  if (row.state === 'FAILED')
    throw new RegistryError(
      'conflict',
      `version ${row.version} failed verification: ${row.verification?.reasons.join('; ')}`,
    );
  if (mode === 'inline' && row.verification?.status === 'RUNNING') return { version: asVersion(), status: 202 };

  const claim = { model, version: row.version };
  const pathOf = (sha: string) => files.find((f) => f.sha256 === sha)?.path ?? sha;
  const reasons: string[] = [];
  const missing: string[] = [];
  const verified: Array<{ upload: PendingUpload; etag: string }> = [];
  for (const upload of row.pending) {
    if (await claimHeldBlob(ctx, upload.sha256, upload.size, claim)) continue;
    if (mode === 'inline' && upload.size > ctx.settings.inlineHashMaxBytes) {
      return deferVerification(ctx, actor, model, item, files);
    }
    if (upload.multipartUploadId !== undefined) {
      const done = await ctx.objects.head(upload.stagingKey);
      if (!done) {
        const parts = await ctx.objects.listParts(upload.stagingKey, upload.multipartUploadId);
        if (parts.length === 0) {
          missing.push(pathOf(upload.sha256));
          continue;
        }
        await ctx.objects.completeMultipart(upload.stagingKey, upload.multipartUploadId, parts);
      }
    }
    const info = await ctx.objects.head(upload.stagingKey);
    if (!info) {
      missing.push(pathOf(upload.sha256));
      continue;
    }
    const path = pathOf(upload.sha256);
    if (info.size !== upload.size) {
      reasons.push(`${path}: ${info.size} bytes arrived, ${upload.size} were declared`);
      continue;
    }
    let actual = info.sha256;
    if (actual === undefined) {
      const outcome = await digestObject(ctx.objects, upload.stagingKey, info, {
        sha256: ctx.sha256,
        ...(upload.hashProgress?.etag === info.etag ? { progress: upload.hashProgress } : {}),
        deadlineMs: options.deadlineMs ?? Date.now() + ctx.settings.verificationSliceMs,
      });
      if (!outcome.done) return suspendVerification(ctx, actor, model, row, upload.stagingKey, outcome.progress, files);
      actual = outcome.sha256;
    }
    if (actual !== upload.sha256) {
      reasons.push(`${path}: sha256 ${actual} does not match the declared ${upload.sha256}`);
      continue;
    }
    verified.push({ upload, etag: info.etag });
  }
  if (reasons.length > 0) {
    await failVersion(ctx, actor, model, row, files, reasons);
    throw new RegistryError('conflict', `verification failed: ${reasons.join('; ')}`, {
      issues: reasons.map((message) => ({ field: 'files', message })),
    });
  }
  if (missing.length > 0)
    throw new RegistryError('conflict', `not uploaded yet: ${missing.join(', ')}`, {
      issues: missing.map((path) => ({ field: 'files', message: `${path} has not been uploaded` })),
    });
  for (const { upload, etag } of verified) {
    try {
      // Pinned to the etag that was hashed: bytes swapped in after the check are never copied.
      await ingestBlob(ctx, upload.sha256, upload.size, { key: upload.stagingKey, etag }, claim);
    } catch (e) {
      if (e instanceof ObjectChangedError) {
        // A concurrent verification (an event and a commit) may have settled it and removed the staged bytes.
        const now = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(row.version));
        if (now && (now.data.state === 'READY' || now.data.state === 'ARCHIVED'))
          return { version: versionFromRow(model, now.data, files), status: 200 };
        // Or it ingested the same (content-addressed) bytes first and is still settling: claim them.
        if (await claimHeldBlob(ctx, upload.sha256, upload.size, claim)) continue;
        throw new RegistryError('conflict', `${pathOf(upload.sha256)} changed while it was verified; commit again`, {
          cause: e,
          retryAfterSeconds: 1,
          issues: [{ field: 'files', message: `${pathOf(upload.sha256)} changed during verification` }],
        });
      }
      throw e;
    }
    await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
  }
  try {
    const ready = await changeVersion(ctx, actor, model, String(row.version), undefined, (current) => {
      if (current.state !== 'PENDING') throw new AlreadySettled();
      const next: VersionRow = { ...current, state: 'READY', pending: [] };
      if (current.verification) next.verification = { status: 'DONE', reasons: [] };
      return {
        row: next,
        action: 'version.ready',
        extra: [{ op: 'delete', sk: keys.pending(row.version) }],
        event: 'ModelVersionReady',
      };
    });
    return { version: ready, status: 200 };
  } catch (e) {
    if (!(e instanceof AlreadySettled)) throw e;
    const settled = await loadVersion(ctx, model, String(row.version));
    return verifyVersion(ctx, actor, model, settled, mode);
  }
}

class AlreadySettled extends Error {}

/** Saves where hashing stopped and hands the version back to the queue, to continue in a new invocation. */
async function suspendVerification(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  row: VersionRow,
  stagingKey: string,
  progress: HashProgress,
  files: VersionFile[],
): Promise<CommitResult> {
  const version = await changeVersion(ctx, actor, model, String(row.version), undefined, (current) => ({
    row: {
      ...current,
      verification: { status: 'RUNNING', reasons: [] },
      pending: current.pending.map((u) => (u.stagingKey === stagingKey ? { ...u, hashProgress: progress } : u)),
    },
    action: 'version.verify',
  }));
  await ctx.verification.enqueue(model, row.version);
  return { version: { ...version, files }, status: 202 };
}

/** Marks a PENDING version FAILED with its reasons, then drops its staged bytes and its claims. */
export async function failVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  row: VersionRow,
  files: VersionFile[],
  reasons: string[],
): Promise<void> {
  try {
    await changeVersion(ctx, actor, model, String(row.version), undefined, (current) => {
      if (current.state !== 'PENDING') throw new AlreadySettled();
      return {
        row: { ...current, state: 'FAILED', pending: [], verification: { status: 'FAILED', reasons } },
        action: 'version.fail',
        extra: [{ op: 'delete', sk: keys.pending(row.version) }],
        event: 'VersionStateChanged',
      };
    });
  } catch (e) {
    if (e instanceof AlreadySettled) return;
    throw e;
  }
  for (const upload of row.pending) {
    if (upload.multipartUploadId !== undefined)
      await ctx.objects.abortMultipart(upload.stagingKey, upload.multipartUploadId).catch(() => undefined);
    await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
  }
  await releaseClaims(ctx, model, row, files);
}

async function deferVerification(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  item: Item<VersionRow>,
  files: VersionFile[],
): Promise<CommitResult> {
  const version = await changeVersion(ctx, actor, model, String(item.data.version), undefined, (current) => ({
    row: { ...current, verification: { status: 'RUNNING', reasons: [] } },
    action: 'version.verify',
  }));
  await ctx.verification.enqueue(model, item.data.version);
  return { version: { ...version, files }, status: 202 };
}

async function releaseClaims(
  ctx: RegistryContext,
  model: string,
  row: VersionRow,
  files: VersionFile[],
): Promise<void> {
  const shas = new Set(files.map((f) => f.sha256));
  await Promise.all(
    [...shas].map((sha) => releaseClaim(ctx, sha, { model, version: row.version }).catch(() => undefined)),
  );
}

/** Runs asynchronous verification of one version (the verifier function, or the local queue). */
export async function runVerification(
  ctx: RegistryContext,
  model: string,
  version: number,
  options: { deadlineMs?: number } = {},
): Promise<CommitResult | undefined> {
  const item = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(version));
  if (item?.data.state !== 'PENDING') return undefined;
  try {
    return await verifyVersion(ctx, SYSTEM_ACTOR, model, item, 'async', options);
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'conflict') return undefined;
    throw e;
  }
}

export async function deleteVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<void> {
  const modelItem = await loadModelForWrite(ctx, actor, model);
  await removeVersion(ctx, actor, modelItem.data, ref, ifMatch, 'version.delete');
}

/** Deletes a version and everything that points at it: its ready/label/transient rows, its aliases, its claims. */
export async function removeVersion(
  ctx: RegistryContext,
  actor: Actor,
  model: ModelRow,
  ref: string,
  ifMatch: string | undefined,
  action: string,
): Promise<void> {
  const pk = keys.model(model.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await loadVersion(ctx, model.name, ref);
    const row = item.data;
    if (ifMatch !== undefined && ifMatch !== row.etag) throw staleEtag(`version ${row.version}`);
    const aliases = (await ctx.metadata.query<AliasRow>(pk, { prefix: keys.aliasPrefix, limit: 1000 })).items.filter(
      (a) => a.data.version === row.version,
    );
    if (aliases.some((a) => model.protectedAliases.includes(a.data.alias)) && !isAdmin(actor))
      throw forbidden('the version carries a protected alias; deleting it needs registry.admin');
    const history = historyWrite(ctx, actor, model.name, {
      action,
      target: `${model.name}/${row.version}`,
      before: summary(row),
      after: null,
      event: 'ModelVersionDeleted',
    });
    const writes: WriteOp[] = [
      { op: 'delete', sk: keys.version(row.version), if: { etag: item.etag } },
      { op: 'delete', sk: keys.ready(row.version) },
      { op: 'delete', sk: keys.transient(row.version) },
      { op: 'delete', sk: keys.pending(row.version) },
      { op: 'put', sk: keys.deleted(row.version), data: { at: ctx.clock.now().toISOString() } },
      history.op,
    ];
    if (row.label !== undefined) writes.push({ op: 'delete', sk: keys.label(row.label) });
    for (const alias of aliases) {
      const moveId = ctx.newId();
      writes.push({ op: 'delete', sk: alias.sk, if: { etag: alias.etag } });
      writes.push({
        op: 'put',
        sk: keys.aliasHistory(alias.data.alias, moveId),
        data: {
          id: moveId,
          alias: alias.data.alias,
          at: ctx.clock.now().toISOString(),
          actor: actor.subject,
          from: row.version,
          to: null,
        },
      });
    }
    try {
      await ctx.metadata.batch(pk, writes);
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        if (ifMatch !== undefined) throw staleEtag(`version ${row.version}`);
        continue;
      }
      throw e;
    }
    const files = row.filesExternal ? await loadFiles(ctx, model.name, row) : (row.files ?? []);
    if (row.filesExternal)
      for (let i = 0; i < row.fileCount; i += 100)
        await ctx.metadata.batch(
          pk,
          Array.from({ length: Math.min(100, row.fileCount - i) }, (_, j) => ({
            op: 'delete' as const,
            sk: keys.files(row.version, i + j),
          })),
        );
    await releaseClaims(ctx, model.name, row, files);
    for (const upload of row.pending) {
      if (upload.multipartUploadId !== undefined)
        await ctx.objects.abortMultipart(upload.stagingKey, upload.multipartUploadId).catch(() => undefined);
      await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
    }
    return;
  }
  throw contended('the version');
}

/** Evicts the oldest transient versions beyond the model's cap (and any that expired). */
export async function enforceTransientCap(ctx: RegistryContext, model: ModelRow): Promise<number> {
  const pk = keys.model(model.name);
  const page = await ctx.metadata.query<{ version: number; expiresAt: string }>(pk, {
    prefix: keys.transientPrefix,
    limit: model.maxTransientVersions + 100,
  });
  const now = ctx.clock.now();
  const live = page.items.filter((i) => !isExpired({ retention: 'transient', expiresAt: i.data.expiresAt }, now));
  const expired = page.items.filter((i) => !live.includes(i));
  const evict = [...expired, ...live.slice(0, Math.max(0, live.length - model.maxTransientVersions))];
  let evicted = 0;
  for (const item of evict) {
    try {
      await removeExpiredOrEvicted(ctx, model, item.data.version);
      evicted++;
    } catch (e) {
      if (!(e instanceof RegistryError && e.kind === 'not-found')) throw e;
    }
  }
  return evicted;
}

/** Removes a transient version by number, even when it has expired (reads would hide it). */
export async function removeExpiredOrEvicted(ctx: RegistryContext, model: ModelRow, version: number): Promise<void> {
  const pk = keys.model(model.name);
  const item = await ctx.metadata.get<VersionRow>(pk, keys.version(version));
  if (!item) {
    await ctx.metadata.batch(pk, [{ op: 'delete', sk: keys.transient(version) }]);
    return;
  }
  const history = historyWrite(ctx, SYSTEM_ACTOR, model.name, {
    action: 'version.expire',
    target: `${model.name}/${version}`,
    before: summary(item.data),
    after: null,
    event: 'ModelVersionDeleted',
  });
  const writes: WriteOp[] = [
    { op: 'delete', sk: keys.version(version), if: { etag: item.etag } },
    { op: 'delete', sk: keys.ready(version) },
    { op: 'delete', sk: keys.transient(version) },
    { op: 'delete', sk: keys.pending(version) },
    { op: 'put', sk: keys.deleted(version), data: { at: ctx.clock.now().toISOString() } },
    history.op,
  ];
  if (item.data.label !== undefined) writes.push({ op: 'delete', sk: keys.label(item.data.label) });
  try {
    await ctx.metadata.batch(pk, writes);
  } catch (e) {
    if (e instanceof ConditionFailedError) throw notFound(`version ${version}`);
    throw e;
  }
  await releaseClaims(ctx, model.name, item.data, await loadFiles(ctx, model.name, item.data));
  for (const upload of item.data.pending) await ctx.objects.delete(upload.stagingKey).catch(() => undefined);
}

export async function fileDownload(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  path: string,
): Promise<{ url: string; expiresAt: string; size: number; sha256: string }> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  if (row.state !== 'READY' && row.state !== 'ARCHIVED')
    throw conflict(`version ${row.version} is ${row.state}; files download once it is READY`);
  const file = (await loadFiles(ctx, model, row)).find((f) => f.path === path);
  if (!file) throw notFound(`file "${path}" in version ${row.version}`);
  const signed = await ctx.objects.presignGet(objectKeys(ctx.settings.prefix).blob(file.sha256), {
    expiresInSeconds: ctx.settings.downloadUrlSeconds,
    filename: path.slice(path.lastIndexOf('/') + 1),
    contentType: file.contentType,
  });
  return { url: signed.url, expiresAt: signed.expiresAt, size: file.size, sha256: file.sha256 };
}

export async function partUrls(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
  request: { path: string; partNumbers: number[] },
): Promise<{ parts: Array<{ partNumber: number } & Awaited<ReturnType<RegistryContext['objects']['presignPart']>>> }> {
  await loadModelForWrite(ctx, actor, model);
  const item = await loadVersion(ctx, model, ref);
  if (item.data.state !== 'PENDING') throw conflict(`version ${item.data.version} is ${item.data.state}`);
  const file = (await loadFiles(ctx, model, item.data)).find((f) => f.path === request.path);
  if (!file) throw invalid('path', `no file "${request.path}" in version ${item.data.version}`);
  const upload = item.data.pending.find((u) => u.sha256 === file.sha256);
  if (!upload?.multipartUploadId) throw invalid('path', `"${request.path}" is not a multipart upload of this version`);
  const uploadId = upload.multipartUploadId;
  const parts = await Promise.all(
    request.partNumbers.map(async (partNumber) => ({
      partNumber,
      ...(await ctx.objects.presignPart(upload.stagingKey, uploadId, partNumber, ctx.settings.uploadUrlSeconds)),
    })),
  );
  return { parts };
}

export async function listFiles(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  ref: string,
): Promise<VersionFile[]> {
  requireScope(actor, 'registry.read');
  const row = await readVersionOfModel(ctx, model, ref);
  return loadFiles(ctx, model, row);
}
