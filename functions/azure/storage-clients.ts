/**
 * Builds the SDK clients: from a connection string (Azurite, local runs) or from endpoints
 * and the managed identity (`DefaultAzureCredential`) in Azure, where no key exists.
 */
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { BlobObjectStore } from './blob-object-store.js';
import { AccountKeySasSigner, type BlobSasSigner, UserDelegationSasSigner } from './blob-sas-signer.js';
import { TableMetadataStore } from './table-metadata-store.js';
import { deleteEtagPolicy } from './transaction-delete-etags.js';

export const tableClientOptions = (insecure: boolean): TableServiceClientOptions => ({
  allowInsecureConnection: insecure,
  additionalPolicies: [{ policy: deleteEtagPolicy, position: 'perCall' }],
});

/** Where the registry's data lives: either a connection string, or endpoints reached with a token. */
export type StorageLocation =
  | { connectionString: string; container: string; table: string }
  | { blobEndpoint: string; tableEndpoint: string; container: string; table: string; credential?: TokenCredential };

export interface StorageAdapters {
  metadata: TableMetadataStore;
  objects: BlobObjectStore;
  blobService: BlobServiceClient;
}

function connectionStringPart(connectionString: string, name: string): string | undefined {
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === name.toLowerCase()) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function storageAdapters(location: StorageLocation): StorageAdapters {
  if ('connectionString' in location) {
    const cs = location.connectionString;
    const accountName = connectionStringPart(cs, 'AccountName');
    const accountKey = connectionStringPart(cs, 'AccountKey');
    if (!accountName || !accountKey) throw new Error('the storage connection string needs AccountName and AccountKey');
    const blobService = BlobServiceClient.fromConnectionString(cs);
    const insecure = blobService.url.startsWith('http:');
    const table = TableClient.fromConnectionString(cs, location.table, tableClientOptions(insecure));
    const signer: BlobSasSigner = new AccountKeySasSigner(new StorageSharedKeyCredential(accountName, accountKey));
    return {
      metadata: new TableMetadataStore(table),
      objects: new BlobObjectStore(blobService.getContainerClient(location.container), signer),
      blobService,
    };
  }
  const credential = location.credential ?? new DefaultAzureCredential();
  const blobService = new BlobServiceClient(location.blobEndpoint, credential);
  const accountName = blobService.accountName;
  const table = new TableClient(location.tableEndpoint, location.table, credential, tableClientOptions(false));
  return {
    metadata: new TableMetadataStore(table),
    objects: new BlobObjectStore(
      blobService.getContainerClient(location.container),
      new UserDelegationSasSigner(blobService, accountName),
    ),
    blobService,
  };
}
