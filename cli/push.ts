/**
 * `mreg push`: hash the files, declare them, send only the bytes the registry lacks straight
 * to storage (single PUTs and multipart parts in parallel, each retried with backoff), then
 * commit and wait for READY. An interrupted push resumes: running it again finds its local
 * state (the idempotency key, so the registry replays the same version) and asks the
 * registry which parts it already holds; the registry's SHA-256 check at commit verifies the
 * whole file however many runs its parts took.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { CliError, IntegrityError, RegistryRequestError, UsageError } from './errors.js';
import { type LocalFile, sha256OfFile } from './files.js';
import type { HashCache } from './hash-cache.js';
import { inParallel } from './pool.js';
import type { ByteProgress } from './progress.js';
import type { PushState, PushStateStore } from './push-state.js';
import { RegistryClient, type UploadInstruction, type VersionView } from './registry-client.js';
import { DEFAULT_RETRY, type RetryPolicy, type RetryVerdict, sleep, withRetry } from './retry.js';
import { StorageError, storageVerdict } from './storage.js';

export { sha256OfFile } from './files.js';

export type ProgressFactory = (phase: 'hashing' | 'uploading' | 'downloading', totalBytes: number) => ByteProgress;

const SILENT_PROGRESS: ProgressFactory = () => ({
  add: () => undefined,
  detail: () => undefined,
  stop: () => undefined,
});

export interface PushOptions {
  model: string;
  /** Absolute paths (their path in the version is relative to `root`), or files already collected. */
  files: string[] | LocalFile[];
  root?: string;
  label?: string;
  description?: string;
  format?: string;
  runId?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  transientTtlSeconds?: number;
  /** Files larger than this go up in parts of this size; unset: the registry decides. */
  partSize?: number;
  /** Uploads in flight at once (single files and parts alike). */
  concurrency?: number;
  hashCache?: HashCache;
  /** Where interrupted pushes are remembered; without one, nothing resumes across runs. */
  state?: PushStateStore;
  /** The command line that resumes this push, kept in the state for `mreg status`. */
  command?: string;
  /** Creates the model when it does not exist yet. */
  createModel?: boolean;
  progress?: ProgressFactory;
  /** Told about what a person would want to know: resuming, retries, verification. */
  notify?: (message: string) => void;
  retry?: RetryPolicy;
}

export interface PushResult {
  version: VersionView;
  files: number;
  totalBytes: number;
  /** Bytes sent to storage by this run. */
  uploadedBytes: number;
  /** Bytes the registry already held (another version has them): not sent. */
  heldBytes: number;
  /** Bytes of parts an earlier, interrupted run already uploaded. */
  resumedBytes: number;
  /** The registry answered with a version it had already made for this push. */
  replayed: boolean;
}

/** A push's model does not exist (and `createModel` was not set). */
export class MissingModelError extends CliError {
  constructor(readonly model: string) {
    super(`model "${model}" does not exist`, 3, [
      `add --create to create it with this push, or run: mreg models create ${model}`,
    ]);
    this.name = 'MissingModelError';
  }
}

interface Created {
  version: VersionView;
  uploads: UploadInstruction[];
}

interface HeldParts {
  partSize: number;
  partCount: number;
  parts: Array<{ partNumber: number; size: number; etag: string }>;
}

const bareEtag = (etag: string | null | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '');

function asLocalFiles(files: string[] | LocalFile[], root: string | undefined): LocalFile[] {
  return files.map((f) => {
    if (typeof f !== 'string') return f;
    if (!root) throw new UsageError('push needs a root directory for file paths');
    return { file: f, path: relative(root, f).split(sep).join('/'), size: -1 };
  });
}

/** A file's byte range as a web stream that counts what it hands over. */
function rangeStream(file: string, start: number, length: number, counted: { bytes: number }, progress: ByteProgress) {
  const source = createReadStream(file, {
    start,
    end: start + length - 1,
    highWaterMark: 4 * 1024 * 1024,
  });
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted.bytes += chunk.length;
      progress.add(chunk.length);
      done(null, chunk);
    },
  });
  source.on('error', (e) => counting.destroy(e));
  return Readable.toWeb(length === 0 ? Readable.from([]) : source.pipe(counting)) as ReadableStream;
}

