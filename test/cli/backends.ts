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
import { RegistryApi } from '../../shared/service/registry-api.js';
import { startApiGatewayHost } from '../support/aws/api-gateway-host.js';
import { s3rverClient, startDynamoLocal, startS3rver } from '../support/aws/servers.js';
import { startTestRegistry } from '../support/local-registry.js';
import { gateFileStore, startGateProxy, type TransferGate } from '../support/transfer-gate.js';

export interface CliBackend {
  name: string;
  url: string;
  /** A token with every scope the CLI needs. */
  token: string;
  /** A token that may only read (undefined: this registry has no narrower token). */
  readToken?: string;
  gate: TransferGate;
  /** Overwrites the stored bytes of a blob with other bytes of the same length. */
  corruptBlob(sha256: string, size: number): Promise<void>;
  stop(): Promise<void>;
}

const damaged = (size: number) => Buffer.alloc(size, 0x5a);

export async function localBackend(): Promise<CliBackend> {
  const token = 'local-cli-token';
  const registry = await startTestRegistry({ token });
  const gate = gateFileStore(registry.server.objects);
  return {
    name: 'local server',
    url: registry.url,
    token,
    gate,
    corruptBlob: async (sha256, size) => {
      const key = objectKeys('mreg/').blob(sha256);
      await writeFile(join(registry.dir, 'data', 'artifacts', 'objects', ...key.split('/')), damaged(size));
    },
    stop: () => registry.stop(),
  };
}

export async function awsBackend(): Promise<CliBackend> {
  const [dynamo, s3] = await Promise.all([startDynamoLocal(), startS3rver()]);
  const proxy = await startGateProxy(s3.endpoint);
  const config: AwsConfig = {
    tableName: await dynamo.createTable('mreg-cli'),
    bucket: s3.bucket,
    prefix: 'mreg/',
    // Large files are verified by the verifier (commit answers 202), small ones inline.
    inlineHashMaxBytes: 1024 * 1024,
    endpoints: { s3: proxy.url, dynamodb: dynamo.endpoint },
  };
  // The presigned URLs point at the gate proxy; s3rver behind it checks no signature.
  const clients = { s3: s3rverClient(proxy.url), dynamodb: dynamo.client };
  const logger = createLogger('mreg-cli-test');
  logger.setLogLevel('ERROR');
  const host = await startApiGatewayHost({
    api: createApiHandler({ registry: new RegistryApi(awsRegistryPorts(config, clients)), logger }),
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
    gate: proxy.gate,
    corruptBlob: async (sha256, size) => {
      await s3.client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: objectKeys('mreg/').blob(sha256), Body: damaged(size) }),
      );
    },
    stop: async () => {
      await host.close();
      await proxy.close();
      clients.s3.destroy();
      await Promise.all([dynamo.stop(), s3.stop()]);
    },
  };
}
