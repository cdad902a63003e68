/**
 * The registry's HTTP app over the local adapters (SQLite in a temp dir, filesystem objects),
 * called through `app.fetch` with principals chosen per request and a clock the test moves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { FileObjectStore } from '../../functions/local/file-object-store.js';
import { mountObjectRoutes } from '../../functions/local/object-routes.js';
import { SqliteMetadataStore } from '../../functions/local/sqlite-metadata-store.js';
import { UrlSigner } from '../../functions/local/url-signer.js';
import { createApp } from '../../shared/http/app.js';
import { documentRoutes } from '../../shared/http/documents.js';
import type { Principal, Scope } from '../../shared/ports/auth.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { RegistrySettings } from '../../shared/service/context.js';
import { RegistryService } from '../../shared/service/registry-service.js';

export const BASE = 'http://registry.test';

export type As = 'none' | 'read' | 'write' | 'admin' | Principal;

const SCOPES: Record<'read' | 'write' | 'admin', Scope[]> = {
  read: ['registry.read'],
  write: ['registry.read', 'registry.write'],
  admin: ['registry.read', 'registry.write', 'registry.admin'],
};

export const principal = (subject: string, level: 'read' | 'write' | 'admin'): Principal => ({
  subject,
  scopes: new Set(SCOPES[level]),
});

export class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export interface AppHarness {
  app: Hono;
  registry: RegistryService;
  objects: FileObjectStore;
  metadata: SqliteMetadataStore;
  clock: TestClock;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; as?: As; headers?: Record<string, string> },
  ): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { body?: unknown; as?: As; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** Sends a signed URL's request to the same app (the URL's host is the app's). */
  signed(url: string, init: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

const PRINCIPAL_HEADER = 'x-test-principal';

export async function createAppHarness(
  settings: Partial<RegistrySettings> = {},
  /** Lets a test put a store that behaves like another service (e.g. one that reports no SHA-256) in front. */
  wrapObjects: (store: FileObjectStore) => ObjectStore = (store) => store,
): Promise<AppHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-app-'));
  const clock = new TestClock();
  const signer = new UrlSigner(randomBytes(32));
  const objects = new FileObjectStore(join(dir, 'objects'), signer, () => BASE, clock.now);
  const metadata = new SqliteMetadataStore(join(dir, 'registry.db'));
  const registry = new RegistryService({ metadata, objects: wrapObjects(objects), clock, settings });
  const app = createApp({
    registry,
    documents: documentRoutes(),
    authenticate: async (req) => {
      const raw = req.headers.get(PRINCIPAL_HEADER);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as { subject: string; scopes: Scope[] };
      return { subject: parsed.subject, scopes: new Set(parsed.scopes) };
    },
    log: () => undefined,
    extend: (a) => mountObjectRoutes(a, objects, signer),
  });
  const request: AppHarness['request'] = (method, path, options = {}) => {
    const as = options.as ?? principal('alice', 'write');
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (as !== 'none') {
      const p = typeof as === 'string' ? principal(as, as) : as;
      headers[PRINCIPAL_HEADER] = JSON.stringify({ subject: p.subject, scopes: [...p.scopes] });
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return Promise.resolve(
      app.fetch(new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) })),
    );
  };
  return {
    app,
    registry,
    objects,
    metadata,
    clock,
    request,
    json: async (method, path, options) => {
      const res = await request(method, path, options);
      const text = await res.text();
      let body: unknown = {};
      if (text) body = JSON.parse(text);
      return { status: res.status, body: body as never, headers: res.headers };
    },
    signed: async (url, init) => app.fetch(new Request(url, init)),
    close: async () => {
      metadata.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
