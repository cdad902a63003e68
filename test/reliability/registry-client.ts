/** A small HTTP client over a section's registry: JSON calls as a principal, and pushing versions through signed URLs. */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../../shared/ports/auth.js';
import type { Registry } from './backend.js';
import { principalHeader, principalOf } from './principal-header.js';

export const BASE = 'http://registry.test';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface CallOptions {
  body?: unknown;
  as?: Principal | 'none';
  headers?: Record<string, string>;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface UploadInstruction {
  path: string;
  url?: string;
  headers?: Record<string, string>;
}

export interface VersionBody {
  model: string;
  version: number;
  state: string;
  etag: string;
  files: Array<{ path: string; size: number; sha256: string }>;
  tags: Record<string, string>;
}

export interface CreatedBody {
  version: VersionBody;
  uploads: UploadInstruction[];
}

export interface LocalFile {
  path: string;
  bytes: Uint8Array;
}

const WRITER = principalOf('reliability-writer', 'write');

/** Where a client's requests go: the app in-process, or a server over HTTP. */
export type ClientTarget = Pick<Registry, 'fetch' | 'sendSigned'>;

export class RegistryClient {
  constructor(readonly registry: ClientTarget) {}

  async request(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const as = options.as ?? WRITER;
    if (as !== 'none') headers['x-test-principal'] = principalHeader(as);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return this.registry.fetch(
      new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }),
    );
  }

  async json<T = Record<string, unknown>>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const res = await this.request(method, path, options);
    const text = await res.text();
    let body: unknown = {};
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { unparsed: text };
      }
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  async createModel(name: string, extra: Record<string, unknown> = {}): Promise<number> {
    return (await this.json('POST', '/v1/models', { body: { name, ...extra } })).status;
  }

  /** Declares a version of these files; with `upload`, PUTs each file's bytes to its signed URL. */
  async createVersion(
    model: string,
    files: LocalFile[],
    options: { idempotencyKey?: string; tags?: Record<string, string>; as?: Principal } = {},
  ): Promise<Reply<CreatedBody>> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    const body: Record<string, unknown> = {
      files: files.map((f) => ({ path: f.path, size: f.bytes.length, sha256: sha256(f.bytes) })),
    };
    if (options.tags) body.tags = options.tags;
    return this.json<CreatedBody>('POST', `/v1/models/${model}/versions`, {
      body,
      headers,
      ...(options.as ? { as: options.as } : {}),
    });
  }

  /** PUTs bytes to a signed upload URL exactly as a client would (the length is the body's own). */
  async upload(instruction: UploadInstruction, bytes: Uint8Array): Promise<number> {
    const headers = { ...(instruction.headers ?? {}) };
    delete headers['content-length'];
    const res = await this.registry.sendSigned(instruction.url ?? '', {
      method: 'PUT',
      headers,
      body: new Uint8Array(bytes),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  async commit(model: string, version: number, as?: Principal): Promise<Reply<VersionBody>> {
    return this.json<VersionBody>('POST', `/v1/models/${model}/versions/${version}/commit`, as ? { as } : {});
  }

  /** Create, upload every instruction, commit: the normal push. */
  async push(model: string, files: LocalFile[]): Promise<VersionBody> {
    const created = await this.createVersion(model, files);
    if (created.status !== 201) throw new Error(`create ${model}: ${created.status} ${JSON.stringify(created.body)}`);
    for (const u of created.body.uploads) {
      const file = files.find((f) => f.path === u.path);
      if (file) await this.upload(u, file.bytes);
    }
    const committed = await this.commit(model, created.body.version.version);
    if (committed.status !== 200)
      throw new Error(`commit ${model}: ${committed.status} ${JSON.stringify(committed.body)}`);
    return committed.body;
  }
}

export const randomFile = (path: string, size: number): LocalFile => ({ path, bytes: randomBytes(size) });

export const isProblem = (res: { headers: Headers }): boolean =>
  (res.headers.get('content-type') ?? '').startsWith('application/problem+json');
