/**
 * What "never a corrupt state" means after a faulty run, checked with faults off: no
 * idempotency key produced two versions, every alias points at a READY version, every READY
 * version's blobs are claimed and hash to what the version declares.
 */
import { createHash } from 'node:crypto';
import { objectKeys } from '../../../shared/domain/keys.js';
import type { Registry } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { allVersions, checkReadyBytes, sweepAndCountOrphans } from '../reconciliation.js';

export interface StateFigures {
  corruptStates: number;
  orphansAfterSweep: number;
  readyWithoutBytes: number;
  /** Sweeps that threw with faults off. */
  sweepErrors: number;
  detail: {
    phantomModels: string[];
    sweepError?: string;
    versions: number;
    ready: number;
    duplicateVersions: number;
    badAliases: number;
    readyUnclaimed: number;
    wrongBytes: number;
    orphans: { blobsWithoutRow: number; unreferencedBlobs: number; stagedLeft: number };
  };
}

async function hashOf(reg: Registry, key: string): Promise<string | undefined> {
  try {
    const hash = createHash('sha256');
    const reader = (await reg.objects.read(key)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
    }
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

export async function checkState(reg: Registry, model: string): Promise<StateFigures> {
  const listing = { phantomModels: [] as string[] };
  const versions = await allVersions(reg, listing);
  const perKey = new Map<string, number>();
  for (const v of versions) {
    const key = v.tags.idempotencyKey;
    if (key) perKey.set(`${v.model}/${key}`, (perKey.get(`${v.model}/${key}`) ?? 0) + 1);
  }
  let duplicateVersions = 0;
  for (const count of perKey.values()) duplicateVersions += count - 1;

  let badAliases = 0;
  const m = await reg.registry.models.get(ADMIN, model);
  for (const [, version] of Object.entries(m.aliases)) {
    const target = versions.find((v) => v.model === model && v.version === version);
    if (!target || (target.state !== 'READY' && target.state !== 'ARCHIVED')) badAliases++;
  }

  let wrongBytes = 0;
  const blob = objectKeys(reg.prefix).blob;
  const hashed = new Map<string, string | undefined>();
  for (const v of versions) {
    if (v.state !== 'READY') continue;
    for (const f of v.files) {
      if (!hashed.has(f.sha256)) hashed.set(f.sha256, await hashOf(reg, blob(f.sha256)));
      const actual = hashed.get(f.sha256);
      if (actual !== undefined && actual !== f.sha256) wrongBytes++;
    }
  }
  const before = await checkReadyBytes(reg, versions);
  const orphans = await sweepAndCountOrphans(reg);
  const after = await checkReadyBytes(reg, versions);
  return {
    corruptStates: duplicateVersions + badAliases + before.readyUnclaimed + wrongBytes + listing.phantomModels.length,
    orphansAfterSweep: orphans.orphans,
    readyWithoutBytes: Math.max(before.readyWithoutBytes, after.readyWithoutBytes),
    sweepErrors: orphans.sweepErrors,
    detail: {
      phantomModels: listing.phantomModels,
      ...(orphans.sweepError ? { sweepError: orphans.sweepError } : {}),
      versions: versions.length,
      ready: before.ready,
      duplicateVersions,
      badAliases,
      readyUnclaimed: before.readyUnclaimed,
      wrongBytes,
      orphans: {
        blobsWithoutRow: orphans.blobsWithoutRow,
        unreferencedBlobs: orphans.unreferencedBlobs,
        stagedLeft: orphans.stagedLeft,
      },
    },
  };
}
