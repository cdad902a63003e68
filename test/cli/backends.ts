/**
 * The two registries the CLI's suite runs against: the local server (files + SQLite) and the
 * AWS handlers behind a stand-in API Gateway, on s3rver + DynamoDB Local. Each hands the suite
 * its URL, tokens, a transfer gate and a way to damage a stored blob.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsConfig } from '../../functions/aws/config.js';
import { createApiHandler } from '../../functions/aws/handlers/api-handler.js';
import { createObjectCreatedHandler } from '../../functions/aws/handlers/object-created-handler.js';
import { createVerifierHandler } from '../../functions/aws/handlers/verifier-handler.js';
import { createLogger } from '../../functions/aws/logger.js';
import { awsRegistryPorts, createRegistry } from '../../functions/aws/runtime.js';
import { objectKeys } from '../../shared/domain/keys.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { RegistryApi } from '../../shared/service/registry-api.js';
import { startApiGatewayHost } from '../support/aws/api-gateway-host.js';
import { s3rverClient, startDynamoLocal, startS3rver } from '../support/aws/servers.js';
import { startTestRegistry } from '../support/local-registry.js';
import { gateFileStore, idleGate, startGateProxy, type TransferGate } from '../support/transfer-gate.js';

export interface CliBackend {
  name: string;
  url: string;
  /** A token with every scope the CLI needs. */
  token: string;
  /** A token that may only read (undefined: this registry has no narrower token). */
  readToken?: string;
  gate: TransferGate;
  /** The store behind the registry (for a raw signed PUT/GET baseline). */
  objects: ObjectStore;
  /** Overwrites the stored bytes of a blob with other bytes of the same length. */
  corruptBlob(sha256: string, size: number): Promise<void>;
  stop(): Promise<void>;
}

const damaged = (size: number) => Buffer.alloc(size, 0x5a);

/** `gated: false` leaves storage traffic alone (benchmarks); tests gate it. */
export interface BackendOptions {
  gated?: boolean;
}

export async function localBackend(options: BackendOptions = {}): Promise<CliBackend> {
  const token = 'local-cli-token';
  const registry = await startTestRegistry({ token });
  const objects = registry.server.objects;
  const gate = options.gated === false ? idleGate() : gateFileStore(objects);
  return {
    name: 'local server',
    url: registry.url,
    token,
    gate,
    objects,
    corruptBlob: async (sha256, size) => {
      const key = objectKeys('mreg/').blob(sha256);
      await writeFile(join(registry.dir, 'data', 'artifacts', 'objects', ...key.split('/')), damaged(size));
    },
    stop: () => registry.stop(),
  };
}

export async function awsBackend(options: BackendOptions = {}): Promise<CliBackend> {
  const [dynamo, s3] = await Promise.all([startDynamoLocal(), startS3rver()]);
  const proxy = options.gated === false ? undefined : await startGateProxy(s3.endpoint);
  const s3Endpoint = proxy?.url ?? s3.endpoint;
  const config: AwsConfig = {
    tableName: await dynamo.createTable('mreg-cli'),
    bucket: s3.bucket,
    prefix: 'mreg/',
    // Large files are verified by the verifier (commit answers 202), small ones inline.
    inlineHashMaxBytes: 1024 * 1024,
    endpoints: { s3: s3Endpoint, dynamodb: dynamo.endpoint },
  };
  // The presigned URLs point at the gate proxy; s3rver behind it checks no signature.
  const clients = { s3: s3rverClient(s3Endpoint), dynamodb: dynamo.client };
  const ports = awsRegistryPorts(config, clients);
  const logger = createLogger('mreg-cli-test');
  logger.setLogLevel('ERROR');
  const host = await startApiGatewayHost({
    api: createApiHandler({ registry: new RegistryApi(ports), logger }),
    verifier: createVerifierHandler({ registry: createRegistry(config, clients).registry, logger }),
    objectCreated: createObjectCreatedHandler({
      registry: createRegistry(config, clients).registry,
      bucket: s3.bucket,
      logger,
    }),
    s3,
    tokens: {
      'aws-writer-token': { sub: 'cli-user', scope: 'registry.read registry.write' },
      'aws-reader-token': { sub: 'cli-reader', scope: 'registry.read' },
    },
  });
  return {
    name: 'AWS handlers on s3rver + DynamoDB Local',
    url: host.url,
    token: 'aws-writer-token',
    readToken: 'aws-reader-token',
    gate: proxy?.gate ?? idleGate(),
    objects: ports.objects,
    corruptBlob: async (sha256, size) => {
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: objectKeys('mreg/').blob(sha256), Body: damaged(size) }),
      );
    },
    stop: async () => {
      await host.close();
      await proxy?.close();
      clients.s3.destroy();
      await Promise.all([dynamo.stop(), s3.stop()]);
    },
  };
}