async function putBytes(
  url: string,
  headers: Record<string, string>,
  body: ReadableStream,
  size: number,
  signal: AbortSignal,
): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers: { ...headers, 'content-length': String(size) },
      body,
      duplex: 'half',
      signal,
    } as RequestInit);
  } catch (e) {
    throw new StorageError(0, 'PUT', url, e);
  }
  if (res.status >= 300) throw new StorageError(res.status, 'PUT', url, await res.text().catch(() => ''));
  await res.body?.cancel();
  return bareEtag(res.headers.get('etag'));
}

/** Signs part URLs in batches, ahead of the uploads that need them; re-signs one that expired. */
class PartSigner {
  private readonly signed = new Map<number, Promise<{ url: string; headers: Record<string, string> }>>();
  private readonly order: Map<number, number>;

  constructor(
    private readonly client: RegistryClient,
    private readonly versionPath: string,
    private readonly path: string,
    /** The part numbers still to upload, in order: batches follow it. */
    private readonly wanted: number[],
  ) {
    this.order = new Map(wanted.map((n, i) => [n, i]));
  }

  url(partNumber: number, fresh = false): Promise<{ url: string; headers: Record<string, string> }> {
    if (fresh) this.signed.delete(partNumber);
    const known = this.signed.get(partNumber);
    if (known) return known;
    const from = this.order.get(partNumber) ?? -1;
    const batch = (from < 0 ? [partNumber] : this.wanted.slice(from, from + 100)).filter(
      (n) => n === partNumber || !this.signed.has(n),
    );
    const request = this.client
      .call<{ parts: Array<{ partNumber: number; url: string; headers: Record<string, string> }> }>(
        'POST',
        `${this.versionPath}/parts`,
        { path: this.path, partNumbers: batch },
        {},
        { retry: true },
      )
      .then(({ body }) => new Map(body.parts.map((p) => [p.partNumber, { url: p.url, headers: p.headers ?? {} }])));
    for (const n of batch)
      this.signed.set(
        n,
        request.then((parts) => {
          const part = parts.get(n);
          if (!part) throw new CliError(`the registry signed no URL for part ${n} of ${this.path}`);
          return part;
        }),
      );
    // A failed signing must not stay cached.
    request.catch(() => {
      for (const n of batch) this.signed.delete(n);
    });
    return this.signed.get(partNumber) as Promise<{ url: string; headers: Record<string, string> }>;
  }
}

type UploadTask =
  | { kind: 'put'; source: LocalFile & { sha256: string }; upload: UploadInstruction }
  | {
      kind: 'part';
      source: LocalFile & { sha256: string };
      signer: PartSigner;
      partNumber: number;
      start: number;
      length: number;
    };

