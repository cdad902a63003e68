/**
 * The S3 production path on a server that has it: HEAD reports `ChecksumSHA256` (the checksum
 * shim in front of s3rver), so commit skips hashing and reads no staged byte; other bytes PUT
 * through the signed URL are refused with 400 as S3 refuses them. On s3rver alone the same flow
 * hashes, which shows the count of staged reads measures hashing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../reliability/backend.js';
import { awsBackend } from '../reliability/backends/aws-backend.js';
import { s3ChecksumPath } from '../reliability/sections/s3-checksum-path.js';

let backend: Backend;
beforeAll(async () => {
  backend = await awsBackend();
});
afterAll(async () => backend?.stop());

describe('the S3 checksum path', () => {
  it('with S3 checksums on HEAD: READY without reading a staged byte; other bytes refused with 400', async () => {
    expect(await s3ChecksumPath(backend, { cases: 3, checksums: true })).toEqual({
      commits: 3,
      ready: 3,
      stagedReads: 0,
      badDigestsRefused: 3,
      badDigestAttempts: 3,
    });
  });

  it('without them (s3rver alone): the registry hashes the staged bytes itself', async () => {
    const figures = await s3ChecksumPath(backend, { cases: 2, checksums: false });
    expect(figures).toMatchObject({ commits: 2, ready: 2, badDigestsRefused: 0 });
    expect(figures.stagedReads).toBeGreaterThanOrEqual(2);
  });
});
