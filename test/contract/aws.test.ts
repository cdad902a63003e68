/**
 * The contract suites against the AWS adapters: DynamoDB Local and s3rver, started here on
 * free ports; and the ObjectStore suite again through the checksum shim in front of s3rver
 * (test/support/aws/checksum-shim.ts), where HEAD reports the SHA-256 as S3 does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMetadataStore } from '../../functions/aws/dynamo-metadata-store.js';
import { S3ObjectStore } from '../../functions/aws/s3-object-store.js';
import { type ChecksumShim, startChecksumShim } from '../support/aws/checksum-shim.js';
import { checkPresignedUrl } from '../support/aws/presigned-url-check.js';
import {
  type DynamoLocalHandle,
  S3RVER_CREDENTIALS,
  type S3rverHandle,
  s3rverClient,
  startDynamoLocal,
  startS3rver,
} from '../support/aws/servers.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';
import { describeMetricSeriesContract } from './metric-series.contract.js';
import { describeObjectStoreContract, sendSigned } from './object-store.contract.js';

let dynamo: DynamoLocalHandle;
let s3: S3rverHandle;
let shim: ChecksumShim;
let metadata: DynamoMetadataStore;
let objects: S3ObjectStore;
let checksummed: S3ObjectStore;

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([startDynamoLocal(), startS3rver()]);
  shim = await startChecksumShim(s3.endpoint);
  const tableName = await dynamo.createTable('mreg-contract');
  metadata = new DynamoMetadataStore({ client: dynamo.client, tableName });
  objects = new S3ObjectStore({ client: s3.client, bucket: s3.bucket });
  checksummed = new S3ObjectStore({ client: s3rverClient(shim.url), bucket: s3.bucket });
});

afterAll(async () => {
  await shim?.close();
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

describeMetadataStoreContract('DynamoDB Local', () => ({ store: metadata }));
describeMetricSeriesContract('DynamoDB Local', () => ({ store: metadata }));
describeObjectStoreContract('s3rver', () => ({ store: objects, prefix: 'mreg/' }));
describeObjectStoreContract('S3 checksum shim over s3rver', () => ({ store: checksummed, prefix: 'shim/' }));

describe('the checksum shim checks presigned URLs as S3 does', () => {
  it("answers S3's XML errors: SignatureDoesNotMatch for a tampered URL, AccessDenied once expired", async () => {
    const bytes = randomBytes(16);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const signed = await checksummed.presignPut('shim/signed.bin', { size: 16, sha256, expiresInSeconds: 60 });
    const accepted = shim.stats.presignedAccepted;
    expect((await sendSigned(signed, bytes)).status).toBe(200);
    expect(shim.stats.presignedAccepted).toBe(accepted + 1);

    const tampered = new URL(signed.url);
    tampered.searchParams.set('X-Amz-Expires', '61');
    const res = await fetch(tampered, { method: 'PUT', headers: signed.headers, body: bytes });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    // The same URL, checked now and two minutes on (it was signed for 60 s; no waiting on the clock).
    const { pathname, search } = new URL(signed.url);
    const request = {
      method: 'PUT',
      url: pathname + search,
      headers: { ...signed.headers, host: new URL(shim.url).host },
    };
    expect(await checkPresignedUrl(request, S3RVER_CREDENTIALS)).toBeUndefined();
    expect(await checkPresignedUrl(request, S3RVER_CREDENTIALS, new Date(Date.now() + 120_000))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
    });
  });
});
