/** The contract suites against the Azure adapters: Azure Table and Blob storage on Azurite. */
import { afterAll, beforeAll } from 'vitest';
import type { BlobObjectStore } from '../../functions/azure/blob-object-store.js';
import { storageAdapters } from '../../functions/azure/storage-clients.js';
import type { TableMetadataStore } from '../../functions/azure/table-metadata-store.js';
import { type Azurite, startAzurite } from '../support/azure/azurite.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';
import { describeMetricSeriesContract } from './metric-series.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';

let azurite: Azurite;
let metadata: TableMetadataStore;
let objects: BlobObjectStore;

beforeAll(async () => {
  azurite = await startAzurite();
  const adapters = storageAdapters({
    connectionString: azurite.connectionString,
    container: 'artifacts',
    table: 'contract',
  });
  await adapters.blobService.getContainerClient('artifacts').create();
  await adapters.metadata.ensureTable();
  metadata = adapters.metadata;
  objects = adapters.objects;
});

afterAll(async () => {
  await azurite?.stop();
});

describeMetadataStoreContract('Azure Table (Azurite)', () => ({ store: metadata }));
describeMetricSeriesContract('Azure Table (Azurite)', () => ({ store: metadata }));
describeObjectStoreContract('Azure Blob (Azurite)', () => ({
  store: objects,
  prefix: 'mreg/',
}));
