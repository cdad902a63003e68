/**
 * Dedup vs garbage collection: with a zero grace period, a blob no version references is
 * collectable at once. Versions claim such a blob (no upload needed) while the collector runs,
 * and every create is sent several times at once with the same `Idempotency-Key`. Afterwards
 * no READY version may lack its bytes, and no key may have produced two versions.
 */
import { randomBytes } from 'node:crypto';
import { collectBlobs } from '../../../shared/service/blobs.js';
import type { Registry } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { allVersions, checkReadyBytes } from '../reconciliation.js';
import { type CreatedBody, type LocalFile, RegistryClient, type Reply } from '../registry-client.js';

export interface DedupVsGcFigures {
  readyWithoutBytes: number;
  duplicateVersions: number;
  /** READY versions whose blob row is not HELD or has no REF for them (the next sweep would take the bytes). */
  readyUnclaimed: number;
  ready: number;
  errors5xx: number;
  /** `collectBlobs` runs (the collector racing the claims) that threw. */
  collectErrors: number;
  /** `collectBlobs` runs. */
  collections: number;
  /** The first collector errors, for the details line. */
  collectErrorExamples: string[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function dedupVsGc(
  reg: Registry,
  options: { rounds: number; claimers: number; retries: number; sweeps: number },
): Promise<DedupVsGcFigures> {
  const client = new RegistryClient(reg);
  const model = `dedup-${reg.backend}`;
  await client.createModel(model);
  let errors5xx = 0;
  let collections = 0;
  let collectErrors = 0;
  const collectErrorExamples: string[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const file: LocalFile = { path: 'shared.bin', bytes: randomBytes(1024 + round) };
    // Make the blob held and then unreferenced: collectable at once.
    const seed = await client.push(model, [file]);
    const removed = await client.request('DELETE', `/v1/models/${model}/versions/${seed.version}`, { as: ADMIN });
    if (removed.status !== 204) throw new Error(`dedup: delete answered ${removed.status}`);

    const sweeper = (async () => {
      for (let i = 0; i < options.sweeps; i++) {
        // The sweeper's blob collection (sweep() minus its transient-expiry scan, which is slow and beside the point here).
        collections++;
        await collectBlobs(reg.registry.context, { limit: 1000 }).catch((e: unknown) => {
          collectErrors++;
          if (collectErrorExamples.length < 3) collectErrorExamples.push(e instanceof Error ? e.message : String(e));
        });
        await pause(1);
      }
    })();
    const claimers = Array.from({ length: options.claimers }, async (_, i) => {
      const key = `round-${round}-claim-${i}`;
      const result = await createWithRetries(client, model, file, key, options.retries);
      errors5xx += result.errors5xx;
      const created = result.reply;
      if (!created) return;
      for (const u of created.body.uploads) await client.upload(u, file.bytes);
      for (let attempt = 0; attempt < 20; attempt++) {
        const committed = await client.commit(model, created.body.version.version);
        if (committed.status >= 500 && committed.status !== 503) errors5xx++;
        if (committed.status === 200 || (committed.status !== 503 && committed.status !== 202)) break;
        await pause(20);
      }
    });
    await Promise.all([sweeper, ...claimers]);
  }
  // One more collection with the grace period long over: an unclaimed blob would go now.
  reg.clock.advance(1);
  await reg.registry.sweep();
  const versions = await allVersions(reg);
  const bytes = await checkReadyBytes(reg, versions);
  const perKey = new Map<string, number>();
  for (const v of versions) {
    const key = v.tags.idempotencyKey;
    if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }
  let duplicateVersions = 0;
  for (const count of perKey.values()) duplicateVersions += count - 1;
  return {
    readyWithoutBytes: bytes.readyWithoutBytes,
    duplicateVersions,
    readyUnclaimed: bytes.readyUnclaimed,
    ready: bytes.ready,
    errors5xx,
    collectErrors,
    collections,
    collectErrorExamples,
  };
}

/** Sends the same create `retries` times at once (a client that timed out and retried), then settles in-progress answers. */
async function createWithRetries(
  client: RegistryClient,
  model: string,
  file: LocalFile,
  key: string,
  retries: number,
): Promise<{ reply: Reply<CreatedBody> | undefined; errors5xx: number }> {
  let errors5xx = 0;
  const send = () => client.createVersion(model, [file], { idempotencyKey: key, tags: { idempotencyKey: key } });
  const first = await Promise.all(Array.from({ length: retries }, send));
  errors5xx += first.filter((r) => r.status >= 500 && r.status !== 503).length;
  let reply = first.find((r) => r.status === 201 || r.status === 200);
  for (let attempt = 0; !reply && attempt < 40; attempt++) {
    await pause(25);
    const again = await send();
    if (again.status >= 500 && again.status !== 503) errors5xx++;
    if (again.status === 201 || again.status === 200) reply = again;
  }
  return { reply, errors5xx };
}
