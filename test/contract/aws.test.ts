/**
 * The contract suites against the AWS adapters: DynamoDB Local and s3rver, started here on
 * free ports; and the ObjectStore suite again through the checksum shim in front of s3rver
 * (test/support/aws/checksum-shim.ts), where HEAD reports the SHA-256 as S3 does.
 */
import { afterAll, beforeAll } from 'vitest';
import { DynamoMetadataStore } from '../../functions/aws/dynamo-metadata-store.js';
import { S3ObjectStore } from '../../functions/aws/s3-object-store.js';
import { type ChecksumShim, startChecksumShim } from '../support/aws/checksum-shim.js';
import {
  type DynamoLocalHandle,
  type S3rverHandle,
  s3rverClient,
  startDynamoLocal,
  startS3rver,
} from '../support/aws/servers.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';
import { describeMetricSeriesContract } from './metric-series.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';

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