export async function push(client: RegistryClient, options: PushOptions): Promise<PushResult> {
  const progress = options.progress ?? SILENT_PROGRESS;
  const notify = options.notify ?? (() => undefined);
  const policy = options.retry ?? DEFAULT_RETRY;
  const local = asLocalFiles(options.files, options.root);

  // 1. Hash (the cache makes identical bytes free).
  const sizes = await Promise.all(local.map(async (f) => (f.size >= 0 ? f.size : (await stat(f.file)).size)));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const hashing = progress('hashing', totalBytes);
  const declared: Array<LocalFile & { sha256: string }> = new Array(local.length);
  try {
    await inParallel(
      local.map((f, i) => ({ f, i })),
      4,
      async ({ f, i }) => {
        hashing.detail(f.path);
        let hashed = 0;
        const compute = (p: string) =>
          sha256OfFile(p, (n) => {
            hashed += n;
            hashing.add(n);
          });
        const digest = options.hashCache ? await options.hashCache.digest(f.file, compute) : await compute(f.file);
        if (hashed === 0) hashing.add(digest.size);
        declared[i] = { ...f, size: digest.size, sha256: digest.sha256 };
      },
    );
  } finally {
    hashing.stop();
  }
  await options.hashCache?.save();

  const body: Record<string, unknown> = {
    files: declared.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
  };
  if (options.label) body.label = options.label;
  if (options.description) body.description = options.description;
  if (options.format) body.format = options.format;
  if (options.runId) body.runId = options.runId;
  if (options.tags && Object.keys(options.tags).length > 0) body.tags = options.tags;
  if (options.properties && Object.keys(options.properties).length > 0) body.properties = options.properties;
  if (options.transientTtlSeconds !== undefined)
    Object.assign(body, { retention: 'transient', ttlSeconds: options.transientTtlSeconds });
  if (options.partSize !== undefined) body.partSize = options.partSize;

  // 2. Declare, under the key of an interrupted run of this very push if there is one.
  const store = options.state;
  const stateKey = store?.keyOf(client.baseUrl, options.model, body) ?? '';
  let state: PushState | undefined = store ? await store.load(stateKey) : undefined;
  if (state)
    notify(`resuming the push interrupted on ${state.startedAt}${state.version ? ` (version ${state.version})` : ''}`);
  state ??= freshState(client, options);
  await store?.save(stateKey, state);

  const modelPath = RegistryClient.modelPath(options.model);
  const declare = () =>
    client.call<Created>('POST', `${modelPath}/versions`, body, {
      'idempotency-key': (state as PushState).idempotencyKey,
    });
  let created: { status: number; body: Created };
  try {
    created = await declare();
  } catch (e) {
    // Refused outright: no version exists, so there is nothing to resume.
    if (e instanceof RegistryRequestError && e.status < 500 && e.status !== 408 && e.status !== 429)
      await store?.remove(stateKey);
    if (!(e instanceof RegistryRequestError && e.status === 404)) throw e;
    if (!options.createModel) throw new MissingModelError(options.model);
    try {
      await client.call('POST', '/v1/models', { name: options.model });
      notify(`created model ${options.model}`);
    } catch (createError) {
      // Someone else created it meanwhile: fine.
      if (!(createError instanceof RegistryRequestError && createError.status === 409)) throw createError;
    }
    await store?.save(stateKey, state);
    created = await declare();
  }
  let replayed = created.status === 200;
  if (replayed && created.body.version.state === 'FAILED') {
    // The interrupted run's version failed verification: this run makes a new one.
    notify(`version ${created.body.version.version} of the interrupted push failed verification; pushing anew`);
    state = freshState(client, options);
    await store?.save(stateKey, state);
    created = await declare();
    replayed = false;
  }
  const version = created.body.version;
  state.version = version.version;
  await store?.save(stateKey, state);
  const versionPath = `${modelPath}/versions/${version.version}`;
  const finish = async (v: VersionView, sent: number, resumed: number): Promise<PushResult> => {
    await store?.remove(stateKey);
    const uploadedPaths = new Set(created.body.uploads.map((u) => u.path));
    const heldBytes = replayed ? 0 : declared.filter((d) => !uploadedPaths.has(d.path)).reduce((a, d) => a + d.size, 0);
    return {
      version: v,
      files: declared.length,
      totalBytes,
      uploadedBytes: sent,
      heldBytes,
      resumedBytes: resumed,
      replayed,
    };
  };
  if (version.state === 'READY') return finish(version, 0, 0);

  // 3. Upload what the registry lacks, skipping parts an earlier run already delivered.
  const tasks: UploadTask[] = [];
  let resumedBytes = 0;
  for (const upload of created.body.uploads) {
    const source = declared.find((d) => d.path === upload.path);
    if (!source) continue;
    if (!upload.multipart) {
      tasks.push({ kind: 'put', source, upload });
      continue;
    }
    const { uploadId, partSize, partCount } = upload.multipart;
    const known = state.parts[upload.path];
    const etags = known?.uploadId === uploadId ? known.etags : {};
    state.parts[upload.path] = { uploadId, partSize, etags };
    const { body: held } = await client.call<HeldParts>(
      'GET',
      `${versionPath}/parts?path=${encodeURIComponent(upload.path)}`,
    );
    const lengthOf = (n: number) => Math.min(partSize, source.size - (n - 1) * partSize);
    const done = new Set(
      held.parts
        .filter((p) => p.size === lengthOf(p.partNumber))
        // A part this run's state saw acknowledged with another ETag is not the one we sent.
        .filter((p) => etags[p.partNumber] === undefined || etags[p.partNumber] === bareEtag(p.etag))
        .map((p) => p.partNumber),
    );
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n));
    for (const n of done) resumedBytes += lengthOf(n);
    if (done.size > 0)
      notify(
        `${upload.path}: ${done.size} of ${partCount} parts already uploaded, sending the other ${missing.length}`,
      );
    const signer = new PartSigner(client, versionPath, upload.path, missing);
    for (const n of missing)
      tasks.push({ kind: 'part', source, signer, partNumber: n, start: (n - 1) * partSize, length: lengthOf(n) });
  }
  await store?.save(stateKey, state);

  const toSend = tasks.reduce((a, t) => a + (t.kind === 'put' ? t.source.size : t.length), 0);
  const uploading = progress('uploading', toSend);
  let sent = 0;
  let saving: Promise<void> = Promise.resolve();
  const saveState = () => {
    saving = saving.then(() => store?.save(stateKey, state as PushState)).catch(() => undefined);
  };
  let refreshedUploads: Promise<Map<string, UploadInstruction>> | undefined;
  const freshPutUrl = async (path: string) => {
    refreshedUploads ??= declare().then((r) => new Map(r.body.uploads.map((u) => [u.path, u])));
    return (await refreshedUploads).get(path);
  };
  try {
    await inParallel(tasks, Math.max(1, options.concurrency ?? 8), async (task, signal) => {
      const counted = { bytes: 0 };
      let expired = false;
      await withRetry(
        async () => {
          counted.bytes = 0;
          uploading.detail(task.source.path);
          if (task.kind === 'put') {
            const upload = expired ? ((await freshPutUrl(task.upload.path)) ?? task.upload) : task.upload;
            const stream = rangeStream(task.source.file, 0, task.source.size, counted, uploading);
            await putBytes(upload.url ?? '', upload.headers ?? {}, stream, task.source.size, signal);
            return;
          }
          const signed = await task.signer.url(task.partNumber, expired);
          const stream = rangeStream(task.source.file, task.start, task.length, counted, uploading);
          const etag = await putBytes(signed.url, signed.headers, stream, task.length, signal);
          const entry = (state as PushState).parts[task.source.path];
          if (entry && etag) entry.etags[task.partNumber] = etag;
          saveState();
        },
        (error): RetryVerdict => {
          if (signal.aborted) return { retry: false };
          const verdict = storageVerdict(error);
          expired = verdict.retry && error instanceof StorageError && error.status === 403;
          return verdict;
        },
        policy,
        (error, attempt, delay) => {
          uploading.add(-counted.bytes);
          const what = task.kind === 'part' ? `part ${task.partNumber} of ${task.source.path}` : task.source.path;
          notify(`${what}: ${(error as Error).message}; retry ${attempt} in ${(delay / 1000).toFixed(1)}s`);
        },
      );
      sent += task.kind === 'put' ? task.source.size : task.length;
    });
  } finally {
    uploading.stop();
    await saving;
  }

  // 4. Commit, then wait while the registry verifies what it could not check inline.
  const committed = await commit(client, versionPath, notify);
  if (committed.state !== 'READY') {
    await store?.remove(stateKey);
    throw new IntegrityError(
      `version ${committed.version} of ${options.model} is ${committed.state}: ${committed.verification?.reasons.join('; ') || 'verification failed'}`,
    );
  }
  return finish(committed, sent, resumedBytes);
}

