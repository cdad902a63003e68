/**
 * Builds the registry for one Lambda function from its config: SDK clients (created once per
 * execution environment, outside the handler), adapters, and the core service.
 */
import { RegistryService } from '../../shared/service/registry-service.js';
import { type AwsClients, createClients } from './clients.js';
import type { AwsConfig } from './config.js';
import type { DynamoMetadataStore } from './dynamo-metadata-store.js';
import { awsRegistryPorts } from './ports.js';
import type { S3ObjectStore } from './s3-object-store.js';

export { type AwsClients, awsRegistryPorts, createClients };

export interface AwsRegistry {
  config: AwsConfig;
  clients: AwsClients;
  metadata: DynamoMetadataStore;
  objects: S3ObjectStore;
  registry: RegistryService;
}

export function createRegistry(config: AwsConfig, clients: AwsClients = createClients(config)): AwsRegistry {
  const ports = awsRegistryPorts(config, clients);
  return { config, clients, metadata: ports.metadata, objects: ports.objects, registry: new RegistryService(ports) };
}
