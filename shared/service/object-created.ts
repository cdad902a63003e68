/**
 * Object-created notifications (S3, Event Grid), as the core takes them: staged bytes that
 * arrived finish the PENDING version waiting for them; drop-ins under `incoming/` register
 * versions. Delivery is at least once and unordered, so every path here is idempotent.
 */
import { createHash } from 'node:crypto';
import { INCOMING_PREFIX, keys, objectKeys } from '../domain/keys.js';
import { filePathProblem, labelProblem, modelNameProblem } from '../domain/names.js';
import { failureLine, RegistryError, RetryableStoreError } from '../errors.js';
import type { Scope } from '../ports/auth.js';
import { ObjectChangedError } from '../ports/object-store.js';
import type { CreateVersionInput } from '../schemas.js';
import { isDropInWriter } from './authorization.js';
import { digestStream } from './blobs.js';
import { type Actor, type RegistryContext, systemActor } from './context.js';
import { readDropIn, recordDropIn, sequencerIsNewer } from './drop-in-log.js';
import { createModel } from './models.js';
import type { ModelRow, VersionRow } from './records.js';
import { createVersion } from './versions/create.js';
import { verifyVersion } from './versions/verify.js';

export interface ObjectCreatedEvent {
  /** The object key, already URL-decoded (`+` is a space in S3 notifications). */
  key: string;
  size: number;
  /** The object's etag, without quotes. */
  etag: string;
  versionId?: string;
  /** Orders writes to the same key (S3 `sequencer`, Event Grid `data.sequencer`). */
  sequencer?: string;
  /** Who wrote the object (S3 `userIdentity.principalId`, Event Grid identity): a drop-in's `createdBy`. */
  creator?: string;
}

export type ObjectCreatedOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'staged'; model: string; version: number; state: string }
  | { kind: 'registered'; model: string; version: number; state: string }
  | { kind: 'rejected'; reason: string };

export type DropInIntent = 'create_model' | 'create_version' | 'update_artifact';

export const MANIFEST_NAME = 'mreg.json';

const SYSTEM = systemActor();

const DROP_IN_SCOPES: ReadonlySet<Scope> = new Set(['registry.read', 'registry.write']);

/** A drop-in acts as its writer, a writer and nothing more: never an admin (see `isDropInWriter`). */
const dropInActor = (creator: string): Actor => ({ subject: creator, scopes: DROP_IN_SCOPES, dropIn: true });

/**
 * Whether this write may register, before any of its bytes are read: its writer must be known,
 * and a writer of the model (its owner, a maintainer, one of its `dropInPrincipals`); a model
 * that does not exist is created only for a writer on the deployment's allow-list.
 * Returns why not, or the writer.
 */
async function authorizeDropIn(
  ctx: RegistryContext,
  model: string,
  creator: string | undefined,
): Promise<{ writer: string } | { refused: string }> {
  if (creator === undefined || creator === '')
    return {
      refused:
        'the writer of this object is unknown (no notification named them): write it again, or redeliver its notification',
    };
  const row = await ctx.metadata.get<ModelRow>(keys.model(model), keys.meta);
  if (row)
    return isDropInWriter(creator, row.data)
      ? { writer: creator }
      : { refused: `${creator} is not the owner, a maintainer, or one of the dropInPrincipals of model "${model}"` };
  if (!(ctx.settings.dropInPrincipals ?? []).includes(creator))
    return { refused: `${creator} may not create models by drop-in (not on the deployment's drop-in allow-list)` };
  return { writer: creator };
}

export async function objectCreated(ctx: RegistryContext, event: ObjectCreatedEvent): Promise<ObjectCreatedOutcome> {
  const staging = objectKeys(ctx.settings.prefix).stagingPrefix;
  if (event.key.startsWith(staging)) return stagedBytesArrived(ctx, event.key.slice(staging.length));
  if (event.key.startsWith(INCOMING_PREFIX)) return dropIn(ctx, event);
  return { kind: 'ignored', reason: 'not a staging upload or a drop-in' };
}

