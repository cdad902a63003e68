/**
 * Corrupt uploads: wrong, short, extra and swapped bytes reach the staging keys (through the
 * signed URLs, and straight into storage as a store that checks nothing would let them), then
 * the object-created events, a commit and a retried commit arrive. None may ever be READY.
 */
import { randomBytes } from 'node:crypto';
import { keys } from '../../../shared/domain/keys.js';
import type { VersionRow } from '../../../shared/service/records.js';
import type { Registry } from '../backend.js';
import { deliverAll } from '../delivery-queue.js';
import { ADMIN } from '../principal-header.js';
import { type LocalFile, RegistryClient, sha256 } from '../registry-client.js';
import { download } from './event-replay.js';

export interface CorruptUploadFigures {
  cases: number;
  ready: number;
  /** Versions whose staged bytes were rewritten (through the still-valid signed URL) while commit ran. */
  rewriteCases: number;
  /** ... of which became READY with blob bytes that do not hash to the declared sha256. */
  readyWithWrongBytes: number;
}

type Corruption = 'wrong' | 'short' | 'extra' | 'swapped';
type Route = 'signedUrl' | 'direct';

const SIZE = 2048;

/** The bytes that actually arrive for each declared file. */
function corrupt(kind: Corruption, files: LocalFile[]): Uint8Array[] {
  const [a, b] = files;
  if (!a || !b) throw new Error('two files expected');
  switch (kind) {
    case 'wrong': {
      const bad = new Uint8Array(a.bytes);
      bad[SIZE >> 1] = (bad[SIZE >> 1] ?? 0) ^ 0xff;
      return [bad, b.bytes];
    }
    case 'short':
      return [a.bytes.subarray(0, SIZE - 1), b.bytes];
    case 'extra':
      return [a.bytes, Buffer.concat([b.bytes, Buffer.from([0])])];
    case 'swapped':
      return [b.bytes, a.bytes];
  }
}

export async function corruptUploads(reg: Registry, rewriteAttempts = 6): Promise<CorruptUploadFigures> {
  const client = new RegistryClient(reg);
  const model = `corrupt-${reg.backend}`;
  await client.createModel(model);
  const figures: CorruptUploadFigures = { cases: 0, ready: 0, rewriteCases: 0, readyWithWrongBytes: 0 };
  for (const kind of ['wrong', 'short', 'extra', 'swapped'] as const)
    for (const route of ['signedUrl', 'direct'] as const) {
      figures.cases++;
      if (await corruptCase(reg, client, model, kind, route)) figures.ready++;
    }
  for (let i = 0; i < rewriteAttempts; i++) {
    const outcome = await rewriteDuringCommit(reg, client, model);
    if (outcome === 'not-applicable') break;
    figures.rewriteCases++;
    if (outcome) figures.readyWithWrongBytes++;
  }
  return figures;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Uploads the right bytes, then keeps PUTting other bytes of the same size to the same signed
 * URL (valid for an hour) while the commit verifies and moves them. Returns true when the
 * version became READY although its blob does not hash to the declared sha256: the bytes
 * were checked, then different bytes were copied into the content-addressed area.
 */
async function rewriteDuringCommit(
  reg: Registry,
  client: RegistryClient,
  model: string,
): Promise<boolean | 'not-applicable'> {
  const good = randomBytes(SIZE);
  const bad = randomBytes(SIZE);
  const created = await client.createVersion(model, [{ path: 'weights.bin', bytes: good }]);
  const instruction = created.body.uploads[0];
  if (created.status !== 201 || !instruction) throw new Error(`rewrite: create answered ${created.status}`);
  // A URL that signs the digest (S3's x-amz-checksum-sha256) makes the service refuse other
  // bytes outright. s3rver checks nothing and rewrites objects in place, so there the race
  // measures s3rver, not the registry; the pinned copy itself is checked by check-then-copy.
  if (Object.keys(instruction.headers ?? {}).some((h) => h.toLowerCase() === 'x-amz-checksum-sha256'))
    return 'not-applicable';
  await client.upload(instruction, good);
  let committing = true;
  const attacker = (async () => {
    for (let n = 0; committing && n < 5000; n++) {
      // A refused or dropped PUT is the storage defending itself: the attack goes on until commit ends.
      await client.upload(instruction, n % 2 === 0 ? bad : good).catch(() => pause(5));
    }
  })();
  await pause(2);
  await client.commit(model, created.body.version.version).finally(() => {
    committing = false;
  });
  await attacker;
  const n = created.body.version.version;
  const after = await client.json<{ state?: string }>('GET', `/v1/models/${model}/versions/${n}`, { as: ADMIN });
  if (after.body.state !== 'READY') return false;
  const bytes = await download(client, reg, model, n, 'weights.bin');
  return bytes === undefined || sha256(bytes) !== sha256(good);
}

/** Returns true when the corrupt version became READY (a failure of the registry). */
async function corruptCase(
  reg: Registry,
  client: RegistryClient,
  model: string,
  kind: Corruption,
  route: Route,
): Promise<boolean> {
  const files: LocalFile[] = [
    { path: 'weights.bin', bytes: randomBytes(SIZE) },
    { path: 'config.bin', bytes: randomBytes(SIZE) },
  ];
  const created = await client.createVersion(model, files);
  if (created.status !== 201) throw new Error(`corrupt ${kind}: create answered ${created.status}`);
  const n = created.body.version.version;
  const arriving = corrupt(kind, files);
  const row = await reg.metadata.get<VersionRow>(keys.model(model), keys.version(n));
  const pending = row?.data.pending ?? [];
  const stagingKeys: string[] = [];
  for (const [i, file] of files.entries()) {
    const bytes = arriving[i] ?? new Uint8Array();
    // A case that finds nowhere to write its bytes tests nothing: it fails the run.
    const upload = pending.find((p) => p.sha256 === (created.body.version.files[i]?.sha256 ?? ''));
    if (!upload) throw new Error(`corrupt ${kind}/${route}: no pending upload for ${file.path}`);
    stagingKeys.push(upload.stagingKey);
    if (route === 'direct') await reg.putObject(upload.stagingKey, bytes);
    else {
      const instruction = created.body.uploads.find((u) => u.path === file.path);
      if (!instruction) throw new Error(`corrupt ${kind}/${route}: no upload instruction for ${file.path}`);
      const status = await client.upload(instruction, bytes);
      // Storage that refuses bytes (a signed checksum or length) defends the registry too; anything else must land.
      if (status >= 300 && status !== 400 && status !== 403)
        throw new Error(`corrupt ${kind}/${route}: the PUT answered ${status}`);
    }
  }
  // The platform's notifications for the staged objects, then the client's commit (twice).
  const events = [];
  for (const key of stagingKeys) {
    const head = await reg.objects.head(key);
    if (head) events.push({ key, size: head.size, etag: head.etag });
  }

  await deliverAll(reg, [...events, ...events]);
  await client.commit(model, n);
  await client.commit(model, n);
  const after = await client.json<{ state?: string }>('GET', `/v1/models/${model}/versions/${n}`, { as: ADMIN });
  return after.body.state === 'READY' || after.body.state === 'ARCHIVED';
}
