/**
 * Starts Azurite (blob, queue, table) on 127.0.0.1 with free ports for a test file, and stops
 * it again. The ports are read from Azurite's own start-up lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CrashableServer, crashableChild } from '../crashable-server.js';

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
const SERVICES = ['blob', 'queue', 'table'] as const;
type Ports = Record<(typeof SERVICES)[number], number>;

/** Starts Azurite on `ports` (0: free ones) and reads the endpoints from its start-up lines. */
async function launchAzurite(
  location: string,
  persistent: boolean,
  ports: Ports,
): Promise<{ child: ChildProcess; endpoints: Record<string, string> }> {
  const require = createRequire(import.meta.url);
  // Persisted, it runs through the launcher that saves before it acknowledges (see azurite-durable.mjs).
  const bin = persistent
    ? fileURLToPath(new URL('./azurite-durable.mjs', import.meta.url))
    : require.resolve('azurite/dist/src/azurite.js');
  const args = [...(persistent ? ['--location', location] : ['--inMemoryPersistence'])];
  args.push('--skipApiVersionCheck', '--disableTelemetry');
  for (const service of SERVICES)
    args.push(`--${service}Host`, '127.0.0.1', `--${service}Port`, String(ports[service]));
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
        child.off('exit', exited);
        resolve(found);
      }
    };
    const exited = (code: number | null) => fail(new Error(`Azurite exited with ${code}:\n${output}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', exited);
    child.once('error', fail);
  });
  return { child, endpoints };
}

/**
 * Azurite in memory, or with `persistent` on disk (`--location`) through a launcher that makes
 * every acknowledged write durable, so a SIGKILL loses nothing Azurite answered and
 * `crashAndRestart` comes back on the same ports and data.
 */
export async function startAzurite(): Promise<Azurite>;
export async function startAzurite(options: { persistent: true }): Promise<Azurite & CrashableServer>;
export async function startAzurite(options: { persistent?: boolean } = {}): Promise<Azurite> {
  const persistent = options.persistent === true;
  const location = await mkdtemp(join(tmpdir(), 'mreg-azurite-'));
  const { child, endpoints } = await launchAzurite(location, persistent, { blob: 0, queue: 0, table: 0 });
  const ports = Object.fromEntries(SERVICES.map((s) => [s, Number(new URL(endpoints[s] ?? '').port)])) as Ports;
  const crashable = crashableChild(
    'azurite',
    child,
    async () => (await launchAzurite(location, persistent, ports)).child,
  );
  const endpoint = (service: string) => `${endpoints[service]}/${DEV_ACCOUNT}`;
  const blobEndpoint = endpoint('blob');
  const tableEndpoint = endpoint('table');
  const queueEndpoint = endpoint('queue');
  const azurite: Azurite = {
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
    stop: () => stopChild(crashable.current()).finally(() => rm(location, { recursive: true, force: true })),
  };
  return persistent ? Object.assign(crashable, azurite) : azurite;
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
