/** Bad input gets a 4xx problem+json naming the field, and writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryRoutes } from '../../shared/http/routes.js';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';

let h: AppHarness;
const SHA = 'a'.repeat(64);

beforeAll(async () => {
  h = await createAppHarness();
  expect((await h.json('POST', '/v1/models', { body: { name: 'fraud' } })).status).toBe(201);
});
afterAll(async () => h.close());

async function expectProblem(res: Response, status: number, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as { type: string; status: number; errors?: Array<{ field: string }> };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:mreg:problem:/);
  if (field !== undefined) expect(body.errors?.map((e) => e.field)).toContain(field);
}

/** Model names the rules refuse. */
const BAD_NAMES = [
  '',
  'x'.repeat(129),
  '.',
  '..',
  'a/b',
  'a\\b',
  'modèl',
  'a b',
  'a%2e',
  'a\u202eb',
  'a\u0000b',
  'a#b',
  'a?b',
];

describe('model names', () => {
  for (const name of BAD_NAMES)
    it(`rejects ${JSON.stringify(name)} in a body`, async () => {
      await expectProblem(await h.request('POST', '/v1/models', { body: { name } }), 400, 'name');
    });

  it('accepts 128 characters and the full alphabet', async () => {
    expect((await h.json('POST', '/v1/models', { body: { name: 'A-z_0.9'.padEnd(128, 'x') } })).status).toBe(201);
  });

  for (const path of [
    '/v1/models/..%2fetc',
    '/v1/models/%252e%252e',
    '/v1/models/a%5Cb',
    '/v1/models/%E0%A4%A',
    '/v1/models/x%00y',
  ])
    it(`rejects the path ${path} without a 5xx`, async () => {
      const res = await h.request('GET', path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    });
});

describe('request bodies', () => {
  it('refuses JSON nested deeper than the limit (200,000 levels gave a 500) with 400 naming the field', async () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/v1/models', `{"name":"deep","properties":{"k":${deep(200_000)}}}`, 'properties.k'],
      ['PATCH', '/v1/models/fraud', `{"properties":{"k":${deep(200_000)}}}`, 'properties.k'],
      [
        'POST',
        '/v1/models/fraud/versions',
        `{"files":[{"path":"a","size":1,"sha256":"${SHA}"}],"properties":{"k":${deep(200_000)}}}`,
        'properties.k',
      ],
      [
        'POST',
        '/v1/models/fraud/versions',
        `{"files":[{"path":"a","size":1,"sha256":"${SHA}"}],"signature":{"inputs":${deep(200_000)}}}`,
        'signature.inputs',
      ],
      ['POST', '/v1/models', `{"name":"deep2","properties":{"k":${deep(65)}}}`, 'properties.k'],
    ];
    for (const [method, path, body, field] of cases)
      await expectProblem(await h.request(method, path, { body }), 400, field);
    expect((await h.request('GET', '/v1/models/deep')).status).toBe(404);
    const shallow = await h.request('POST', '/v1/models', { body: `{"name":"deep3","properties":{"k":${deep(30)}}}` });
    expect(shallow.status).toBe(201);
  });
  it('names an unknown field', async () => {
    await expectProblem(await h.request('POST', '/v1/models', { body: { name: 'x1', colour: 'red' } }), 400, 'colour');
  });
  it('names a field of the wrong type', async () => {
    await expectProblem(await h.request('POST', '/v1/models', { body: { name: 'x2', tags: { a: 1 } } }), 400, 'tags.a');
  });
  it('rejects malformed JSON and a missing body', async () => {
    await expectProblem(await h.request('POST', '/v1/models', { body: '{"name":' }), 400, 'body');
    await expectProblem(await h.request('POST', '/v1/models', { body: '' }), 400, 'body');
    await expectProblem(await h.request('POST', '/v1/models', { body: '[1,2]' }), 400);
  });
  it('answers 415 naming the header on every route that takes JSON, when the body is not declared JSON', async () => {
    const withBody = registryRoutes(h.registry).filter((r) => r.body !== undefined);
    expect(withBody.length).toBeGreaterThan(5);
    for (const route of withBody) {
      const path = route.path.replace(/\{[A-Za-z]+\+?\}/g, 'x');
      for (const contentType of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=b',
      ]) {
        const res = await h.request(route.method, path, { body: '{}', headers: { 'content-type': contentType } });
        if (route.tag !== 'mlflow') {
          await expectProblem(res, 415, 'header.content-type');
          continue;
        }
        // MLflow's routes answer in MLflow's error format, which has no 415 code.
        expect(res.status, `${route.method} ${path} as ${contentType}`).toBe(400);
        expect(await res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      }
    }
    // Parameters and the structured +json suffix are fine.
    const ok = await h.request('POST', '/v1/models', {
      body: { name: 'typed' },
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    });
    expect(ok.status).toBe(201);
  });
  it('answers 413 for a body over 1 MiB', async () => {
    const big = JSON.stringify({ name: 'big', description: 'x'.repeat(1024 * 1024) });
    await expectProblem(await h.request('POST', '/v1/models', { body: big }), 413);
  });
});

