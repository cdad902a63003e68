/** Commit and verification: sizes and SHA-256 checked, bytes moved into the blob area, READY or FAILED. */
import { keys } from '../../domain/keys.js';
import type { ModelVersion, VersionFile } from '../../domain/types.js';
import { RegistryError } from '../../errors.js';
import type { Item } from '../../ports/metadata-store.js';
import { ObjectChangedError } from '../../ports/object-store.js';
import { claimHeldBlob, ingestBlob } from '../blobs.js';
import { type Actor, type RegistryContext, systemActor } from '../context.js';
import { loadModelForWrite } from '../models.js';
import type { PendingUpload, VersionRow } from '../records.js';
import { versionFromRow } from '../records.js';
import { loadVersion } from '../refs.js';
import { digestObject, type HashProgress } from '../resumable-digest.js';
import { changeVersion } from './edits.js';
import { loadFiles } from './reads.js';
import { releaseClaims } from './removal.js';

const SYSTEM_ACTOR = systemActor();

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
