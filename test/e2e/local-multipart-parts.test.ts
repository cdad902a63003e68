/**
 * The local server's signed part URLs carry the most bytes their part may hold and the part
 * number they were signed for: a part URL takes no more than its part of the plan (the stream
 * is cut past it and nothing is kept), and no URL is handed out for a part the plan lacks.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

const MIB = 1024 * 1024;
/** 64 MiB parts (the plan's floor): part 1 of 64 MiB, part 2 of 6 MiB. */
const SIZE = 70 * MIB;
const LAST_PART = 6 * MIB;

let reg: TestRegistry;

beforeAll(async () => {
  reg = await startTestRegistry({ settings: { multipartThresholdBytes: MIB } });
  expect((await reg.json('POST', '/v1/models', { name: 'big' })).status).toBe(201);
  const created = await reg.json<{ uploads: Array<{ multipart?: { partSize: number; partCount: number } }> }>(
    'POST',
    '/v1/models/big/versions',
    { files: [{ path: 'weights.bin', size: SIZE, sha256: 'c'.repeat(64) }] },
  );
  expect(created.status).toBe(201);
  expect(created.body.uploads[0]?.multipart).toMatchObject({ partSize: 64 * MIB, partCount: 2 });
});
afterAll(async () => reg.stop());

async function partUrl(partNumber: number): Promise<{ status: number; url?: string }> {
  const res = await reg.json<{ parts: Array<{ url: string }> }>('POST', '/v1/models/big/versions/1/parts', {
    path: 'weights.bin',
    partNumbers: [partNumber],
  });
  return { status: res.status, ...(res.status === 200 ? { url: res.body.parts[0]?.url } : {}) };
}

async function heldParts(): Promise<Array<{ partNumber: number; size: number }>> {
  const res = await reg.json<{ parts: Array<{ partNumber: number; size: number }> }>(
    'GET',
    '/v1/models/big/versions/1/parts?path=weights.bin',
  );
  return res.body.parts;
}

/** PUTs `total` bytes chunked (no Content-Length: the server learns the size only by reading). */
function streamPut(url: string, total: number): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'PUT' },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    // The server may answer and close before every byte is sent: that is the point.
    req.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    const chunk = randomBytes(MIB);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Sends only the headers, declaring `length` bytes, and reads the answer. */
function declaredPut(url: string, length: number): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'PUT',
        headers: { 'content-length': String(length) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    req.flushHeaders();
  });
}

describe('local multipart part URLs', () => {
  it('cut a part streamed past its signed size and keep none of it', async () => {
    const { url } = await partUrl(2);
    if (!url) throw new Error('no part URL');
    expect(await streamPut(url, LAST_PART + 1)).toBe(413);
    expect(await heldParts()).toEqual([]);
    // The same URL still takes its part, at its size.
    expect(await streamPut(url, LAST_PART)).toBe(200);
    expect(await heldParts()).toMatchObject([{ partNumber: 2, size: LAST_PART }]);
  });

  it('refuse a declared Content-Length above the part at once (96 MiB into a 64 MiB part)', async () => {
    const { url } = await partUrl(1);
    if (!url) throw new Error('no part URL');
    expect(await declaredPut(url, 96 * MIB)).toBe(413);
    expect((await heldParts()).map((p) => p.partNumber)).not.toContain(1);
  });

  it('are handed out only for the parts of the plan', async () => {
    for (const n of [3, 10_000]) expect((await partUrl(n)).status, String(n)).toBe(400);
  });

  it('are bound to their part number and their size', async () => {
    const { url } = await partUrl(2);
    if (!url) throw new Error('no part URL');
    const moved = new URL(url);
    moved.searchParams.set('partNumber', '1');
    expect(await streamPut(moved.toString(), 10)).toBe(403);
    const widened = new URL(url);
    widened.searchParams.set('size', String(64 * MIB));
    expect(await streamPut(widened.toString(), 10)).toBe(403);
  });
});