describe('declared files', () => {
  const cases: Array<[string, unknown, string]> = [
    ['negative size', { path: 'a', size: -1, sha256: SHA }, 'files.0.size'],
    ['fractional size', { path: 'a', size: 1.5, sha256: SHA }, 'files.0.size'],
    ['absurd size', { path: 'a', size: 6 * 1024 ** 4, sha256: SHA }, 'files.0.size'],
    ['upper-case sha', { path: 'a', size: 1, sha256: SHA.toUpperCase() }, 'files.0.sha256'],
    ['short sha', { path: 'a', size: 1, sha256: 'abc' }, 'files.0.sha256'],
    ['traversal', { path: '../etc/passwd', size: 1, sha256: SHA }, 'files.0.path'],
    ['inner traversal', { path: 'a/../../b', size: 1, sha256: SHA }, 'files.0.path'],
    ['windows traversal', { path: '..\\..\\b', size: 1, sha256: SHA }, 'files.0.path'],
    ['absolute', { path: '/etc/passwd', size: 1, sha256: SHA }, 'files.0.path'],
    ['proc root', { path: '//proc/self/root', size: 1, sha256: SHA }, 'files.0.path'],
    ['drive letter', { path: 'C:/x', size: 1, sha256: SHA }, 'files.0.path'],
    ['percent encoding', { path: '%2e%2e/x', size: 1, sha256: SHA }, 'files.0.path'],
    ['file url', { path: 'file:///etc/passwd', size: 1, sha256: SHA }, 'files.0.path'],
    ['empty segment', { path: 'a//b', size: 1, sha256: SHA }, 'files.0.path'],
    ['dot segment', { path: './a', size: 1, sha256: SHA }, 'files.0.path'],
    ['control char', { path: 'a\nb', size: 1, sha256: SHA }, 'files.0.path'],
    ['hash and query', { path: 'a#b?c', size: 1, sha256: SHA }, 'files.0.path'],
    ['too long', { path: 'x'.repeat(1025), size: 1, sha256: SHA }, 'files.0.path'],
    ['unknown field', { path: 'a', size: 1, sha256: SHA, mode: 755 }, 'files.0.mode'],
  ];
  for (const [name, file, field] of cases)
    it(`rejects ${name}`, async () => {
      await expectProblem(
        await h.request('POST', '/v1/models/fraud/versions', { body: { files: [file] } }),
        400,
        field,
      );
    });

  it('rejects duplicate paths, no files, and too many files', async () => {
    const f = { path: 'a', size: 1, sha256: SHA };
    await expectProblem(
      await h.request('POST', '/v1/models/fraud/versions', { body: { files: [f, f] } }),
      400,
      'files.1.path',
    );
    await expectProblem(await h.request('POST', '/v1/models/fraud/versions', { body: { files: [] } }), 400, 'files');
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...f, path: `f${i}` }));
    await expectProblem(await h.request('POST', '/v1/models/fraud/versions', { body: { files: many } }), 400, 'files');
  });

  it('rejects a transient version without ttlSeconds, and ttlSeconds without transient', async () => {
    const files = [{ path: 'a', size: 1, sha256: SHA }];
    await expectProblem(
      await h.request('POST', '/v1/models/fraud/versions', { body: { files, retention: 'transient' } }),
      400,
      'ttlSeconds',
    );
    await expectProblem(
      await h.request('POST', '/v1/models/fraud/versions', { body: { files, ttlSeconds: 60 } }),
      400,
      'ttlSeconds',
    );
  });

  it('rejects a runId that names no run', async () => {
    await expectProblem(
      await h.request('POST', '/v1/models/fraud/versions', {
        body: { files: [{ path: 'a', size: 1, sha256: SHA }], runId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      }),
      400,
      'runId',
    );
  });

  it('wrote nothing for any of the rejected requests', async () => {
    // Sends them all again to a registry of its own, so the check holds when this test runs alone.
    const own = await createAppHarness();
    try {
      expect((await own.json('POST', '/v1/models', { body: { name: 'fraud' } })).status).toBe(201);
      const f = { path: 'a', size: 1, sha256: SHA };
      const rejected = [
        ...cases.map(([, file]) => ({ files: [file] })),
        { files: [f, f] },
        { files: [] },
        { files: [f], retention: 'transient' },
        { files: [f], ttlSeconds: 60 },
        { files: [f], runId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      ];
      for (const body of rejected)
        expect((await own.request('POST', '/v1/models/fraud/versions', { body })).status, JSON.stringify(body)).toBe(
          400,
        );
      for (const name of BAD_NAMES)
        expect((await own.request('POST', '/v1/models', { body: { name } })).status).toBe(400);
      const model = await own.json('GET', '/v1/models/fraud');
      expect(model.body.latestVersion).toBe(0);
      expect((await own.json<{ items: unknown[] }>('GET', '/v1/models/fraud/versions')).body.items).toEqual([]);
      const models = await own.json<{ items: Array<{ name: string }> }>('GET', '/v1/models');
      expect(models.body.items.map((m) => m.name)).toEqual(['fraud']);
    } finally {
      await own.close();
    }
  });
});

