/**
 * The S3 production path: the signed PUT carries `x-amz-checksum-sha256`, S3 checks the bytes
 * against it and HEAD reports it, so commit trusts that SHA-256 and reads no byte of the staged
 * object. s3rver has no checksums; the checksum shim in front of it (an honest stand-in for that
 * one S3 feature, test/support/aws/checksum-shim.ts) supplies them. Without the shim the same
 * flow must hash, which shows the read count measures what it names.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient, sha256 } from '../registry-client.js';
import { download } from './event-replay.js';

export interface ChecksumPathFigures {
  commits: number;
  /** Versions READY after their commit, with the right bytes behind them. */
  ready: number;
  /** Reads of staged (uploads/) objects while committing: hashing the registry did itself. */
  stagedReads: number;
  /** PUTs of other bytes through a signed URL that the storage refused (400 BadDigest, as S3 does). */
  badDigestsRefused: number;
  badDigestAttempts: number;
}

export async function s3ChecksumPath(
  backend: Backend,
  options: { cases: number; checksums: boolean },
): Promise<ChecksumPathFigures> {
  const figures: ChecksumPathFigures = {
    commits: 0,
    ready: 0,
    stagedReads: 0,
    badDigestsRefused: 0,
    badDigestAttempts: 0,
  };
  let committing = false;
  const reg = await backend.open({
    checksums: options.checksums,
    onRead: (key) => {
      if (committing && key.includes('/uploads/')) figures.stagedReads++;
    },
  });
  try {
    const client = new RegistryClient(reg);
    const model = `checksums-${options.checksums ? 'shim' : 'plain'}`;
    await client.createModel(model);
    for (let i = 0; i < options.cases; i++) {
      const bytes = randomBytes(1024 + i * 512);
      const created = await client.createVersion(model, [{ path: 'model.bin', bytes }]);
      const instruction = created.body.uploads[0];
      if (created.status !== 201 || !instruction) throw new Error(`checksum path: create answered ${created.status}`);
      // Other bytes of the same size through the same signed URL: S3 refuses them.
      figures.badDigestAttempts++;
      if ((await client.upload(instruction, randomBytes(bytes.length))) === 400) figures.badDigestsRefused++;
      const put = await client.upload(instruction, bytes);
      if (put >= 300) throw new Error(`checksum path: the signed PUT answered ${put}`);
      const n = created.body.version.version;
      committing = true;
      const committed = await client.commit(model, n).finally(() => {
        committing = false;
      });
      figures.commits++;
      if (committed.status !== 200) continue;
      const after = await client.json<{ state?: string }>('GET', `/v1/models/${model}/versions/${n}`, { as: ADMIN });
      const stored = await download(client, reg, model, n, 'model.bin');
      if (after.body.state === 'READY' && stored && sha256(stored) === sha256(bytes)) figures.ready++;
    }
    return figures;
  } finally {
    await reg.close();
  }
}
