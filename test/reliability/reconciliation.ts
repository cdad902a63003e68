/**
 * The independent checks every section ends with: each READY version's blobs are present in
 * storage (HEAD) and still claimed (BLOB row HELD, REF row present); after the sweeper ran
 * past every grace period, no object under the prefix is unaccounted for.
 */
import { keys, objectKeys } from '../../shared/domain/keys.js';
import { RegistryError } from '../../shared/errors.js';
import type { BlobRow } from '../../shared/service/records.js';
import type { Registry } from './backend.js';
import { ADMIN } from './principal-header.js';

export interface VersionRef {
  model: string;
  version: number;
  state: string;
  tags: Record<string, string>;
  files: Array<{ path: string; size: number; sha256: string }>;
}

export interface BytesCheck {
  ready: number;
  /** READY (or ARCHIVED) versions with a blob missing from storage or of the wrong size. */
  readyWithoutBytes: number;
  /** READY versions whose blob is not HELD or carries no REF row for them: the collector may take the bytes. */
  readyUnclaimed: number;
}

/** Models the catalog lists whose model row is missing (a reservation left by a create that failed). */
export interface ListingProblems {
  phantomModels: string[];
}

export async function allVersions(reg: Registry, problems?: ListingProblems): Promise<VersionRef[]> {
  const out: VersionRef[] = [];
  const models: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await reg.registry.models.list(ADMIN, { pageSize: '1000', ...(token ? { pageToken: token } : {}) });
    models.push(...res.items.map((m) => m.name));
    if (!res.nextPageToken) break;
    token = res.nextPageToken;
  }
  for (const model of models) {
    let vtoken: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const res = await reg.registry.versions
        .list(ADMIN, model, { pageSize: '1000', ...(vtoken ? { pageToken: vtoken } : {}) })
        .catch((e: unknown) => {
          if (e instanceof RegistryError && e.kind === 'not-found') return undefined;
          throw e;
        });
      if (!res) {
        problems?.phantomModels.push(model);
        break;
      }
      for (const v of res.items) {
        const full = await reg.registry.versions.get(ADMIN, model, String(v.version));
        out.push({ model, version: v.version, state: full.state, tags: full.tags, files: full.files });
      }
      if (!res.nextPageToken) break;
      vtoken = res.nextPageToken;
    }
  }
  return out;
}

export async function checkReadyBytes(reg: Registry, versions?: VersionRef[]): Promise<BytesCheck> {
  const all = versions ?? (await allVersions(reg));
  const blobKey = objectKeys(reg.prefix).blob;
  const check: BytesCheck = { ready: 0, readyWithoutBytes: 0, readyUnclaimed: 0 };
  for (const v of all) {
    if (v.state !== 'READY' && v.state !== 'ARCHIVED') continue;
    check.ready++;
    let missing = false;
    let unclaimed = false;
    for (const file of v.files) {
      const head = await reg.objects.head(blobKey(file.sha256));
      if (!head || head.size !== file.size) missing = true;
      const [blob, ref] = await Promise.all([
        reg.metadata.get<BlobRow>(keys.blob(file.sha256), keys.meta),
        reg.metadata.get(keys.blob(file.sha256), keys.blobRef(v.model, v.version)),
      ]);
      if (blob?.data.state !== 'HELD' || !ref) unclaimed = true;
    }
    if (missing) check.readyWithoutBytes++;
    if (unclaimed) check.readyUnclaimed++;
  }
  return check;
}

export interface OrphanCheck {
  /** Blob objects with no BLOB row or no REF row, and staged uploads, left after the sweep. */
  orphans: number;
  blobsWithoutRow: number;
  unreferencedBlobs: number;
  stagedLeft: number;
  /** Sweeps that threw (the sweeper must finish with faults off); the error of the last one. */
  sweepErrors: number;
  sweepError?: string;
}

async function listAll(reg: Registry, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await reg.objects.list(prefix, { limit: 1000, ...(after ? { after } : {}) });
    out.push(...res.items.map((i) => i.key));
    if (!res.lastKey) break;
    after = res.lastKey;
  }
  return out;
}

/** Moves the clock past every grace period and timeout, sweeps, and counts what is left unaccounted for. */
export async function sweepAndCountOrphans(reg: Registry): Promise<OrphanCheck> {
  const s = reg.registry.context.settings;
  reg.clock.advance(s.pendingTimeoutSeconds + s.blobGraceSeconds + 3600);
  const check: OrphanCheck = { orphans: 0, blobsWithoutRow: 0, unreferencedBlobs: 0, stagedLeft: 0, sweepErrors: 0 };
  // Twice: the second pass collects what the first one's reconciliation released.
  for (let pass = 0; pass < 2; pass++)
    await reg.registry.sweep().catch((e: unknown) => {
      check.sweepErrors++;
      check.sweepError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    });
  const ok = objectKeys(reg.prefix);
  for (const key of await listAll(reg, ok.blobPrefix)) {
    const sha = key.slice(ok.blobPrefix.length);
    const [blob, refs] = await Promise.all([
      reg.metadata.get<BlobRow>(keys.blob(sha), keys.meta),
      reg.metadata.query(keys.blob(sha), { prefix: keys.blobRefPrefix, limit: 1 }),
    ]);
    if (!blob) check.blobsWithoutRow++;
    else if (refs.items.length === 0) check.unreferencedBlobs++;
  }
  check.stagedLeft = (await listAll(reg, ok.stagingPrefix)).length;
  check.orphans = check.blobsWithoutRow + check.unreferencedBlobs + check.stagedLeft;
  return check;
}