describe('references, pages and routes', () => {
  it('rejects malformed refs with 400 and unknown ones with 404', async () => {
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/0'), 400, 'ref');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/-1001'), 400, 'ref');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/label:'), 400, 'ref');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/alias:-x'), 400, 'ref');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/9999999999999'), 400, 'ref');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/7'), 404);
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/champion'), 404);
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions/latest'), 404);
    await expectProblem(await h.request('GET', '/v1/models/nope/versions/1'), 404);
  });

  it('rejects reserved, numeric and dash-leading alias names', async () => {
    for (const alias of ['latest', 'ALL', '12', '-1', 'draft'])
      await expectProblem(
        await h.request('PUT', `/v1/models/fraud/aliases/${alias}`, { body: { version: 1 } }),
        400,
        'alias',
      );
  });

  it('checks page sizes and page tokens', async () => {
    await expectProblem(await h.request('GET', '/v1/models?pageSize=1001'), 400, 'pageSize');
    await expectProblem(await h.request('GET', '/v1/models?pageSize=0'), 400, 'pageSize');
    await expectProblem(await h.request('GET', '/v1/models?pageSize=ten'), 400, 'pageSize');
    await expectProblem(await h.request('GET', '/v1/models?pageToken=not*base64'), 400, 'pageToken');
    await expectProblem(await h.request('GET', '/v1/models?pageToken=eyJ2IjoxfQ'), 400, 'pageToken');
    const forged = Buffer.from(JSON.stringify({ v: 1, r: 'versions', p: 'M#fraud', f: '', a: 'V#0' })).toString(
      'base64url',
    );
    await expectProblem(await h.request('GET', `/v1/models?pageToken=${forged}`), 400, 'pageToken');
    // Right listing, but a row key outside the listing's range.
    const outside = Buffer.from(JSON.stringify({ v: 1, r: 'versions', p: 'M#fraud', f: '', a: 'A#x' })).toString(
      'base64url',
    );
    await expectProblem(await h.request('GET', `/v1/models/fraud/versions?pageToken=${outside}`), 400, 'pageToken');
  });

  it('rejects bad filters', async () => {
    await expectProblem(await h.request('GET', '/v1/models?filter=colour=red'), 400, 'filter');
    await expectProblem(await h.request('GET', '/v1/models?filter=name=fr'), 400, 'filter');
    await expectProblem(await h.request('GET', '/v1/models/fraud/versions?filter=owner=x'), 400, 'filter');
  });

  it('answers unknown routes 404 and wrong methods 405, as problems', async () => {
    await expectProblem(await h.request('GET', '/v1/nothing'), 404);
    await expectProblem(await h.request('PUT', '/v1/models'), 405);
  });

  it('rejects file paths that try to leave the version', async () => {
    for (const path of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e/x', 'a/%252e%252e/b', 'a%5Cb', 'a;jsessionid=1', '%ZZ']) {
      const res = await h.request('GET', `/v1/models/fraud/versions/1/files/${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    await expectProblem(
      await h.request('GET', '/v1/models/fraud/versions/1/files/..%2F..%2Fetc%2Fpasswd'),
      400,
      'path',
    );
  });
});
