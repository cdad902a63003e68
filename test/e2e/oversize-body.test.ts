/**
 * A JSON body over 1 MiB gets its 413, and the next request on the connection still works:
 * with Node's `fetch` (keep-alive pool), Python's urllib and http.client (which send the whole
 * body before reading), and curl (which reuses the connection), against the real local
 * server. The Azure handler path is checked in test/azure/functions-app.test.ts.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

const run = promisify(execFile);
const TWO_MIB = 2 * 1024 * 1024;
const oversize = (name: string) => JSON.stringify({ name, description: 'a'.repeat(TWO_MIB) });

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry();
});
afterAll(async () => reg.stop());

const PYTHON = `
import http.client, json, sys, urllib.error, urllib.request
base, host = sys.argv[1], sys.argv[1].split('//')[1]
seen = []
def post(path, body):
    req = urllib.request.Request(base + path, data=body.encode(), headers={'content-type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r: return r.status
    except urllib.error.HTTPError as e: return e.code
    except Exception as e: return repr(e)
for i in range(5):
    seen.append(['urllib', post('/v1/models', json.dumps({'name': f'py{i}', 'bogus': 1})),
                 post('/v1/models', json.dumps({'name': 'x', 'description': 'a' * ${TWO_MIB}})),
                 urllib.request.urlopen(base + '/healthz').status])
conn = http.client.HTTPConnection(host)
for i in range(5):
    row = ['http.client']
    for method, path, body in [('POST', '/v1/models', json.dumps({'name': f'pc{i}', 'bogus': 1})),
                               ('POST', '/v1/models', json.dumps({'name': 'x', 'description': 'a' * ${TWO_MIB}})),
                               ('GET', '/healthz', None)]:
        try:
            conn.request(method, path, body=body, headers={'content-type': 'application/json'})
            r = conn.getresponse(); r.read(); row.append(r.status)
        except Exception as e:
            row.append(repr(e)); conn.close()
    seen.append(row)
print(json.dumps(seen))
`;

describe('a JSON body over 1 MiB on the local server', () => {
  it('fetch: an unknown field (400), 2 MiB (413, problem+json), /healthz (200), five times over one pool', async () => {
    const seen: Array<[number | string, number | string, number | string]> = [];
    const status = async (path: string, init?: RequestInit) =>
      fetch(`${reg.url}${path}`, init).then(
        async (res) => {
          const type = res.headers.get('content-type') ?? '';
          await res.arrayBuffer();
          return res.status === 413 && !type.startsWith('application/problem+json') ? `413 as ${type}` : res.status;
        },
        (e: unknown) => `${String(e)} ${String((e as { cause?: unknown }).cause)}`,
      );
    const json = { 'content-type': 'application/json' };
    for (let i = 0; i < 5; i++)
      seen.push([
        await status('/v1/models', {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: `f${i}`, bogus: 1 }),
        }),
        await status('/v1/models', { method: 'POST', headers: json, body: oversize(`f${i}`) }),
        await status('/healthz'),
      ]);
    expect(seen).toEqual(Array.from({ length: 5 }, () => [400, 413, 200]));
  });

  it("Python's urllib and http.client get the 413 and their next request works", async () => {
    const { stdout } = await run('python3', ['-c', PYTHON, reg.url], { maxBuffer: 1 << 20 });
    const seen = JSON.parse(stdout) as unknown[][];
    expect(seen).toEqual([
      ...Array.from({ length: 5 }, () => ['urllib', 400, 413, 200]),
      ...Array.from({ length: 5 }, () => ['http.client', 400, 413, 200]),
    ]);
  });

  it('curl gets the 413 and reuses the same connection for the next request', async () => {
    const body = join(reg.dir, 'oversize.json');
    await writeFile(body, oversize('c'));
    const out = '%{http_code} %{num_connects}\\n';
    const { stdout } = await run('curl', [
      ...['-s', '-o', '/dev/null', '-w', out, '-H', 'content-type: application/json'],
      ...['--data-binary', `@${body}`, `${reg.url}/v1/models`],
      ...['--next', '-s', '-o', '/dev/null', '-w', out, `${reg.url}/healthz`],
    ]);
    // The second request opened no connection: it went over the one the 413 answered on.
    expect(stdout.trim().split('\n')).toEqual(['413 1', '200 0']);
  });
});
