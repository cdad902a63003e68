/** Builds the registry for the Function App from its config: clients once per instance, adapters, the core. */
import { DefaultAzureCredential } from '@azure/identity';
import { accessTokenVerifier } from '../../shared/auth/jwt-authenticator.js';
import type { Authenticator } from '../../shared/ports/auth.js';
import { discardEvents, type EventSink } from '../../shared/ports/event-sink.js';
import { type RegistryPorts, RegistryService } from '../../shared/service/registry-service.js';
import type { BlobObjectStore } from './blob-object-store.js';
import type { AzureConfig } from './config.js';
import { entraAuthenticator } from './entra-auth.js';
import { EventGridEventSink } from './event-grid-event-sink.js';
import { storageAdapters } from './storage-clients.js';
import type { TableMetadataStore } from './table-metadata-store.js';
import { invocationVerificationQueue } from './verification-outbox.js';

export interface AzureRuntime {
  config: AzureConfig;
  registry: RegistryService;
  metadata: TableMetadataStore;
  objects: BlobObjectStore;
  authenticate: Authenticator;
  events: EventSink;
}

export function createAzureRuntime(config: AzureConfig, overrides: { events?: EventSink } = {}): AzureRuntime {
  // One credential for every client: it caches its tokens.
  const credential = new DefaultAzureCredential();
  const storage = 'connectionString' in config.storage ? config.storage : { credential, ...config.storage };
  const { metadata, objects } = storageAdapters(storage);
  const settings: NonNullable<RegistryPorts['settings']> = { prefix: config.prefix };
  if (config.dropInPrincipals) settings.dropInPrincipals = config.dropInPrincipals;
  if (config.inlineHashMaxBytes !== undefined) settings.inlineHashMaxBytes = config.inlineHashMaxBytes;
  if (config.multipartThresholdBytes !== undefined) settings.multipartThresholdBytes = config.multipartThresholdBytes;
  const registry = new RegistryService({ metadata, objects, settings, verification: invocationVerificationQueue });
  const authenticate = entraAuthenticator(
    accessTokenVerifier({
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      keys: new URL(config.jwt.jwksUrl),
    }),
  );
  const events =
    overrides.events ??
    (config.eventTopicEndpoint ? EventGridEventSink.forTopic(config.eventTopicEndpoint, credential) : discardEvents);
  return { config, registry, metadata, objects, authenticate, events };
}
