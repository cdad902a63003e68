/** The core's ports over one function's SDK clients; the API loads them on its first registry request. */
import { objectKeys } from '../../shared/domain/keys.js';
import type { RegistryPorts } from '../../shared/service/registry-api.js';
import type { AwsClients } from './clients.js';
import type { AwsConfig } from './config.js';
import { DynamoMetadataStore } from './dynamo-metadata-store.js';
import { S3ObjectStore } from './s3-object-store.js';
import { tableVerificationQueue } from './verification-queue.js';

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
