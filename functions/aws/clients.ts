/**
 * The SDK clients of one Lambda function, created once per execution environment, outside the
 * handler; a module of their own, so the API's entry constructs them without loading the adapters.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsConfig } from './config.js';

export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

/** Endpoint overrides point at local servers; their fixed test credentials come from the environment there. */
export function createClients(config: AwsConfig): AwsClients {
  return {
    s3: new S3Client({
      ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3, forcePathStyle: true } : {}),
      // Presigned URLs must not carry a checksum of an empty body; the registry hashes bytes itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    dynamodb: new DynamoDBClient(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
  };
}
