/**
 * The local server in its default open mode (no MREG_TOKEN): loopback callers need no token,
 * and a web page cannot drive it. A cross-site request (a foreign `Origin`), a rebound DNS
 * name (a foreign `Host`) and a JSON body sent as a "simple" content type are all refused,
 * and nothing is written; the UI's own same-origin requests and the CLI's still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { rawRequest } from '../support/raw-http.js';

let reg: TestRegistry;
let port: string;

beforeAll(async () => {
  reg = await startTestRegistry();
  port = new URL(reg.url).port;
});
afterAll(async () => reg.stop());

const post = (path: string, headers: Record<string, string>, body: string) =>
  rawRequest(`${reg.url}${path}`, {
    method: 'POST',
    headers: { 'content-length': String(body.length), ...headers },
    body,
  });

const problemField = (text: string): string[] =>
  ((JSON.parse(text) as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);

async function modelExists(name: string): Promise<boolean> {
  return (await reg.call('GET', `/v1/models/${name}`)).status === 200;
}

describe('local open mode: cross-site requests', () => {
  it('refuses a cross-site text/plain POST (what any web page can send without a preflight)', async () => {
    const res = await post(
      '/v1/models',
      { origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8' },
      JSON.stringify({ name: 'csrf-plain' }),
    );
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(problemField(res.text)).toContain('header.origin');
    expect(await modelExists('csrf-plain')).toBe(false);
  });

  it('refuses a foreign Origin even with application/json, and the opaque origin "null"', async () => {
    for (const origin of ['https://evil.example', `http://evil.example:${port}`, 'null', `http://127.0.0.1:1`]) {
      const res = await post(
        '/v1/models',
        { origin, 'content-type': 'application/json' },
        JSON.stringify({ name: 'csrf-json' }),
      );
      expect(res.status, origin).toBe(403);
    }
    expect(await modelExists('csrf-json')).toBe(false);
  });

  it('refuses a body-less cross-site POST too (commit, archive take no body)', async () => {
    const res = await post('/v1/models/none/versions/1/archive', { origin: 'https://evil.example' }, '');
    expect(res.status).toBe(403);
  });

  it('refuses a rebound DNS name (a foreign Host) on every path, reads included', async () => {
    for (const path of ['/v1/models', '/docs', '/v1/openapi.json', '/healthz', '/_objects/x?op=get']) {
      for (const host of [
        `evil.example:${port}`,
        'evil.example',
        `127.0.0.1:${Number(port) + 1}`,
        `localhost.evil.example:${port}`,
      ]) {
        const res = await rawRequest(`${reg.url}${path}`, { headers: { host } });
        expect(res.status, `${host} ${path}`).toBe(403);
        expect(problemField(res.text)).toContain('header.host');
      }
    }
  });

  it('answers 415 naming the header for a JSON route sent without application/json', async () => {
    for (const contentType of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      const res = await post('/v1/models', headers, JSON.stringify({ name: 'wrong-type' }));
      expect(res.status, String(contentType)).toBe(415);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(problemField(res.text)).toContain('header.content-type');
    }
    expect(await modelExists('wrong-type')).toBe(false);
  });
});

describe('local open mode: what must keep working', () => {
  it('takes the UI its own same-origin requests under each loopback name', async () => {
    for (const [host, name] of [
      [`127.0.0.1:${port}`, 'ui-a'],
      [`localhost:${port}`, 'ui-b'],
      [`LOCALHOST:${port}`, 'ui-c'],
    ] as const) {
      const res = await post(
        '/v1/models',
        { host, origin: `http://${host.toLowerCase()}`, 'content-type': 'application/json; charset=utf-8' },
        JSON.stringify({ name }),
      );
      expect(res.status, host).toBe(201);
    }
    const page = await rawRequest(`${reg.url}/docs`, { headers: { host: `localhost:${port}` } });
    expect(page.status).toBe(200);
  });

  it('takes a tool without Origin (curl, the CLI, the Python client) with application/json', async () => {
    const res = await post('/v1/models', { 'content-type': 'application/json' }, JSON.stringify({ name: 'cli' }));
    expect(res.status).toBe(201);
    expect((await reg.json('GET', '/v1/models/cli')).status).toBe(200);
  });
});
