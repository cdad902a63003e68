/** Starts a real local registry (HTTP server, SQLite, files) in a temp dir for a test file. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalServer, type LocalServerOptions, startLocalServer } from '../../functions/local/server.js';

export interface TestRegistry {
  server: LocalServer;
  dir: string;
  url: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** Stops and starts the server on the same port and data; `whileStopped` runs in between. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function startTestRegistry(options: Partial<LocalServerOptions> = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-test-'));
  const config: LocalServerOptions = {
    dataDir: join(dir, 'data'),
    port: 0,
    host: '127.0.0.1',
    sweepIntervalMs: 0,
    ...options,
  };
  let server = await startLocalServer(config);
  const registry: TestRegistry = {
    server,
    dir,
    url: server.url,
    call: (method, path, body, headers = {}) =>
      fetch(`${registry.url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        redirect: 'manual',
      }),
    json: async (method, path, body, headers) => {
      const res = await registry.call(method, path, body, headers);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
    },
    restart: async (whileStopped) => {
      const port = Number(new URL(registry.url).port);
      await server.close();
      await whileStopped?.();
      server = await startLocalServer({ ...config, port });
      registry.server = server;
      registry.url = server.url;
    },
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return registry;
}