async function stagedBytesArrived(ctx: RegistryContext, rest: string): Promise<ObjectCreatedOutcome> {
  const uploadId = rest.split('/')[0] ?? '';
  const upload = await ctx.metadata.get<{ model: string; version: number }>(keys.upload(uploadId), keys.meta);
  if (!upload) return { kind: 'ignored', reason: 'no version waits for this upload' };
  const { model, version } = upload.data;
  const item = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(version));
  if (!item) return { kind: 'ignored', reason: 'the version is gone' };
  if (item.data.state !== 'PENDING') return { kind: 'staged', model, version, state: item.data.state };
  try {
    const result = await verifyVersion(ctx, SYSTEM, model, item, 'inline');
    return { kind: 'staged', model, version, state: result.version.state };
  } catch (e) {
    // Other files still missing, or the bytes were wrong (the version is FAILED then).
    if (e instanceof RegistryError && e.kind === 'conflict') {
      const now = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(version));
      return { kind: 'staged', model, version, state: now?.data.state ?? 'PENDING' };
    }
    throw e;
  }
}

async function dropIn(ctx: RegistryContext, event: ObjectCreatedEvent): Promise<ObjectCreatedOutcome> {
  const relative = event.key.slice(INCOMING_PREFIX.length);
  const slash = relative.indexOf('/');
  const model = slash < 0 ? relative : relative.slice(0, slash);
  const path = slash < 0 ? '' : relative.slice(slash + 1);
  const modelProblem = modelNameProblem(model);
  if (modelProblem) return { kind: 'rejected', reason: `model name ${modelProblem}` };
  const pathProblem = filePathProblem(path);
  if (pathProblem) return { kind: 'rejected', reason: `file path ${pathProblem}` };

  const head = await ctx.objects.head(event.key);
  if (!head) return { kind: 'ignored', reason: 'the object is gone' };
  if (head.etag !== event.etag) return { kind: 'ignored', reason: 'overwritten since: the newer write registers' };
  const seen = await readDropIn(ctx, model, path);
  if (seen && !sequencerIsNewer(event.sequencer, seen.data.sequencer) && seen.data.etag !== event.etag)
    return { kind: 'ignored', reason: 'an older write than one already registered' };
  const authorized = await authorizeDropIn(ctx, model, event.creator);
  if ('refused' in authorized) {
    await recordDropIn(ctx, model, path, event, { rejected: authorized.refused });
    return { kind: 'rejected', reason: authorized.refused };
  }
  const writer = authorized.writer;

  const isManifest = path === MANIFEST_NAME || path.endsWith(`/${MANIFEST_NAME}`);
  const intent = head.metadata.mreg_intent as DropInIntent | undefined;
  // Files in a batch folder wait for their manifest, unless they say what they are.
  if (!isManifest && path.includes('/') && intent === undefined)
    return { kind: 'ignored', reason: 'part of a batch: registers when its mreg.json arrives' };
  if (intent !== undefined && !['create_model', 'create_version', 'update_artifact'].includes(intent))
    return { kind: 'rejected', reason: `unknown mreg_intent "${intent}"` };

  // Remembered before the work: if every delivery of this event fails, the sweeper finishes it as this writer.
  await recordDropIn(ctx, model, path, event, { pending: true });
  let outcome: ObjectCreatedOutcome;
  try {
    outcome = isManifest
      ? await registerManifest(ctx, event, writer, model, path)
      : await registerFile(ctx, event, writer, model, path, intent, head.metadata);
  } catch (e) {
    if (e instanceof ObjectChangedError)
      return { kind: 'ignored', reason: 'overwritten while reading: the newer write registers' };
    // Retryable outcomes (contention, a duplicate still in flight) go back to the platform to redeliver.
    if (e instanceof RegistryError && e.kind !== 'unavailable' && e.retryAfterSeconds === undefined)
      return { kind: 'rejected', reason: e.message };
    throw e;
  }
  if (outcome.kind === 'registered') await recordDropIn(ctx, model, path, event, { version: outcome.version });
  // A rejection is remembered per write too, so the sweeper's reconciliation does not redo it.
  if (outcome.kind === 'rejected') await recordDropIn(ctx, model, path, event, { rejected: outcome.reason });
  return outcome;
}

export interface IncomingReport {
  examined: number;
  registered: number;
  errors: string[];
}

/**
 * Notifications can be lost (a dead-lettered message, a subscription created late): the
 * sweeper walks `incoming/` and hands every write the registry has not seen to the same path
 * an event takes. Idempotent, so a write whose event is merely late is registered once.
 */
