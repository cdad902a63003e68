/** The local registry: one Node process, artifacts on disk, metadata in SQLite. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { createApp } from '../../shared/http/app.js';
import { documentRoutes } from '../../shared/http/documents.js';
import type { AuthConfig } from '../../shared/http/ui-config.js';
import type { Authenticator } from '../../shared/ports/auth.js';
import type { EventSink } from '../../shared/ports/event-sink.js';
import { type RegistryPorts, RegistryService } from '../../shared/service/registry-service.js';
import { swaggerUiAssets } from './docs-assets.js';
import { FileObjectStore } from './file-object-store.js';
import { localAuthenticator } from './local-auth.js';
import { logEventSink } from './log-event-sink.js';
import { mountObjectRoutes } from './object-routes.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';
import { localUiAssets } from './ui-assets.js';
import { drainingUnreadBodies } from './unread-body.js';
import { UrlSigner } from './url-signer.js';

export interface LocalServerOptions {
  dataDir: string;
  port: number;
  host: string;
  token?: string;
  /** Where registry events go (default: JSON lines on stdout). */
  events?: EventSink;
  /** Replaces the token check (e.g. OIDC bearer JWTs verified against the issuer's keys). */
  authenticate?: Authenticator;
  /** How often the sweeper runs (ms); 0 turns it off. */
  sweepIntervalMs?: number;
  settings?: RegistryPorts['settings'];
  /** Tests move time (transient expiry, URL expiry). */
  clock?: RegistryPorts['clock'];
  /** How the web UI signs people in (default: a typed token, or none on open loopback). */
  uiAuth?: AuthConfig;
}

export interface LocalServer {
  url: string;
  registry: RegistryService;
  objects: FileObjectStore;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The signing key lives in the data dir, created once with owner-only permissions. */
async function signingKey(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, 'signing.key');
  try {
    return Buffer.from(await readFile(file, 'utf8'), 'base64');
  } catch {
    const key = randomBytes(32);
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return Buffer.from(await readFile(file, 'utf8'), 'base64');
  }
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  if (!options.token && !options.authenticate && !LOOPBACK.has(options.host))
    throw new Error(`refusing to listen on ${options.host} without MREG_TOKEN: set a token or bind 127.0.0.1`);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const signer = new UrlSigner(await signingKey(dataDir));
  let baseUrl = '';
  const clock = options.clock;
  const objects = new FileObjectStore(
    join(dataDir, 'artifacts'),
    signer,
    () => baseUrl,
    clock ? () => clock.now() : undefined,
  );
  const metadata = new SqliteMetadataStore(join(dataDir, 'registry.db'));
  const registry = new RegistryService({
    metadata,
    objects,
    // On one machine a single streamed PUT (hashed as it arrives) beats parts that must be
    // joined and hashed again at commit; files above 4 GiB still go multipart.
    settings: { multipartThresholdBytes: 4 * 1024 ** 3, ...options.settings },
    ...(clock ? { clock } : {}),
  });
  const app = createApp({
    registry,
    authenticate: options.authenticate ?? localAuthenticator(options.token),
    documents: documentRoutes({
      docsAssets: swaggerUiAssets(),
      ui: { assets: localUiAssets(), config: { runtime: 'local', auth: options.uiAuth ?? { kind: 'token' } } },
    }),
    extend: (a) => mountObjectRoutes(a, objects, signer),
    // A long-running server: a router compiled once beats the linear scan a cold start prefers.
    router: new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }),
  });
  const server = await new Promise<ReturnType<typeof serve>>((ready, fail) => {
    const s = serve({ fetch: drainingUnreadBodies(app.fetch), port: options.port, hostname: options.host }, () =>
      ready(s),
    );
    s.once('error', fail);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  const events = options.events ?? logEventSink();
  const sweeper =
    options.sweepIntervalMs === 0
      ? undefined
      : setInterval(
          () =>
            void (async () => {
              await registry.sweep();
              await registry.drainHistory(events);
            })().catch((e) => console.error('sweep failed', e)),
          options.sweepIntervalMs ?? 60_000,
        );
  sweeper?.unref();
  return {
    url: baseUrl,
    registry,
    objects,
    close: async () => {
      if (sweeper) clearInterval(sweeper);
      await new Promise<void>((done) => server.close(() => done()));
      metadata.close();
    },
  };
}
