/**
 * Starts Azurite (blob, queue, table) in memory on 127.0.0.1 with free ports for a test file,
 * and stops it again. The ports are read from Azurite's own start-up lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The emulator's well-known development account (published in the Azurite docs). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  blobEndpoint: string;
  tableEndpoint: string;
  queueEndpoint: string;
  /** A connection string naming every endpoint, as `AzureWebJobsStorage` would hold for the emulator. */
  connectionString: string;
  stop(): Promise<void>;
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

export async function startAzurite(): Promise<Azurite> {
  const location = await mkdtemp(join(tmpdir(), 'mreg-azurite-'));
  const bin = createRequire(import.meta.url).resolve('azurite/dist/src/azurite.js');
  const args = ['--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry'];
  for (const service of ['blob', 'queue', 'table']) args.push(`--${service}Host`, '127.0.0.1', `--${service}Port`, '0');
  const child = spawn(process.execPath, [bin, ...args], { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoints = await new Promise<Record<string, string>>((resolve, reject) => {
    const found: Record<string, string> = {};
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) {
        const m = LISTENING.exec(line);
        if (m?.[1] && m[2]) found[m[1].toLowerCase()] = m[2];
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`Azurite exited with ${code}:\n${output}`)));
    child.once('error', fail);
  });
  const endpoint = (service: string) => `${endpoints[service]}/${DEV_ACCOUNT}`;
  const blobEndpoint = endpoint('blob');
  const tableEndpoint = endpoint('table');
  const queueEndpoint = endpoint('queue');
  return {
    blobEndpoint,
    tableEndpoint,
    queueEndpoint,
    connectionString: [
      'DefaultEndpointsProtocol=http',
      `AccountName=${DEV_ACCOUNT}`,
      `AccountKey=${DEV_KEY}`,
      `BlobEndpoint=${blobEndpoint}`,
      `QueueEndpoint=${queueEndpoint}`,
      `TableEndpoint=${tableEndpoint}`,
    ].join(';'),
    stop: () => stopChild(child).finally(() => rm(location, { recursive: true, force: true })),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