export async function reconcileIncoming(ctx: RegistryContext, options: { limit: number }): Promise<IncomingReport> {
  const report: IncomingReport = { examined: 0, registered: 0, errors: [] };
  let after: string | undefined;
  do {
    const page = await ctx.objects.list(INCOMING_PREFIX, {
      after,
      limit: Math.min(1000, options.limit - report.examined),
    });
    for (const object of page.items) {
      report.examined++;
      const relative = object.key.slice(INCOMING_PREFIX.length);
      const slash = relative.indexOf('/');
      if (slash < 0) continue;
      const model = relative.slice(0, slash);
      const path = relative.slice(slash + 1);
      if (modelNameProblem(model) || filePathProblem(path)) continue;
      const [seen, head] = await Promise.all([readDropIn(ctx, model, path), ctx.objects.head(object.key)]);
      if (!head) continue;
      const known = seen?.data.etag === head.etag ? seen.data : undefined;
      if (known && !known.pending) continue;
      try {
        const event: ObjectCreatedEvent = { key: object.key, size: head.size, etag: head.etag };
        if (head.versionId !== undefined) event.versionId = head.versionId;
        // Only a write whose event came has a known writer; the others are refused, and remembered.
        if (known?.creator !== undefined) event.creator = known.creator;
        if (known?.sequencer !== undefined) event.sequencer = known.sequencer;
        const outcome = await dropIn(ctx, event);
        if (outcome.kind === 'registered') report.registered++;
      } catch (e) {
        report.errors.push(failureLine(object.key, e));
      }
    }
    after = page.lastKey;
  } while (after !== undefined && report.examined < options.limit);
  return report;
}

/** The SHA-256 of a whole object as it is at `etag`, refusing short reads (they would declare wrong bytes). */
async function digestWhole(ctx: RegistryContext, key: string, object: { size: number; etag: string }) {
  const digest = await digestStream(await ctx.objects.read(key, { ifMatch: object.etag }));
  if (digest.size !== object.size)
    throw new RetryableStoreError(`short read of ${key}: ${digest.size} of ${object.size} bytes`);
  return digest;
}

/** The drop-in's identity: the same object write always maps to the same idempotency key. */
const dropInKey = (event: ObjectCreatedEvent): string =>
  `dropin-${createHash('sha256')
    .update(`${event.key}\n${event.etag}\n${event.versionId ?? ''}`)
    .digest('hex')
    .slice(0, 48)}`;

async function ensureModel(ctx: RegistryContext, actor: Actor, model: string, create: boolean): Promise<void> {
  const exists = await ctx.metadata.get(keys.model(model), keys.meta);
  if (exists) return;
  if (!create) throw new RegistryError('not-found', `model "${model}" does not exist (use mreg_intent=create_model)`);
  try {
    await createModel(ctx, actor, { name: model });
  } catch (e) {
    if (!(e instanceof RegistryError && e.kind === 'conflict')) throw e;
  }
}

async function registerFile(
  ctx: RegistryContext,
  event: ObjectCreatedEvent,
  writer: string,
  model: string,
  path: string,
  intent: DropInIntent | undefined,
  metadata: Record<string, string>,
): Promise<ObjectCreatedOutcome> {
  const actor = dropInActor(writer);
  const digest = await digestWhole(ctx, event.key, { size: event.size, etag: event.etag });
  if (intent === 'update_artifact') return updateArtifact(ctx, event, actor, model, path, metadata, digest);
  await ensureModel(ctx, actor, model, intent !== 'create_version');
  const input: CreateVersionInput = { files: [{ path, size: digest.size, sha256: digest.sha256 }] };
  const label = metadata.mreg_label;
  if (label !== undefined && !labelProblem(label)) input.label = label;
  if (metadata.mreg_description !== undefined) input.description = metadata.mreg_description.slice(0, 10_000);
  return createAndFill(ctx, actor, model, input, dropInKey(event), new Map([[digest.sha256, event]]));
}

/** Creates (or replays) the version, copies the dropped bytes into its staging keys, and verifies. */
async function createAndFill(
  ctx: RegistryContext,
  actor: Actor,
  model: string,
  input: CreateVersionInput,
  idempotencyKey: string,
  sources: Map<string, ObjectCreatedEvent>,
): Promise<ObjectCreatedOutcome> {
  const created = await createVersion(ctx, actor, model, input, idempotencyKey);
  const n = created.version.version;
  const item = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(n));
  if (!item) throw new RegistryError('unavailable', 'the version vanished while registering', { retryAfterSeconds: 1 });
  if (item.data.state !== 'PENDING') return { kind: 'registered', model, version: n, state: item.data.state };
  for (const upload of item.data.pending) {
    const source = sources.get(upload.sha256);
    if (!source) continue;
    if (!(await ctx.objects.head(upload.stagingKey)))
      await ctx.objects.copy(source.key, upload.stagingKey, { ifMatch: source.etag });
  }
  const result = await verifyVersion(ctx, actor, model, item, 'inline');
  return { kind: 'registered', model, version: n, state: result.version.state };
}