function freshState(client: RegistryClient, options: PushOptions): PushState {
  return {
    url: client.baseUrl,
    model: options.model,
    idempotencyKey: `mreg-push-${randomUUID()}`,
    startedAt: new Date().toISOString(),
    ...(options.command ? { command: options.command } : {}),
    parts: {},
  };
}

async function commit(client: RegistryClient, versionPath: string, notify: (m: string) => void): Promise<VersionView> {
  let result: { status: number; body: VersionView } | undefined;
  for (let attempt = 0; !result; attempt++) {
    try {
      result = await client.call<VersionView>('POST', `${versionPath}/commit`, undefined, {}, { retry: true });
    } catch (e) {
      if (!(e instanceof RegistryRequestError) || e.status !== 409) throw e;
      const detail = e.problem.detail ?? '';
      if (/verification failed|failed verification/.test(detail))
        throw new IntegrityError(detail, ['the bytes in storage are not the bytes that were hashed; push again']);
      // The bytes changed under a verification that was running: commit again, a few times.
      if (/commit again/.test(detail) && attempt < 3) {
        await sleep(500 * (attempt + 1));
        continue;
      }
      throw e;
    }
  }
  let version = result.body;
  if (version.state === 'PENDING') notify('the registry is verifying the upload…');
  const started = Date.now();
  let told = started;
  for (let wait = 200; version.state === 'PENDING'; wait = Math.min(wait * 1.5, 2000)) {
    await sleep(wait);
    version = (await client.call<VersionView>('GET', versionPath)).body;
    if (Date.now() - told > 60_000) {
      told = Date.now();
      notify(
        `still verifying after ${Math.round((told - started) / 1000)} s; it is safe to stop waiting: \`mreg versions show ${version.model}@${version.version}\` tells when it is READY`,
      );
    }
  }
  return version;
}
