/** One registry on the AWS adapters against the test servers, as the Lambda functions build it. */
import type { AwsConfig } from '../../../functions/aws/config.js';
import { type AwsRegistry, createRegistry } from '../../../functions/aws/runtime.js';
import {
  type DynamoLocalHandle,
  S3RVER_PRINCIPAL,
  type S3rverHandle,
  startDynamoLocal,
  startS3rver,
} from './servers.js';

export interface AwsTestBed {
  dynamo: DynamoLocalHandle;
  s3: S3rverHandle;
  config: AwsConfig;
  aws: AwsRegistry;
  /** Environment for the entry points (`functions/aws/*.ts`), which read their config from it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsTestBed(tableName = 'mreg-test'): Promise<AwsTestBed> {
  const [dynamo, s3] = await Promise.all([startDynamoLocal(), startS3rver()]);
  await dynamo.createTable(tableName);
  const config: AwsConfig = {
    tableName,
    bucket: s3.bucket,
    prefix: 'mreg/',
    // Drop-ins written with the test credentials may create models (deny by default otherwise).
    dropInPrincipals: [S3RVER_PRINCIPAL],
    endpoints: { s3: s3.endpoint, dynamodb: dynamo.endpoint },
  };
  const aws = createRegistry(config, { s3: s3.client, dynamodb: dynamo.client });
  const env = {
    MREG_TABLE_NAME: tableName,
    MREG_BUCKET: s3.bucket,
    MREG_PREFIX: 'mreg/',
    MREG_DROP_IN_PRINCIPALS: S3RVER_PRINCIPAL,
    MREG_S3_ENDPOINT: s3.endpoint,
    MREG_DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // Small enough that a test file goes multipart.
    MREG_MULTIPART_THRESHOLD_BYTES: String(8 * 1024 * 1024),
    // s3rver accepts only these; DynamoDB Local accepts any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
  return {
    dynamo,
    s3,
    config,
    aws,
    env,
    stop: async () => {
      await Promise.all([dynamo.stop(), s3.stop()]);
    },
  };
}
