/** The local registry: one Node process, artifacts on disk, metadata in SQLite. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open as openFile, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { ARTIFACTS_PREFIX, MLFLOW_PREFIXES } from '../../shared/compat/mlflow/prefixes.js';
import { createApp } from '../../shared/http/app.js';
import { documentRoutes } from '../../shared/http/documents.js';
import { guarded, loopbackOnly } from '../../shared/http/request-guards.js';
import { firstSegment, SplitRouter } from '../../shared/http/split-router.js';
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
  /** Connection limits (defaults: `connectionLimits`). */
  limits?: Partial<ConnectionLimits>;
  /** How the web UI signs people in (default: a typed token, or none on open loopback). */
  uiAuth?: AuthConfig;
}

export interface ConnectionLimits {
  /** Until the request's headers are in: a client that dribbles them holds a connection for nothing. */
  headersTimeoutMs: number;
  /** Until the whole request is in: long enough for a 4 GiB single PUT (the local multipart threshold) at ~1 MB/s. */
  requestTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
}

export const connectionLimits: ConnectionLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 2 * 3600_000,
  maxConnections: 512,
};

export interface LocalServer {
  url: string;
  registry: RegistryService;
  objects: FileObjectStore;
  close(): Promise<void>;
}

const smartRouter = <T>() => new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] });

/**
 * A long-running server's router: compiled once, which beats the linear scan a cold start
 * prefers. The MLflow API (which RegExpRouter cannot hold) has its own, so the registry's keeps it.
 */
export const localRouter = <T>(): SplitRouter<T> =>
  new SplitRouter([...MLFLOW_PREFIXES, ARTIFACTS_PREFIX].map(firstSegment), smartRouter(), smartRouter());

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The data directory is the owner's alone (0700), and so is the database (0600; SQLite gives
 * its -wal and -shm files the database's mode). An older directory is narrowed on start.
 */
async function privateDataDir(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const db = join(dataDir, 'registry.db');
  await (await openFile(db, 'a', 0o600)).close();
  for (const file of [db, `${db}-wal`, `${db}-shm`]) await chmod(file, 0o600).catch(() => undefined);
  return db;
}

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
  const open = !options.token && !options.authenticate;
  if (open && !LOOPBACK.has(options.host))
    throw new Error(`refusing to listen on ${options.host} without MREG_TOKEN: set a token or bind 127.0.0.1`);
  const dataDir = resolve(options.dataDir);
  const dbFile = await privateDataDir(dataDir);
  const signer = new UrlSigner(await signingKey(dataDir));
  let baseUrl = '';
  let port = 0;
  const clock = options.clock;
  const objects = new FileObjectStore(
    join(dataDir, 'artifacts'),
    signer,
    () => baseUrl,
    clock ? () => clock.now() : undefined,
  );
  const metadata = new SqliteMetadataStore(dbFile);
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
    router: localRouter(),
  });
  const limits = { ...connectionLimits, ...options.limits };
  const server = await new Promise<ReturnType<typeof serve>>((ready, fail) => {
    const s = serve(
      {
        // Open mode trusts whoever reaches loopback: never a web page, never another name for it.
        fetch: drainingUnreadBodies(
          open
            ? guarded(
                loopbackOnly(() => port),
                app.fetch,
              )
            : app.fetch,
        ),
        port: options.port,
        hostname: options.host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          // How often Node checks those two timeouts (its default, 30 s, would stretch short ones).
          connectionsCheckingInterval: Math.min(30_000, Math.ceil(limits.headersTimeoutMs / 4)),
        },
      },
      () => ready(s),
    );
    s.once('error', fail);
  });
  server.maxConnections = limits.maxConnections;
  const address = server.address() as AddressInfo;
  port = address.port;
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
