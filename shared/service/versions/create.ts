/** Creating a version: idempotency, blob claims, staging uploads and their upload instructions. */
import { createHash } from 'node:crypto';
import { keys, objectKeys } from '../../domain/keys.js';
import { stableJson } from '../../domain/stable-json.js';
import type { ModelVersion, UploadInstruction, VersionFile } from '../../domain/types.js';
import { ConditionFailedError, invalid, RegistryError } from '../../errors.js';
import type { Item, WriteOp } from '../../ports/metadata-store.js';
import type { CreateVersionInput } from '../../schemas.js';
import { claimHeldBlob, releaseClaim } from '../blobs.js';
import { type Actor, type RegistryContext } from '../context.js';
import { historyWrite } from '../history.js';
import { loadModelForWrite } from '../models.js';
import type { IdempotencyRow, ModelRow, PendingUpload, VersionRow } from '../records.js';
import { totalSize, versionFromRow } from '../records.js';
import { loadLoggedModel } from '../tracking/logged-models.js';
import { linkRunVersion, runExists } from '../tracking/runs.js';
import { checkPartSize, multipartPlan } from './parts.js';
import { loadFiles } from './reads.js';
import { enforceTransientCap } from './removal.js';
import { filesOfSource, parseSource } from './source.js';
import { commitVersion } from './verify.js';

type DeclaredFileInput = { path: string; size: number; sha256: string; contentType?: string };

const sourceRunOf = async (ctx: RegistryContext, loggedModelId: string): Promise<string | undefined> =>
  (await loadLoggedModel(ctx, loggedModelId)).data.sourceRunId;

/** Files are kept inline on the version row up to this much JSON; beyond, one row per file. */
const INLINE_FILES_BYTES = 48 * 1024;

export interface CreatedVersion {
  version: ModelVersion;
  uploads: UploadInstruction[];
  replayed: boolean;
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
  const source = input.source !== undefined ? parseSource(input.source) : undefined;
  const declared = source ? await filesOfSource(ctx, source) : (input.files ?? []);
  if (source?.kind === 'artifacts' && input.runId === undefined) {
    // Lineage: the run the bytes came from, unless the caller named one.
    const runId = source.owner.kind === 'run' ? source.owner.id : await sourceRunOf(ctx, source.owner.id);
    if (runId !== undefined) input = { ...input, runId };
  }
  const callerKey = idempotencyKey === undefined ? undefined : callersKey(actor.subject, idempotencyKey);

  let reservation: Item<IdempotencyRow> | undefined;
  if (callerKey !== undefined) {
    const outcome = await reserveIdempotencyKey(ctx, model, callerKey, requestHash);
    if ('replay' in outcome) return replay(ctx, model, outcome.replay);
    reservation = outcome.reservation;
  }
  try {
    const created = await createReservedVersion(
      ctx,
      actor,
      modelItem.data,
      input,
      declared,
      requestHash,
      reservation,
      callerKey,
    );
    if (!source) return created;
    // Every byte is already held (or none is needed): READY at once, nothing to upload.
    const ready = await commitVersion(ctx, actor, model, String(created.version.version));
    return { ...created, version: ready.version, uploads: [] };
  } catch (e) {
    if (reservation && callerKey !== undefined)
      await ctx.metadata
        .batch(pk, [{ op: 'delete', sk: keys.idempotency(callerKey), if: { etag: reservation.etag } }])
        .catch(() => undefined);
    throw e;
  }
}

/**
 * An `Idempotency-Key` is the caller's own: the row is keyed by a digest of the subject and the
 * key, so another caller's same key neither replays nor blocks this caller's request.
 */
export function callersKey(subject: string, key: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(key))
    throw invalid('header.idempotency-key', 'must be 1-128 printable ASCII characters');
  return `${createHash('sha256').update(subject).digest('hex').slice(0, 32)}#${key}`;
}

async function reserveIdempotencyKey(
  ctx: RegistryContext,
  model: string,
  /** The caller-scoped key (`callersKey`). */
  key: string,
  requestHash: string,
): Promise<{ replay: VersionRow } | { reservation: Item<IdempotencyRow> }> {
  const pk = keys.model(model);
  const sk = keys.idempotency(key);
  // Names this request's reservation: a write whose answer was lost lands all the same, and the
  // store's retry of it then fails its own condition. The row found next is this request's.
  const holder = ctx.newId();
  const ours = (row: Item<IdempotencyRow> | undefined): boolean =>
    row?.data.holder === holder && row.data.version === undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await ctx.metadata.get<IdempotencyRow>(pk, sk);
    if (existing && ours(existing)) return { reservation: existing };
    const fresh: IdempotencyRow = { requestHash, reservedAt: ctx.clock.now().toISOString(), holder };
    if (existing) {
      if (existing.data.requestHash !== requestHash)
        throw new RegistryError('conflict', 'this Idempotency-Key was used with a different request', {
          issues: [{ field: 'header.idempotency-key', message: 'reused with a different request body' }],
        });
      if (existing.data.version !== undefined) {
        const version = await ctx.metadata.get<VersionRow>(pk, keys.version(existing.data.version));
        if (version) return { replay: version.data };
      }
      // A request that outlives its reservation loses nothing: its final write is conditional on
      // the reservation it took, so a retry that took the key over makes that write fail, and the
      // key still yields one version.
      const stale =
        ctx.clock.now().getTime() - Date.parse(existing.data.reservedAt) >
        ctx.settings.idempotencyInProgressSeconds * 1000;
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
    if (reservation && ours(reservation)) return { reservation };
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
  declared: DeclaredFileInput[],
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
  checkPartSize(ctx, input.partSize);

  const blobs = new Map<string, number>();
  declared.forEach((f, i) => {
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
    const threshold = Math.min(
      ctx.settings.multipartThresholdBytes,
      ctx.objects.maxSinglePutBytes,
      input.partSize ?? Infinity,
    );
    if (size > threshold) {
      upload.multipartUploadId = (await ctx.objects.createMultipart(stagingKey, {})).uploadId;
      if (input.partSize !== undefined) upload.partSize = input.partSize;
    }
    pending.push(upload);
  }

  if (pending.length > 0)
    await ctx.metadata.batch(keys.upload(uploadId), [
      // No condition: the id is fresh, and a retried write must not fail.
      { op: 'put', sk: keys.meta, data: { model: model.name, version: n } },
    ]);
  const now = ctx.clock.now();
  const files: VersionFile[] = declared.map((f) => ({
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
  if (input.source !== undefined) row.source = input.source;
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
      out.push({
        path: file.path,
        multipart: { uploadId: upload.multipartUploadId, ...multipartPlan(ctx, upload.size, upload.partSize) },
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
