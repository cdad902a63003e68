/**
 * Builds the registry for one Lambda function from its config: SDK clients (created once per
 * execution environment, outside the handler), adapters, and the core service.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { objectKeys } from '../../shared/domain/keys.js';
import type { RegistryPorts } from '../../shared/service/registry-api.js';
import { RegistryService } from '../../shared/service/registry-service.js';
import type { AwsConfig } from './config.js';
import { DynamoMetadataStore } from './dynamo-metadata-store.js';
import { S3ObjectStore } from './s3-object-store.js';
import { tableVerificationQueue } from './verification-queue.js';

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

export interface AwsRegistry {
  config: AwsConfig;
  clients: AwsClients;
  metadata: DynamoMetadataStore;
  objects: S3ObjectStore;
  registry: RegistryService;
}

/** The core's ports on AWS: DynamoDB metadata, S3 objects, verification through the table's queue. */
export function awsRegistryPorts(
  config: AwsConfig,
  clients: AwsClients,
): RegistryPorts & { metadata: DynamoMetadataStore; objects: S3ObjectStore } {
  const metadata = new DynamoMetadataStore({ client: clients.dynamodb, tableName: config.tableName });
  const objects = new S3ObjectStore({
    client: clients.s3,
    bucket: config.bucket,
    createOnlyPrefixes: [objectKeys(config.prefix).blobPrefix],
  });
  const settings: NonNullable<RegistryPorts['settings']> = { prefix: config.prefix };
  if (config.dropInPrincipals) settings.dropInPrincipals = config.dropInPrincipals;
  if (config.inlineHashMaxBytes !== undefined) settings.inlineHashMaxBytes = config.inlineHashMaxBytes;
  if (config.multipartThresholdBytes !== undefined) settings.multipartThresholdBytes = config.multipartThresholdBytes;
  return { metadata, objects, settings, verification: tableVerificationQueue(metadata) };
}

export function createRegistry(config: AwsConfig, clients: AwsClients = createClients(config)): AwsRegistry {
  const ports = awsRegistryPorts(config, clients);
  return { config, clients, metadata: ports.metadata, objects: ports.objects, registry: new RegistryService(ports) };
}
