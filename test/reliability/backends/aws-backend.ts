/**
 * The AWS backend: DynamoMetadataStore on DynamoDB Local and S3ObjectStore on s3rver, both
 * started once by the AWS helper's harness (test/support/aws/servers.ts). Each registry gets
 * its own table and key prefix; with a fault plan the SDK clients go through fault proxies.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoMetadataStore } from '../../../functions/aws/dynamo-metadata-store.js';
import { S3ObjectStore } from '../../../functions/aws/s3-object-store.js';
import { RegistryService } from '../../../shared/service/registry-service.js';
import { startChecksumShim } from '../../support/aws/checksum-shim.js';
import {
  type DynamoLocalHandle,
  dynamoClient,
  type S3rverHandle,
  s3rverClient,
  startDynamoLocal,
  startS3rver,
} from '../../support/aws/servers.js';
import { type Backend, type OpenOptions, type Registry, sectionSettings } from '../backend.js';
import { type FaultProxy, startFaultProxy } from '../faults/fault-proxy.js';
import { movableClock } from '../movable-clock.js';
import { withHooks } from './interleaved-object-store.js';
import { observedApp } from './observed-app.js';

/** Starts DynamoDB Local and s3rver, or runs on servers a test file already started (and leaves them running). */
export async function awsBackend(servers?: { dynamo: DynamoLocalHandle; s3: S3rverHandle }): Promise<Backend> {
  const [dynamo, s3] = servers ? [servers.dynamo, servers.s3] : await Promise.all([startDynamoLocal(), startS3rver()]);
  let opened = 0;
  return {
    name: 'aws',
    async open(options: OpenOptions = {}): Promise<Registry> {
      const n = ++opened;
      // Servers of its own for a registry whose servers get killed (DynamoDB Local on disk; s3rver always is).
      const own = options.crashes
        ? await Promise.all([startS3rver(), startDynamoLocal({ persistent: true })])
        : undefined;
      const [objectServer, tableServer] = own ?? [s3, dynamo];
      const tableName = await tableServer.createTable(`reliability-${n}-${Date.now()}`);
      const prefix = `r${n}/`;
      const proxies: FaultProxy[] = [];
      let s3Endpoint = objectServer.endpoint;
      let dynamoEndpoint = tableServer.endpoint;
      if (options.faults) {
        const [p1, p2] = await Promise.all([
          startFaultProxy(objectServer.endpoint, options.faults),
          startFaultProxy(tableServer.endpoint, options.faults),
        ]);
        proxies.push(p1, p2);
        s3Endpoint = p1.url;
        dynamoEndpoint = p2.url;
      }
      const shim = options.checksums ? await startChecksumShim(s3Endpoint) : undefined;
      const s3Client = s3rverClient(shim?.url ?? s3Endpoint);
      const ddbClient = dynamoClient(dynamoEndpoint);
      const clock = movableClock();
      const metadata = new DynamoMetadataStore({ client: ddbClient, tableName });
      const s3Objects = new S3ObjectStore({ client: s3Client, bucket: objectServer.bucket, now: clock.now });
      const objects = withHooks(s3Objects, options);
      const registry = new RegistryService({
        metadata,
        objects,
        clock,
        settings: { ...sectionSettings(options.settings), prefix },
      });
      const { app, unexpectedErrors } = observedApp(registry);
      return {
        backend: 'aws',
        registry,
        metadata,
        objects,
        clock,
        prefix,
        fetch: async (request) => app.fetch(request),
        unexpectedErrors,
        ...(own ? { crashable: own } : {}),
        sendSigned: (url, init) => fetch(url, init),
        async putObject(key, bytes, meta = {}) {
          // s3rver keeps objects as files named by their keys: a `..` segment would land outside
          // its bucket folder. S3 would store the key literally; here it is refused, never written.
          if (key.split('/').includes('..')) throw new Error(`s3rver cannot hold the key ${key}`);
          const out = await objectServer.client.send(
            new PutObjectCommand({ Bucket: objectServer.bucket, Key: key, Body: bytes, Metadata: meta }),
          );
          return (out.ETag ?? '').replace(/"/g, '');
        },
        async close() {
          s3Client.destroy();
          ddbClient.destroy();
          await Promise.all([...proxies.map((p) => p.close()), shim?.close(), ...(own ?? []).map((s) => s.stop())]);
        },
      };
    },
    stop: async () => {
      if (!servers) await Promise.all([dynamo.stop(), s3.stop()]);
    },
  };
}