async function updateArtifact(
  ctx: RegistryContext,
  event: ObjectCreatedEvent,
  actor: Actor,
  model: string,
  path: string,
  metadata: Record<string, string>,
  digest: { sha256: string; size: number },
): Promise<ObjectCreatedOutcome> {
  const version = Number(metadata.mreg_version);
  if (!Number.isInteger(version) || version < 1)
    return { kind: 'rejected', reason: 'update_artifact needs mreg_version' };
  const item = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(version));
  if (!item) return { kind: 'rejected', reason: `model "${model}" has no version ${version}` };
  if (item.data.state !== 'PENDING')
    return {
      kind: 'rejected',
      reason: `update_artifact applies only to PENDING versions (${version} is ${item.data.state})`,
    };
  const file = (item.data.files ?? []).find((f) => f.path === path);
  if (!file) return { kind: 'rejected', reason: `version ${version} declares no file "${path}"` };
  if (file.sha256 !== digest.sha256 || file.size !== digest.size)
    return { kind: 'rejected', reason: `the dropped bytes do not match the declared sha256/size of "${path}"` };
  const upload = item.data.pending.find((u) => u.sha256 === digest.sha256);
  if (upload && !(await ctx.objects.head(upload.stagingKey)))
    await ctx.objects.copy(event.key, upload.stagingKey, { ifMatch: event.etag });
  try {
    const result = await verifyVersion(ctx, actor, model, item, 'inline');
    return { kind: 'registered', model, version, state: result.version.state };
  } catch (e) {
    if (e instanceof RegistryError && e.kind === 'conflict')
      return { kind: 'registered', model, version, state: 'PENDING' };
    throw e;
  }
}

interface Manifest {
  files: Array<{ path: string; sha256?: string }>;
  label?: string;
  description?: string;
  format?: string;
  tags?: Record<string, string>;
  intent?: DropInIntent;
}

function parseManifest(text: string): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'mreg.json is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Manifest).files))
    return 'mreg.json needs a "files" array';
  const manifest = value as Manifest;
  if (manifest.files.length === 0 || manifest.files.length > 1000) return 'mreg.json lists 1-1000 files';
  for (const f of manifest.files) {
    if (typeof f?.path !== 'string' || filePathProblem(f.path))
      return `mreg.json has an invalid path ${JSON.stringify(f?.path)}`;
    if (f.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(f.sha256))
      return `mreg.json has an invalid sha256 for ${f.path}`;
  }
  return manifest;
}

async function registerManifest(
  ctx: RegistryContext,
  event: ObjectCreatedEvent,
  writer: string,
  model: string,
  manifestPath: string,
): Promise<ObjectCreatedOutcome> {
  const actor = dropInActor(writer);
  const batchDir = manifestPath.slice(0, manifestPath.length - MANIFEST_NAME.length);
  const text = Buffer.from(
    await new Response(await ctx.objects.read(event.key, { ifMatch: event.etag })).arrayBuffer(),
  ).toString('utf8');
  const manifest = parseManifest(text);
  if (typeof manifest === 'string') return { kind: 'rejected', reason: manifest };
  const sources = new Map<string, ObjectCreatedEvent>();
  const files: CreateVersionInput['files'] = [];
  for (const f of manifest.files) {
    const key = `${INCOMING_PREFIX}${model}/${batchDir}${f.path}`;
    const head = await ctx.objects.head(key);
    if (!head)
      return {
        kind: 'rejected',
        reason: `mreg.json lists ${f.path}, which is not in ${INCOMING_PREFIX}${model}/${batchDir}`,
      };
    const digest = await digestWhole(ctx, key, head);
    if (f.sha256 !== undefined && f.sha256 !== digest.sha256)
      return { kind: 'rejected', reason: `${f.path}: sha256 ${digest.sha256} does not match mreg.json` };
    files.push({ path: f.path, size: digest.size, sha256: digest.sha256 });
    sources.set(digest.sha256, { key, etag: head.etag, size: digest.size });
  }
  await ensureModel(ctx, actor, model, manifest.intent !== 'create_version');
  const input: CreateVersionInput = { files };
  if (typeof manifest.label === 'string' && !labelProblem(manifest.label)) input.label = manifest.label;
  if (typeof manifest.description === 'string') input.description = manifest.description.slice(0, 10_000);
  if (typeof manifest.format === 'string' && /^[A-Za-z0-9._+-]{1,64}$/.test(manifest.format))
    input.format = manifest.format;
  return createAndFill(ctx, actor, model, input, dropInKey(event), sources);
}
