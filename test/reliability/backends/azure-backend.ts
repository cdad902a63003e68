/**
 * The Azure backend: TableMetadataStore and BlobObjectStore on Azurite, started once by the
 * Azure helper's harness (test/support/azure/azurite.ts). Each registry gets its own table and
 * container; with a fault plan the SDK clients reach Azurite through fault proxies.
 */
import { storageAdapters } from '../../../functions/azure/storage-clients.js';
import { RegistryService } from '../../../shared/service/registry-service.js';
import { DEV_ACCOUNT, DEV_KEY, startAzurite } from '../../support/azure/azurite.js';
import { type Backend, type OpenOptions, type Registry, sectionSettings } from '../backend.js';
import { type FaultProxy, startFaultProxy } from '../faults/fault-proxy.js';
import { movableClock } from '../movable-clock.js';
import { withHooks } from './interleaved-object-store.js';
import { observedApp } from './observed-app.js';

const origin = (endpoint: string) => new URL(endpoint).origin;

const connectionString = (blobEndpoint: string, tableEndpoint: string) =>
  [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=${blobEndpoint}`,
    `TableEndpoint=${tableEndpoint}`,
  ].join(';');

export async function azureBackend(): Promise<Backend> {
  const azurite = await startAzurite();
  let opened = 0;
  return {
    name: 'azure',
    async open(options: OpenOptions = {}): Promise<Registry> {
      const n = ++opened;
      const container = `reliability-${n}`;
      const table = `reliability${n}`;
      // An Azurite of its own, on disk, for a registry whose storage gets killed.
      const own = options.crashes ? await startAzurite({ persistent: true }) : undefined;
      const server = own ?? azurite;
      const clean = storageAdapters({ connectionString: server.connectionString, container, table });
      await clean.blobService.getContainerClient(container).createIfNotExists();
      await clean.metadata.ensureTable();
      const proxies: FaultProxy[] = [];
      let adapters = clean;
      if (options.faults) {
        // Only Table traffic goes through the fault proxy. Blob copies are server-side copies
        // from a SAS URL built on the client's endpoint; Azurite copies only from its own
        // address, so a proxied blob endpoint would break every copy (not a registry fault).
        const tbl = await startFaultProxy(origin(server.tableEndpoint), options.faults);
        proxies.push(tbl);
        adapters = storageAdapters({
          connectionString: connectionString(server.blobEndpoint, `${tbl.url}/${DEV_ACCOUNT}`),
          container,
          table,
        });
      }
      const clock = movableClock();
      const prefix = 'mreg/';
      const objects = withHooks(adapters.objects, options);
      const registry = new RegistryService({
        metadata: adapters.metadata,
        objects,
        clock,
        settings: { ...sectionSettings(options.settings), prefix },
      });
      const { app, unexpectedErrors } = observedApp(registry);
      const userContainer = clean.blobService.getContainerClient(container);
      return {
        backend: 'azure',
        registry,
        metadata: adapters.metadata,
        objects,
        clock,
        prefix,
        fetch: async (request) => app.fetch(request),
        unexpectedErrors,
        ...(own ? { crashable: [own] } : {}),
        sendSigned: (url, init) => fetch(url, init),
        async putObject(key, bytes, metadata = {}) {
          const out = await userContainer.getBlockBlobClient(key).upload(bytes, bytes.length, { metadata });
          return (out.etag ?? '').replace(/^(W\/)?"(.*)"$/, '$2');
        },
        async close() {
          await Promise.all(proxies.map((p) => p.close()));
          await own?.stop();
        },
      };
    },
    stop: () => azurite.stop(),
  };
}
