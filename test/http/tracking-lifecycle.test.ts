/**
 * The native routes the MLflow work added to the core: experiment update, soft delete and
 * restore of experiments and runs, run artifacts (raw bytes past the JSON limit, listing,
 * download), versions made from a `source` (claimed blobs, READY at once; reference versions),
 * and unarchiving a version.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHarness, BASE, createAppHarness } from '../support/app-harness.js';

let h: AppHarness;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(() => h.close());

describe('experiments and runs: update, delete, restore', () => {
  it('renames and tags an experiment, deletes and restores it and its runs', async () => {
    const exp = await h.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'life cycle' } });
    expect(exp.status).toBe(201);
    const patched = await h.json('PATCH', `/v1/experiments/${exp.body.id}`, {
      body: { name: 'renamed experiment', tags: { team: 'risk' } },
    });
    expect(patched.body).toMatchObject({
      name: 'renamed experiment',
      tags: { team: 'risk' },
      lifecycleStage: 'active',
    });
    const taken = await h.json('POST', '/v1/experiments', { body: { name: 'taken' } });
    expect(taken.status).toBe(201);
    expect((await h.json('PATCH', `/v1/experiments/${exp.body.id}`, { body: { name: 'taken' } })).status).toBe(409);
    const run = await h.json<{ id: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} });
    expect((await h.json('DELETE', `/v1/runs/${run.body.id}`)).body).toMatchObject({ lifecycleStage: 'deleted' });
    const listed = await h.json<{ items: unknown[] }>('GET', `/v1/experiments/${exp.body.id}/runs`);
    expect(listed.body.items).toEqual([]);
    expect((await h.json('POST', `/v1/runs/${run.body.id}/restore`)).body).toMatchObject({ lifecycleStage: 'active' });
    expect((await h.json('DELETE', `/v1/experiments/${exp.body.id}`)).body).toMatchObject({
      lifecycleStage: 'deleted',
    });
    expect((await h.json('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} })).status).toBe(400);
    expect((await h.json('POST', `/v1/experiments/${exp.body.id}/restore`)).body).toMatchObject({
      lifecycleStage: 'active',
    });
    expect((await h.json('GET', '/v1/experiments/0')).body).toMatchObject({ id: '0', name: 'Default' });
    expect((await h.json('DELETE', '/v1/experiments/0')).status).toBe(400);
  });
});

describe('runs of an experiment', () => {
  it('are listed newest first, paged, without the deleted ones', async () => {
    const exp = await h.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'newest first' } });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      h.clock.advance(1);
      ids.push((await h.json<{ id: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} })).body.id);
    }
    expect((await h.json('DELETE', `/v1/runs/${ids[2]}`)).status).toBe(200);
    const list = async () => {
      const seen: string[] = [];
      let token = '';
      for (let page = 0; page < 10; page++) {
        const query = new URLSearchParams({ pageSize: '2', ...(token ? { pageToken: token } : {}) });
        const r = await h.json<{ items: Array<{ id: string }>; nextPageToken: string | null }>(
          'GET',
          `/v1/experiments/${exp.body.id}/runs?${query}`,
        );
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((x) => x.id));
        if (!r.body.nextPageToken) return seen;
        token = r.body.nextPageToken;
      }
      throw new Error('the pages did not end');
    };
    expect(await list()).toEqual(ids.filter((_, i) => i !== 2).reverse());
    const foreign = await h.json('GET', `/v1/experiments/${exp.body.id}/runs?pageToken=${'x'.repeat(20)}`);
    expect(foreign.status).toBe(400);
  });

  it("keep a client's start and end times (an import), and refuse ones that are not times", async () => {
    const exp = await h.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'imported' } });
    const path = `/v1/experiments/${exp.body.id}/runs`;
    const run = await h.json<{ id: string; startTime: string }>('POST', path, {
      body: { name: 'old', startTime: '2021-03-04T05:06:07.890+01:00' },
    });
    expect(run.status).toBe(201);
    expect(run.body.startTime).toBe('2021-03-04T04:06:07.890Z');
    const ended = await h.json('PATCH', `/v1/runs/${run.body.id}`, {
      body: { status: 'FINISHED', endTime: '2021-03-04T06:00:00Z' },
    });
    expect(ended.body).toMatchObject({ status: 'FINISHED', endTime: '2021-03-04T06:00:00.000Z' });
    for (const startTime of ['yesterday', '1969-12-31T23:59:59Z', 1_600_000_000_000]) {
      const bad = await h.json<{ errors: Array<{ field: string }> }>('POST', path, { body: { startTime } });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body.errors.map((i) => i.field)).toEqual(['startTime']);
    }
  });
});

describe('run artifacts and versions from a source', () => {
  it('stores raw bytes past the JSON limit, lists directories, downloads, and registers them with no copy', async () => {
    const exp = await h.json<{ id: string }>('POST', '/v1/experiments', { body: { name: 'artifacts' } });
    const run = await h.json<{ id: string }>('POST', `/v1/experiments/${exp.body.id}/runs`, { body: {} });
    const weights = randomBytes(2 * 1024 * 1024 + 3);
    // Raw bytes, not JSON: sent as the app receives them (the harness's request() sends JSON).
    const put = await h.signed(`${BASE}/v1/runs/${run.body.id}/artifacts/model/weights.bin`, {
      method: 'PUT',
      body: new Uint8Array(weights),
      headers: {
        'content-type': 'application/octet-stream',
        'x-test-principal': JSON.stringify({ subject: 'alice', scopes: ['registry.read', 'registry.write'] }),
      },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toEqual({ path: 'model/weights.bin', size: weights.length, sha256: sha(weights) });
    const root = await h.json<{ items: unknown[] }>('GET', `/v1/runs/${run.body.id}/artifacts`);
    expect(root.body.items).toEqual([{ path: 'model', isDir: true }]);
    const dir = await h.json<{ items: unknown[] }>('GET', `/v1/runs/${run.body.id}/artifacts?path=model`);
    expect(dir.body.items).toEqual([
      { path: 'model/weights.bin', isDir: false, size: weights.length, sha256: sha(weights) },
    ]);
    const got = await h.request('GET', `/v1/runs/${run.body.id}/artifacts/model/weights.bin`);
    expect(got.status).toBe(302);
    const bytes = Buffer.from(
      await (await h.signed(got.headers.get('location') ?? '', { method: 'GET' })).arrayBuffer(),
    );
    expect(sha(bytes)).toBe(sha(weights));
    expect((await h.request('PUT', `/v1/runs/${run.body.id}/artifacts/..%5Cx`, { body: 'x' })).status).toBe(400);

    await h.json('POST', '/v1/models', { body: { name: 'from-run' } });
    const v = await h.json<{
      version: { state: string; runId: string; files: Array<{ path: string }> };
      uploads: unknown[];
    }>('POST', '/v1/models/from-run/versions', { body: { source: `runs:/${run.body.id}/model` } });
    expect(v.status, JSON.stringify(v.body)).toBe(201);
    expect(v.body.version).toMatchObject({ state: 'READY', runId: run.body.id, files: [{ path: 'weights.bin' }] });
    expect(v.body.uploads).toEqual([]);
    const ref = await h.json<{ version: { state: string; files: unknown[]; source: string } }>(
      'POST',
      '/v1/models/from-run/versions',
      { body: { source: 'https://example.com/models/x.onnx' } },
    );
    expect(ref.body.version).toMatchObject({ state: 'READY', files: [], source: 'https://example.com/models/x.onnx' });
    for (const source of ['file:///etc/passwd', `runs:/${run.body.id}/../x`, '/etc/passwd'])
      expect((await h.json('POST', '/v1/models/from-run/versions', { body: { source } })).status).toBe(400);
    expect((await h.json('POST', '/v1/models/from-run/versions', { body: { source: 'x:y', files: [] } })).status).toBe(
      400,
    );

    const archived = await h.json('POST', '/v1/models/from-run/versions/1/archive', { as: 'admin' });
    expect(archived.body).toMatchObject({ state: 'ARCHIVED' });
    const back = await h.json('POST', '/v1/models/from-run/versions/1/unarchive', { as: 'admin' });
    expect(back.body).toMatchObject({ state: 'READY' });
    expect((await h.json('GET', '/v1/models/from-run/versions/latest')).body).toMatchObject({ version: 2 });
  });
});
