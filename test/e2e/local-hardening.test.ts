/**
 * The local server as a process on a shared machine: its token comparison does not reveal the
 * token's length, its data is readable by its owner only, and slow or piled-up connections
 * are cut while a long upload is not.
 */
import * as crypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256, startTestRegistry, type TestRegistry } from '../support/local-registry.js';

// The real comparison, observed: which lengths it is asked to compare.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const TOKEN = 'a-rather-long-local-token-0123456789';

describe('the bearer token comparison', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry({ token: TOKEN });
  });
  afterAll(async () => reg.stop());

  it('compares fixed-length digests, whatever the length of the token sent', async () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    for (const given of ['x', TOKEN.slice(0, -1), `${TOKEN}x`, 'y'.repeat(TOKEN.length)]) {
      compare.mockClear();
      const res = await reg.call('GET', '/v1/models', undefined, { authorization: `Bearer ${given}` });
      expect(res.status, given).toBe(401);
      expect(compare, given).toHaveBeenCalled();
      for (const [a, b] of compare.mock.calls) {
        expect((a as Uint8Array).byteLength).toBe(32);
        expect((b as Uint8Array).byteLength).toBe(32);
      }
    }
    const ok = await reg.call('GET', '/v1/models', undefined, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
  });
});

describe('the data directory', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(async () => reg.stop());

  it('holds the database, the key and every artifact as 0600 in 0700 directories', async () => {
    expect((await reg.json('POST', '/v1/models', { name: 'perm' })).status).toBe(201);
    const bytes = randomBytes(4096);
    const created = await reg.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
      'POST',
      '/v1/models/perm/versions',
      { files: [{ path: 'm.bin', size: bytes.length, sha256: sha256(bytes) }] },
    );
    const upload = created.body.uploads[0];
    if (!upload) throw new Error('no upload');
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    expect((await reg.json('POST', '/v1/models/perm/versions/1/commit')).status).toBe(200);

    const dataDir = join(reg.dir, 'data');
    const wrong: string[] = [];
    const walk = async (dir: string): Promise<number> => {
      let files = 0;
      const mode = (await stat(dir)).mode & 0o777;
      if (mode !== 0o700) wrong.push(`${dir} ${mode.toString(8)}`);
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) files += await walk(path);
        else {
          files++;
          const fileMode = (await stat(path)).mode & 0o777;
          if (fileMode !== 0o600) wrong.push(`${path} ${fileMode.toString(8)}`);
        }
      }
      return files;
    };
    const files = await walk(dataDir);
    expect(files).toBeGreaterThan(4); // registry.db (+ -wal, -shm), signing.key, the blob and its sidecar
    expect(wrong).toEqual([]);
  });
});

const sockets: Socket[] = [];

/** A raw connection; resolves with what the server sent once it closes the connection. */
function openSocket(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    const closed = new Promise<string>((done) => socket.on('close', () => done(received)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);

describe('connections', () => {
  let reg: TestRegistry;
  let port: number;
  beforeAll(async () => {
    reg = await startTestRegistry({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 800, maxConnections: 4 } });
    port = Number(new URL(reg.url).port);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await reg.stop();
  });

  it('cuts a client that never finishes its headers', async () => {
    const { socket, closed } = await openSocket(port);
    socket.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    expect(await within(closed, 3000, 'headers timeout')).toMatch(/^HTTP\/1.1 408/);
  });

  it('cuts an upload whose body stops arriving, at the request timeout', async () => {
    expect((await reg.json('POST', '/v1/models', { name: 'slow' })).status).toBe(201);
    const created = await reg.json<{ uploads: Array<{ url: string }> }>('POST', '/v1/models/slow/versions', {
      files: [{ path: 'm.bin', size: 1_000_000, sha256: 'd'.repeat(64) }],
    });
    const url = new URL(created.body.uploads[0]?.url ?? '');
    const { socket, closed } = await openSocket(port);
    socket.write(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000000\r\n\r\n${'z'.repeat(10)}`,
    );
    await within(closed, 4000, 'request timeout');
  });

  it('takes at most maxConnections at once; a connection freed makes room again', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => openSocket(port)));
    const extra = await openSocket(port);
    extra.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(await within(extra.closed, 3000, 'the connection over the cap')).toBe('');
    for (const h of held) h.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await reg.call('GET', '/healthz')).status).toBe(200);
  });
});
