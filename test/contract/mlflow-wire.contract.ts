/**
 * MLflow's wire format, endpoint by endpoint, against one backend (SQLite + files, DynamoDB
 * Local + s3rver, Azurite) through the registry's app. Request and response shapes follow
 * MLflow's protos (service.proto, model_registry.proto, mlflow_artifacts.proto); the fixtures
 * below are this suite's own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { objectKeys, runKeys } from '../../shared/domain/keys.js';
import type { OpenOptions, Registry } from '../reliability/backend.js';
import { principalHeader, principalOf } from '../reliability/principal-header.js';

const BASE = 'http://registry.test';
const WRITER = principalOf('mlflow-writer', 'write');
const READER = principalOf('mlflow-reader', 'read');
const ADMIN = principalOf('mlflow-admin', 'admin');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// biome-ignore lint/suspicious/noExplicitAny: MLflow bodies are read field by field, as a client would
type Json = Record<string, any>;

export interface MlflowWireHarness {
  registry: Registry;
  /** A registry of its own, for a test that moves the clock (the shared one's must stay on time) or sets its settings. */
  open: (options?: OpenOptions) => Promise<Registry>;
}

let seq = 0;

export function describeMlflowWireContract(name: string, harness: () => MlflowWireHarness): void {
  describe(`MLflow wire format: ${name}`, () => {
    const reg = () => harness().registry;
    const unique = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

    async function raw(
      method: string,
      path: string,
      init: {
        body?: BodyInit;
        headers?: Record<string, string>;
        as?: typeof WRITER | 'none';
        /** Another registry than the shared one. */
        on?: Registry;
      } = {},
    ) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      const as = init.as ?? WRITER;
      if (as !== 'none') headers['x-test-principal'] = principalHeader(as);
      return (init.on ?? reg()).fetch(
        new Request(`${BASE}${path}`, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) }),
      );
    }

    async function call(method: string, path: string, body?: unknown, as?: typeof WRITER | 'none', on?: Registry) {
      let url = `/api/2.0/mlflow${path}`;
      let payload: string | undefined;
      if (method === 'GET' && body !== undefined) {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(body as Json))
          for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
        url += `?${q}`;
      } else if (body !== undefined) payload = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await raw(method, url, {
        ...(payload !== undefined ? { body: payload, headers: { 'content-type': 'application/json' } } : {}),
        ...(as ? { as } : {}),
        ...(on ? { on } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, headers: res.headers };
    }

    const expectError = (r: { status: number; body: Json; headers: Headers }, status: number, code: string) => {
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error_code).toBe(code);
      expect(typeof r.body.message).toBe('string');
      expect(r.headers.get('content-type')).toContain('application/json');
    };

    async function putArtifact(path: string, bytes: Uint8Array) {
      const res = await raw('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`, {
        body: new Uint8Array(bytes),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({});
    }

    async function download(path: string): Promise<Buffer> {
      const res = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts/${path}`);
      expect(res.status, await res.clone().text()).toBe(302);
      const location = res.headers.get('location') ?? '';
      const got = await reg().sendSigned(location, { method: 'GET' });
      expect(got.status).toBe(200);
      return Buffer.from(await got.arrayBuffer());
    }

    async function newRun(experimentId?: string) {
      const r = await call('POST', '/runs/create', {
        ...(experimentId ? { experiment_id: experimentId } : {}),
        run_name: 'train',
        start_time: Date.now(),
        tags: [{ key: 'mlflow.user', value: 'me' }],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.run as Json;
    }

    it('experiments: create, get, get-by-name, default "0", search pages, update, tags, delete and restore', async () => {
      const name = unique('exp with spaces');
      const created = await call('POST', '/experiments/create', {
        name,
        tags: [{ key: 'team', value: 'risk' }],
        unknown_field: 1,
      });
      expect(created.status).toBe(200);
      const id = created.body.experiment_id as string;
      expect(typeof id).toBe('string');
      const got = await call('GET', '/experiments/get', { experiment_id: id });
      expect(got.body.experiment).toMatchObject({
        experiment_id: id,
        name,
        artifact_location: `mlflow-artifacts:/${id}`,
        lifecycle_stage: 'active',
        tags: [{ key: 'team', value: 'risk' }],
      });
      expect(typeof got.body.experiment.creation_time).toBe('number');
      expect(typeof got.body.experiment.last_update_time).toBe('number');
      expect(
        (await call('GET', '/experiments/get-by-name', { experiment_name: name })).body.experiment.experiment_id,
      ).toBe(id);
      const dflt = await call('GET', '/experiments/get', { experiment_id: '0' });
      expect(dflt.body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
      expectError(await call('POST', '/experiments/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS');

      await call('POST', '/experiments/create', { name: unique('second') });
      const first = await call('POST', '/experiments/search', { max_results: 1 });
      expect(first.status).toBe(200);
      expect(first.body.experiments).toHaveLength(1);
      expect(typeof first.body.next_page_token).toBe('string');
      const all = await call('GET', '/experiments/search', { max_results: 5000 });
      expect(all.status).toBe(200);
      expect(all.body.next_page_token).toBeUndefined();
      const byName = await call('POST', '/experiments/search', { filter: `name = '${name}'` });
      expect(byName.body.experiments.map((e: Json) => e.experiment_id)).toEqual([id]);
      const byTag = await call('POST', '/experiments/search', { filter: "tags.team = 'risk'" });
      expect(byTag.body.experiments.map((e: Json) => e.experiment_id)).toContain(id);

      const renamed = unique('renamed');
      expect((await call('POST', '/experiments/update', { experiment_id: id, new_name: renamed })).body).toEqual({});
      expect(
        (await call('GET', '/experiments/get-by-name', { experiment_name: renamed })).body.experiment.experiment_id,
      ).toBe(id);
      expectError(
        await call('GET', '/experiments/get-by-name', { experiment_name: name }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      await call('POST', '/experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' });
      await call('POST', '/experiments/delete-experiment-tag', { experiment_id: id, key: 'team' });
      expect((await call('GET', '/experiments/get', { experiment_id: id })).body.experiment.tags).toEqual([
        { key: 'stage', value: 'dev' },
      ]);

      expect((await call('POST', '/experiments/delete', { experiment_id: id })).body).toEqual({});
      expect((await call('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe(
        'deleted',
      );
      const deleted = await call('POST', '/experiments/search', { view_type: 'DELETED_ONLY' });
      expect(deleted.body.experiments.map((e: Json) => e.experiment_id)).toContain(id);
      const active = await call('POST', '/experiments/search', { view_type: 'ACTIVE_ONLY', max_results: 1000 });
      expect(active.body.experiments.map((e: Json) => e.experiment_id)).not.toContain(id);
      expectError(await call('POST', '/runs/create', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE');
      await call('POST', '/experiments/restore', { experiment_id: id });
      expect((await call('GET', '/experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe(
        'active',
      );
      expectError(
        await call('GET', '/experiments/get', { experiment_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
    });

    it('runs: create, log-parameter, log-metric, log-batch, tags, get, update, history, delete and restore', async () => {
      const run = await newRun();
      expect(run.info).toMatchObject({
        experiment_id: '0',
        run_name: 'train',
        status: 'RUNNING',
        lifecycle_stage: 'active',
      });
      const runId = run.info.run_id as string;
      expect(run.info.run_uuid).toBe(runId);
      expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${runId}/artifacts`);
      expect(typeof run.info.start_time).toBe('number');
      expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'train' });

      expect((await call('POST', '/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).body).toEqual({});
      expectError(
        await call('POST', '/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        (await call('POST', '/runs/log-metric', { run_id: runId, key: 'loss', value: 0.9, timestamp: 1, step: 0 }))
          .body,
      ).toEqual({});
      const batch = await call('POST', '/runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'loss', value: 0.5, timestamp: '2', step: '1' },
          { key: 'acc', value: 0.7, timestamp: 2, step: 1 },
        ],
        params: [{ key: 'depth', value: '6' }],
        tags: [{ key: 'team', value: 'risk' }],
      });
      expect(batch.status, JSON.stringify(batch.body)).toBe(200);
      expect(
        (await call('POST', '/runs/set-tag', { run_id: runId, key: 'note', value: 'x'.repeat(5000) })).status,
      ).toBe(200);
      expectError(
        await call('POST', '/runs/set-tag', { run_id: runId, key: 'note', value: 'x'.repeat(5001) }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      await call('POST', '/runs/delete-tag', { run_id: runId, key: 'note' });
      expectError(
        await call('POST', '/runs/delete-tag', { run_id: runId, key: 'note' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );

      const got = (await call('GET', '/runs/get', { run_id: runId })).body.run as Json;
      expect(got.data.params).toEqual(
        expect.arrayContaining([
          { key: 'lr', value: '0.1' },
          { key: 'depth', value: '6' },
        ]),
      );
      // The latest point per key, with its own step and time.
      expect(got.data.metrics).toEqual(
        expect.arrayContaining([
          { key: 'loss', value: 0.5, timestamp: 2, step: 1 },
          { key: 'acc', value: 0.7, timestamp: 2, step: 1 },
        ]),
      );
      expect(got.data.tags).toContainEqual({ key: 'team', value: 'risk' });
      expect(got.data.tags.find((t: Json) => t.key === 'note')).toBeUndefined();

      const history = await call('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss' });
      expect(history.body.metrics).toEqual([
        { key: 'loss', value: 0.9, timestamp: 1, step: 0 },
        { key: 'loss', value: 0.5, timestamp: 2, step: 1 },
      ]);
      expect(history.body.next_page_token).toBeUndefined();
      const paged = await call('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 1 });
      expect(paged.body.metrics).toHaveLength(1);
      expect(typeof paged.body.next_page_token).toBe('string');

      const updated = await call('POST', '/runs/update', {
        run_id: runId,
        status: 'FINISHED',
        end_time: Date.now(),
        run_name: 'renamed',
      });
      expect(updated.body.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', run_name: 'renamed' });
      expect(typeof updated.body.run_info.end_time).toBe('number');
      expect(
        (await call('POST', '/runs/log-model', { run_id: runId, model_json: '{"artifact_path":"model"}' })).status,
      ).toBe(200);
      const withModel = (await call('GET', '/runs/get', { run_id: runId })).body.run as Json;
      expect(JSON.parse(withModel.data.tags.find((t: Json) => t.key === 'mlflow.log-model.history').value)).toEqual([
        { artifact_path: 'model' },
      ]);
      expect((await call('POST', '/runs/log-inputs', { run_id: runId, datasets: [] })).body).toEqual({});
      expect((await call('POST', '/runs/outputs', { run_id: runId, models: [] })).body).toEqual({});

      await call('POST', '/runs/delete', { run_id: runId });
      expect((await call('GET', '/runs/get', { run_id: runId })).body.run.info.lifecycle_stage).toBe('deleted');
      await call('POST', '/runs/restore', { run_id: runId });
      expect((await call('GET', '/runs/get', { run_id: runId })).body.run.info.lifecycle_stage).toBe('active');
      // What MLflow wrote is the registry's own run.
      const nativeRun = await raw('GET', `/v1/runs/${runId}`);
      expect(await nativeRun.json()).toMatchObject({
        id: runId,
        params: { lr: '0.1', depth: '6' },
        latestMetrics: { loss: 0.5 },
      });
    });

    it('runs: log-inputs (datasets, models) and outputs stored once, shown by get and search', async () => {
      const exp = (await call('POST', '/experiments/create', { name: unique('inputs') })).body.experiment_id as string;
      const runId = (await newRun(exp)).info.run_id as string;
      const dataset = {
        name: 'iris',
        digest: 'a1b2c3d4',
        source_type: 'local',
        source: '{"uri": "/data/iris.csv"}',
        schema: '{"mlflow_colspec": [{"type": "double", "name": "x"}]}',
        profile: '{"num_rows": 150}',
      };
      const training = [{ key: 'mlflow.data.context', value: 'training' }];
      // The same dataset twice is one input.
      for (let i = 0; i < 2; i++)
        expect(
          (await call('POST', '/runs/log-inputs', { run_id: runId, datasets: [{ tags: training, dataset }] })).body,
        ).toEqual({});
      const other = { name: 'iris', digest: 'ffff', source_type: 'local', source: '' };
      await call('POST', '/runs/log-inputs', {
        run_id: runId,
        datasets: [{ dataset: other }],
        models: [{ model_id: 'm-1' }],
      });
      await call('POST', '/runs/outputs', { run_id: runId, models: [{ model_id: 'm-2', step: '3' }] });
      const expected = {
        inputs: {
          dataset_inputs: [
            { tags: training, dataset },
            { tags: [], dataset: other },
          ],
          model_inputs: [{ model_id: 'm-1' }],
        },
        outputs: { model_outputs: [{ model_id: 'm-2', step: 3 }] },
      };
      expect((await call('GET', '/runs/get', { run_id: runId })).body.run).toMatchObject(expected);
      expect((await call('POST', '/runs/search', { experiment_ids: [exp] })).body.runs[0]).toMatchObject(expected);
      expect(await (await raw('GET', `/v1/runs/${runId}`)).json()).toMatchObject({
        inputs: {
          datasets: [
            { name: 'iris', digest: 'a1b2c3d4', sourceType: 'local', tags: { 'mlflow.data.context': 'training' } },
            { digest: 'ffff' },
          ],
          models: [{ modelId: 'm-1' }],
        },
        outputs: { models: [{ modelId: 'm-2', step: 3 }] },
      });
      const viaNative = await raw('POST', `/v1/runs/${runId}/inputs`, {
        body: JSON.stringify({ datasets: [{ name: 'native', digest: 'd1', sourceType: 's3', source: 's3://b/k' }] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(viaNative.status).toBe(200);
      expect((await viaNative.json()).inputs.datasets.map((d: Json) => d.name)).toEqual(['iris', 'iris', 'native']);
      // Bounded sizes, refused naming the field; a dataset without its digest is refused.
      const big = await call('POST', '/runs/log-inputs', {
        run_id: runId,
        datasets: [{ dataset: { ...dataset, digest: 'x', schema: 's'.repeat(64_001) } }],
      });
      expectError(big, 400, 'INVALID_PARAMETER_VALUE');
      expect(big.body.message).toContain('schema');
      const missing = await call('POST', '/runs/log-inputs', { run_id: runId, datasets: [{ dataset: { name: 'n' } }] });
      expectError(missing, 400, 'INVALID_PARAMETER_VALUE');
      expect(missing.body.message).toContain('digest');
      // Bounded counts per run: a request that would pass 200 outputs writes none of them.
      const outputs = (from: number) =>
        call('POST', '/runs/outputs', {
          run_id: runId,
          models: Array.from({ length: 100 }, (_, i) => ({ model_id: `m-${from + i}`, step: 0 })),
        });
      expect((await outputs(100)).status).toBe(200);
      const over = await outputs(200);
      expectError(over, 400, 'INVALID_PARAMETER_VALUE');
      expect(over.body.message).toContain('models');
      expect((await call('GET', '/runs/get', { run_id: runId })).body.run.outputs.model_outputs).toHaveLength(101);
    });

    it('runs: a deleted run takes no writes until restored', async () => {
      const exp = (await call('POST', '/experiments/create', { name: unique('deleted') })).body.experiment_id as string;
      const runId = (await newRun(exp)).info.run_id as string;
      // A deleted run refuses every write, as MLflow's server does; restored, it takes them again.
      await call('POST', '/runs/delete', { run_id: runId });
      const writes: Array<[string, Json]> = [
        ['/runs/log-metric', { run_id: runId, key: 'loss', value: 1, timestamp: 1, step: 0 }],
        ['/runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }] }],
        ['/runs/log-batch', { run_id: runId }],
        ['/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' }],
        ['/runs/set-tag', { run_id: runId, key: 'team', value: 'risk' }],
        ['/runs/delete-tag', { run_id: runId, key: 'mlflow.user' }],
        ['/runs/update', { run_id: runId, status: 'FINISHED' }],
        [
          '/runs/log-inputs',
          { run_id: runId, datasets: [{ dataset: { name: 'd', digest: '1', source_type: 'local' } }] },
        ],
        ['/runs/outputs', { run_id: runId, models: [{ model_id: 'm-3', step: 0 }] }],
      ];
      for (const [path, body] of writes) {
        const refused = await call('POST', path, body);
        expectError(refused, 400, 'INVALID_PARAMETER_VALUE');
        expect(refused.body.message, path).toContain("must be in the 'active' state");
      }
      const after = (await call('GET', '/runs/get', { run_id: runId })).body.run as Json;
      expect(after.data.metrics ?? []).toEqual([]);
      expect(
        (await call('GET', '/metrics/get-history', { run_id: runId, metric_key: 'loss' })).body.metrics ?? [],
      ).toEqual([]);
      expect(after.data.params ?? []).toEqual([]);
      expect(after.info.status).toBe('RUNNING');
      expect(after.inputs.dataset_inputs).toEqual([]);
      expect(after.outputs.model_outputs).toEqual([]);
      // The native API says the same as a problem naming the run's lifecycle.
      const native = await raw('PUT', `/v1/runs/${runId}/params`, {
        body: JSON.stringify({ lr: '0.1' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(native.status).toBe(400);
      expect(native.headers.get('content-type')).toContain('application/problem+json');
      expect((await native.json()).errors).toEqual([
        { field: 'lifecycleStage', message: expect.stringContaining('restore') },
      ]);
      await call('POST', '/runs/restore', { run_id: runId });
      expect((await call('POST', '/runs/set-tag', { run_id: runId, key: 'team', value: 'risk' })).status).toBe(200);
    });

    it('runs/search: filters on params, metrics, tags and attributes, order_by, pages', async () => {
      const exp = (await call('POST', '/experiments/create', { name: unique('search') })).body.experiment_id as string;
      const ids: string[] = [];
      for (const [i, lr] of ['0.1', '0.2', '0.3'].entries()) {
        const run = await newRun(exp);
        ids.push(run.info.run_id);
        await call('POST', '/runs/log-batch', {
          run_id: run.info.run_id,
          params: [{ key: 'lr', value: lr }],
          metrics: [{ key: 'acc', value: 0.5 + i / 10, timestamp: 1, step: 0 }],
          tags: [{ key: 'kind', value: i === 0 ? 'base' : 'tuned' }],
        });
      }
      await call('POST', '/runs/update', { run_id: ids[2], status: 'FINISHED' });
      const search = (body: Json) => call('POST', '/runs/search', { experiment_ids: [exp], ...body });
      const idsOf = (r: { body: Json }) => (r.body.runs ?? []).map((x: Json) => x.info.run_id);
      expect(idsOf(await search({ filter: "params.lr = '0.2'" }))).toEqual([ids[1]]);
      expect(idsOf(await search({ filter: 'metrics.acc > 0.55', order_by: ['metrics.acc DESC'] }))).toEqual([
        ids[2],
        ids[1],
      ]);
      expect(idsOf(await search({ filter: "tags.kind = 'tuned' and attributes.status = 'FINISHED'" }))).toEqual([
        ids[2],
      ]);
      expect(idsOf(await search({ filter: "params.lr IN ('0.1', '0.3')", order_by: ['params.lr ASC'] }))).toEqual([
        ids[0],
        ids[2],
      ]);
      expect(idsOf(await search({ filter: "attributes.run_name LIKE 'tr%'", order_by: ['metrics.acc'] }))).toEqual(ids);
      const page1 = await search({ max_results: 2, order_by: ['metrics.acc ASC'] });
      expect(idsOf(page1)).toEqual([ids[0], ids[1]]);
      const page2 = await search({
        max_results: 2,
        order_by: ['metrics.acc ASC'],
        page_token: page1.body.next_page_token,
      });
      expect(idsOf(page2)).toEqual([ids[2]]);
      expect(page2.body.next_page_token).toBeUndefined();
      expectError(await search({ filter: 'metrics.acc >' }), 400, 'INVALID_PARAMETER_VALUE');
      expectError(await search({ filter: "bogus.x = '1'" }), 400, 'INVALID_PARAMETER_VALUE');
    });

    it('artifacts: PUT, list (proxy and tracking), GET as a 302 to the same bytes, delete; directories synthesized', async () => {
      const run = await newRun();
      const root = `0/${run.info.run_id}/artifacts`;
      const a = randomBytes(2000);
      const b = randomBytes(10);
      await putArtifact(`${root}/model/MLmodel`, a);
      await putArtifact(`${root}/model/data/weights.bin`, b);
      await putArtifact(`${root}/notes.txt`, new TextEncoder().encode('hi'));
      const top = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(root)}`);
      expect(await top.json()).toEqual({
        files: [
          { path: 'model', is_dir: true },
          { path: 'notes.txt', is_dir: false, file_size: 2 },
        ],
      });
      // MLflow 3 clients list `<dir>/.`: the directory itself.
      const dot = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/.`)}`);
      expect(((await dot.json()) as Json).files).toHaveLength(2);
      const inner = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/model`)}`);
      expect(await inner.json()).toEqual({
        files: [
          { path: 'MLmodel', is_dir: false, file_size: 2000 },
          { path: 'data', is_dir: true },
        ],
      });
      const tracking = await call('GET', '/artifacts/list', { run_id: run.info.run_id, path: 'model' });
      expect(tracking.body).toEqual({
        root_uri: run.info.artifact_uri,
        files: [
          { path: 'model/MLmodel', is_dir: false, file_size: 2000 },
          { path: 'model/data', is_dir: true },
        ],
      });
      expect(sha(await download(`${root}/model/MLmodel`))).toBe(sha(a));
      // Overwriting a path replaces its bytes.
      const a2 = randomBytes(100);
      await putArtifact(`${root}/model/MLmodel`, a2);
      expect(sha(await download(`${root}/model/MLmodel`))).toBe(sha(a2));
      expect((await raw('DELETE', `/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`)).status).toBe(200);
      const missing = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts/${root}/notes.txt`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('artifacts: multipart create (signed part URLs), parts straight to storage, complete, abort', async () => {
      const run = await newRun();
      const dir = `0/${run.info.run_id}/artifacts/big`;
      const partSize = 5 * 1024 * 1024;
      const bytes = randomBytes(partSize + 1234);
      const created = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/create/${dir}`, {
        body: JSON.stringify({ path: '/tmp/local/weights.bin', num_parts: 2 }),
        headers: { 'content-type': 'application/json' },
      });
      const body = (await created.json()) as Json;
      expect(created.status, JSON.stringify(body)).toBe(200);
      expect(typeof body.upload_id).toBe('string');
      expect(body.credentials.map((c: Json) => c.part_number)).toEqual([1, 2]);
      const parts = [];
      for (const c of body.credentials as Json[]) {
        const chunk = bytes.subarray((c.part_number - 1) * partSize, c.part_number * partSize);
        const res = await reg().sendSigned(c.url, {
          method: 'PUT',
          headers: c.headers ?? {},
          body: new Uint8Array(chunk),
        });
        expect(res.status, await res.clone().text()).toBeLessThan(300);
        parts.push({ part_number: c.part_number, etag: res.headers.get('etag') ?? '', url: c.url });
      }
      const done = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, {
        body: JSON.stringify({ path: '/tmp/local/weights.bin', upload_id: body.upload_id, parts }),
        headers: { 'content-type': 'application/json' },
      });
      expect(done.status, await done.clone().text()).toBe(200);
      expect(sha(await download(`${dir}/weights.bin`))).toBe(sha(bytes));

      const again = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/create/${dir}`, {
        body: JSON.stringify({ path: 'other.bin', num_parts: 1 }),
        headers: { 'content-type': 'application/json' },
      });
      const upload = (await again.json()) as Json;
      const aborted = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/abort/${dir}`, {
        body: JSON.stringify({ path: 'other.bin', upload_id: upload.upload_id }),
        headers: { 'content-type': 'application/json' },
      });
      expect(aborted.status).toBe(200);
      const after = await raw('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, {
        body: JSON.stringify({ path: 'other.bin', upload_id: upload.upload_id, parts: [] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(after.status).toBe(404);
    });

    it('artifacts: the sweeper aborts a multipart upload left open past the pending timeout, and leaves completed ones', async () => {
      // A registry of its own: this test moves its clock past the pending timeout.
      const own = await harness().open();
      try {
        const post = (path: string, body: Json) =>
          raw('POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, on: own });
        const created = await post('/api/2.0/mlflow/runs/create', { run_name: 'killed', start_time: Date.now() });
        const runId = ((await created.json()) as Json).run.info.run_id as string;
        const dir = `0/${runId}/artifacts/big`;
        const upload = async (path: string) => {
          const res = await post(`/api/2.0/mlflow-artifacts/mpu/create/${dir}`, { path, num_parts: 2 });
          const body = (await res.json()) as Json;
          expect(res.status, JSON.stringify(body)).toBe(200);
          const part = body.credentials[0] as Json;
          const bytes = randomBytes(5 * 1024 * 1024);
          const put = await own.sendSigned(part.url, { method: 'PUT', headers: part.headers ?? {}, body: bytes });
          expect(put.status, await put.clone().text()).toBeLessThan(300);
          return { uploadId: body.upload_id as string, bytes };
        };
        // A client killed after its first part, and one that finished.
        const killed = await upload('weights.bin');
        const finished = await upload('config.bin');
        const completed = await post(`/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, {
          path: 'config.bin',
          upload_id: finished.uploadId,
          parts: [],
        });
        expect(completed.status, await completed.clone().text()).toBe(200);
        const row = await own.metadata.get<{ stagingKey: string; storeUploadId: string }>(
          runKeys.run(runId),
          runKeys.artifactUpload(killed.uploadId),
        );
        if (!row) throw new Error('the open upload has no row');
        const { stagingKey, storeUploadId } = row.data;
        expect(await own.objects.listParts(stagingKey, storeUploadId)).toHaveLength(1);

        // Not due yet: an upload in progress is left alone.
        expect((await own.registry.sweep()).abandonedUploads).toBe(0);
        expect(await own.objects.listParts(stagingKey, storeUploadId)).toHaveLength(1);

        own.clock.advance(own.registry.context.settings.pendingTimeoutSeconds + 3600);
        const swept = await own.registry.sweep();
        expect(swept.errors).toEqual([]);
        expect(swept.abandonedUploads).toBe(1);
        expect(await own.objects.listParts(stagingKey, storeUploadId)).toEqual([]);
        const late = await post(`/api/2.0/mlflow-artifacts/mpu/complete/${dir}`, {
          path: 'weights.bin',
          upload_id: killed.uploadId,
          parts: [],
        });
        expect(late.status).toBe(404);
        // The finished one is still listed, and its bytes are still in storage. (Through the store:
        // a download URL signed a week ahead would not be valid yet on Azurite, which keeps real time.)
        const listed = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(dir)}`, {
          as: READER,
          on: own,
        });
        expect(((await listed.json()) as Json).files).toEqual([
          { path: 'config.bin', is_dir: false, file_size: finished.bytes.length },
        ]);
        expect((await own.objects.head(objectKeys(own.prefix).blob(sha(finished.bytes))))?.size).toBe(
          finished.bytes.length,
        );
        expect((await own.registry.sweep()).abandonedUploads).toBe(0);
      } finally {
        await own.close();
      }
    });

    it("runs: the client's start and end times are kept, and order the search; out-of-range times are refused", async () => {
      const exp = (await call('POST', '/experiments/create', { name: unique('times') })).body.experiment_id as string;
      // Imported runs, created out of their time order (as a migration from another server would).
      const starts = [1_600_000_300_000, 1_600_000_100_000, 1_600_000_200_000];
      const ids: string[] = [];
      for (const start_time of starts) {
        const r = await call('POST', '/runs/create', { experiment_id: exp, start_time: String(start_time) });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.run.info.start_time).toBe(start_time);
        ids.push(r.body.run.info.run_id);
      }
      const ended = await call('POST', '/runs/update', {
        run_id: ids[1],
        status: 'FINISHED',
        end_time: 1_600_000_150_000,
      });
      expect(ended.body.run_info).toMatchObject({
        status: 'FINISHED',
        start_time: starts[1],
        end_time: 1_600_000_150_000,
      });
      const found = await call('POST', '/runs/search', { experiment_ids: [exp] });
      expect(found.body.runs.map((x: Json) => x.info.run_id)).toEqual([ids[0], ids[2], ids[1]]);
      for (const start_time of [-1, 253_402_300_800_000, '99999999999999999'])
        expectError(
          await call('POST', '/runs/create', { experiment_id: exp, start_time }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      const late = await call('POST', '/runs/update', { run_id: ids[0], status: 'KILLED', end_time: -3 });
      expectError(late, 400, 'INVALID_PARAMETER_VALUE');
      expect(late.body.message).toContain('end_time');
      expect((await call('GET', '/runs/get', { run_id: ids[0] })).body.run.info.status).toBe('RUNNING');
    });

    it('runs/search: newest first pages through more runs than a scan may read, across experiments; runs made before the index are indexed by the sweeper', async () => {
      const own = await harness().open({ settings: { maxSearchedRuns: 6 } });
      try {
        const on = (method: string, path: string, body?: unknown) => call(method, path, body, undefined, own);
        const experiment = async () =>
          (await on('POST', '/experiments/create', { name: unique('sweep') })).body.experiment_id as string;
        const created: Array<{ id: string; exp: string }> = [];
        const run = async (exp: string, tags: Json[] = []) => {
          own.clock.advance(1);
          const r = await on('POST', '/runs/create', { experiment_id: exp, tags });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          created.push({ id: r.body.run.info.run_id, exp });
          return r.body.run.info.run_id as string;
        };
        const [big, small, old] = [await experiment(), await experiment(), await experiment()];
        // 20 runs in one experiment (more than the 6 a scan may read), 5 in another, interleaved in time.
        for (let i = 0; i < 14; i++) {
          await run(big, i % 3 === 0 ? [{ key: 'kind', value: 'tuned' }] : []);
          if (i % 3 === 1) await run(small, [{ key: 'kind', value: 'tuned' }]);
        }
        // Then a burst in one: the tuned run among them is the 5th newest, past the first read of 3.
        for (let j = 0; j < 6; j++) await run(big, j === 1 ? [{ key: 'kind', value: 'tuned' }] : []);
        const bigIds = created.filter((c) => c.exp === big).map((c) => c.id);
        const deleted = [bigIds[0], bigIds[7]];
        for (const runId of deleted) expect((await on('POST', '/runs/delete', { run_id: runId })).status).toBe(200);
        const newestFirst = (exps: string[], keep: (id: string) => boolean = () => true) =>
          created
            .filter((c) => exps.includes(c.exp) && !deleted.includes(c.id) && keep(c.id))
            .map((c) => c.id)
            .reverse();
        const pages = async (body: Json) => {
          const ids: string[] = [];
          let token: string | undefined;
          for (let n = 0; n < 20; n++) {
            const r = await on('POST', '/runs/search', { ...body, ...(token ? { page_token: token } : {}) });
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            const runs: Json[] = r.body.runs ?? [];
            expect(runs.length).toBeLessThanOrEqual(body.max_results ?? 1000);
            ids.push(...runs.map((x) => x.info.run_id as string));
            token = r.body.next_page_token;
            if (!token) return ids;
          }
          throw new Error('the pages did not end');
        };
        expect(await pages({ experiment_ids: [big], max_results: 4 })).toEqual(newestFirst([big]));
        expect(
          await pages({ experiment_ids: [big], max_results: 5, order_by: ['attributes.start_time DESC'] }),
        ).toEqual(newestFirst([big]));
        // Pages of 2: each experiment is read 3 index rows at a time, and the reads are merged by key.
        const both = await pages({ experiment_ids: [big, small], max_results: 2 });
        expect(both).toEqual(newestFirst([big, small]));
        expect(both).toHaveLength(23);
        // A filter on tags: pages may come short (6 index rows examined per page), none is lost.
        const tuned = new Set(
          (await pages({ experiment_ids: [big, small], filter: "tags.kind = 'tuned'", max_results: 2 })).values(),
        );
        expect([...tuned]).toEqual(newestFirst([big, small], (id) => tuned.has(id)));
        expect(tuned.size).toBe(10); // 6 in big (1 of them deleted), 5 in small
        expect(await pages({ experiment_ids: [big], run_view_type: 'DELETED_ONLY' })).toEqual([...deleted].reverse());
        // Other orders still scan, and say how to narrow the search.
        const scanned = await on('POST', '/runs/search', {
          experiment_ids: [big],
          order_by: ['attributes.run_name ASC'],
        });
        expectError(scanned, 400, 'INVALID_PARAMETER_VALUE');
        expect(scanned.body.message).toContain('at most 6 runs');

        // An experiment from before the index: its runs have no index rows, and no state says it is complete.
        for (let i = 0; i < 8; i++) await run(old);
        const pk = runKeys.experimentRuns(old);
        const indexRows = (await own.metadata.query(pk, { prefix: runKeys.runByStartPrefix, limit: 100 })).items;
        expect(indexRows).toHaveLength(8);
        await own.metadata.batch(pk, [
          { op: 'delete', sk: runKeys.runIndexState },
          ...indexRows.map((r) => ({ op: 'delete' as const, sk: r.sk })),
        ]);
        await own.metadata.batch(runKeys.experiments, [{ op: 'delete', sk: runKeys.runIndexState }]);
        // It is scanned (8 runs: more than 6), until the sweeper has indexed it: 5 runs per sweep here.
        expectError(await on('POST', '/runs/search', { experiment_ids: [old] }), 400, 'INVALID_PARAMETER_VALUE');
        expect((await own.registry.sweep({ runIndexLimit: 5 })).runsIndexed).toBe(5);
        expectError(await on('POST', '/runs/search', { experiment_ids: [old] }), 400, 'INVALID_PARAMETER_VALUE');
        const second = await own.registry.sweep({ runIndexLimit: 5 });
        expect(second.errors).toEqual([]);
        expect(second.runsIndexed).toBe(3);
        expect(await pages({ experiment_ids: [old, small], max_results: 4 })).toEqual(newestFirst([old, small]));
        expect((await own.registry.sweep()).runsIndexed).toBe(0);
        expect(await own.metadata.get(runKeys.experiments, runKeys.runIndexState)).toMatchObject({
          data: { complete: true },
        });
      } finally {
        await own.close();
      }
    });

    it("refuses MLflow's path-traversal CVE inputs and foreign-fetch sources, in MLflow's error format", async () => {
      const run = await newRun();
      const root = `0/${run.info.run_id}/artifacts`;
      const hostile = [
        `${root}/..%2F..%2F..%2Fetc%2Fpasswd`, // CVE-2023-6909 / CVE-2024-1560: encoded traversal
        `${root}/%2E%2E/%2E%2E/secret`,
        `${root}/%252E%252E/x`, // double encoding
        `${root}/..%5C..%5Cwindows`, // CVE-2023-2780: backslash traversal
        `${root}/a%00b`,
      ];
      for (const path of hostile) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const res = await raw(
            method,
            `/api/2.0/mlflow-artifacts/artifacts/${path}`,
            method === 'PUT' ? { body: 'x' } : {},
          );
          expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
          expect(((await res.json()) as Json).error_code).toBeDefined();
        }
      }
      const listed = await raw(
        'GET',
        `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/../../../etc`)}`,
      );
      expect(listed.status).toBe(400);
      const model = unique('cve');
      await call('POST', '/registered-models/create', { name: model });
      for (const source of [
        'file:///etc/passwd', // CVE-2023-6909: a local source the server would copy
        '/etc/passwd',
        `runs:/${run.info.run_id}/../../etc`,
        `mlflow-artifacts:/0/${run.info.run_id}/artifacts/%2E%2E/%2E%2E/x`, // CVE-2024-1483
        'http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/../../../etc/passwd#', // CVE-2024-1560
        's3://bucket/a\\..\\b',
      ])
        expectError(
          await call('POST', '/model-versions/create', { name: model, source }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      const tracking = await call('GET', '/artifacts/list', { run_id: run.info.run_id, path: '../../..' });
      expectError(tracking, 400, 'INVALID_PARAMETER_VALUE');
    });

    it('logged models: create, get, tags, params, artifacts, finalize, search, delete; a version from models:/<id>', async () => {
      const run = await newRun();
      const created = await call('POST', '/logged-models', {
        experiment_id: '0',
        name: 'model',
        model_type: 'sklearn',
        source_run_id: run.info.run_id,
        tags: [{ key: 'k', value: 'v' }],
        params: [{ key: 'alpha', value: '1' }],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const info = created.body.model.info as Json;
      const id = info.model_id as string;
      expect(info).toMatchObject({
        experiment_id: '0',
        name: 'model',
        status: 'LOGGED_MODEL_PENDING',
        source_run_id: run.info.run_id,
      });
      expect(info.artifact_uri).toBe(`mlflow-artifacts:/0/models/${id}/artifacts`);
      expect(created.body.model.data.params).toEqual([{ key: 'alpha', value: '1' }]);
      const bytes = randomBytes(500);
      await putArtifact(`0/models/${id}/artifacts/MLmodel`, new TextEncoder().encode('flavors: {}'));
      await putArtifact(`0/models/${id}/artifacts/model.pkl`, bytes);
      const dirs = await call('GET', `/logged-models/${id}/artifacts/directories`, {});
      expect(dirs.body.files).toEqual([
        { path: 'MLmodel', is_dir: false, file_size: 11 },
        { path: 'model.pkl', is_dir: false, file_size: 500 },
      ]);
      expect((await call('PATCH', `/logged-models/${id}/tags`, { tags: [{ key: 'x', value: 'y' }] })).status).toBe(200);
      expect((await call('DELETE', `/logged-models/${id}/tags/k`)).status).toBe(200);
      expect(
        (await call('POST', `/logged-models/${id}/params`, { params: [{ key: 'beta', value: '2' }] })).body,
      ).toEqual({});
      const finalized = await call('PATCH', `/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' });
      expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY');
      const got = await call('GET', `/logged-models/${id}`);
      expect(got.body.model.info.tags).toEqual([{ key: 'x', value: 'y' }]);
      expect(got.body.model.data.params).toEqual(expect.arrayContaining([{ key: 'beta', value: '2' }]));
      const found = await call('POST', '/logged-models/search', {
        experiment_ids: ['0'],
        filter: `source_run_id = '${run.info.run_id}'`,
      });
      expect(found.body.models.map((m: Json) => m.info.model_id)).toEqual([id]);

      const model = unique('lm');
      await call('POST', '/registered-models/create', { name: model });
      const version = await call('POST', '/model-versions/create', {
        name: model,
        source: `models:/${id}`,
        model_id: id,
      });
      expect(version.status, JSON.stringify(version.body)).toBe(200);
      expect(version.body.model_version).toMatchObject({
        version: '1',
        status: 'READY',
        model_id: id,
        run_id: run.info.run_id,
      });
      expect(sha(await download(`registry/${model}/1/model.pkl`))).toBe(sha(bytes));
      expect((await call('DELETE', `/logged-models/${id}`)).status).toBe(200);
      const gone = await call('POST', '/logged-models/search', {
        experiment_ids: ['0'],
        filter: `source_run_id = '${run.info.run_id}'`,
      });
      expect(gone.body.models ?? []).toEqual([]);
    });

    it('registry: registered models, versions from runs:/ and mlflow-artifacts:/ and references, aliases, stages, search, download', async () => {
      const run = await newRun();
      const root = `0/${run.info.run_id}/artifacts`;
      const weights = randomBytes(3000);
      await putArtifact(`${root}/model/MLmodel`, new TextEncoder().encode('flavors: {}'));
      await putArtifact(`${root}/model/data/w.bin`, weights);
      const name = unique('fraud');
      const created = await call('POST', '/registered-models/create', {
        name,
        description: 'd',
        tags: [{ key: 'team', value: 'risk' }],
      });
      expect(created.body.registered_model).toMatchObject({
        name,
        description: 'd',
        tags: [{ key: 'team', value: 'risk' }],
      });
      expectError(await call('POST', '/registered-models/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS');
      expectError(await call('POST', '/registered-models/rename', { name, new_name: 'x' }), 400, 'NOT_IMPLEMENTED');

      const v1 = await call('POST', '/model-versions/create', {
        name,
        source: `runs:/${run.info.run_id}/model`,
        run_id: run.info.run_id,
      });
      expect(v1.status, JSON.stringify(v1.body)).toBe(200);
      expect(v1.body.model_version).toMatchObject({
        name,
        version: '1',
        status: 'READY',
        current_stage: 'None',
        source: `runs:/${run.info.run_id}/model`,
        run_id: run.info.run_id,
      });
      const v2 = await call('POST', '/model-versions/create', { name, source: `mlflow-artifacts:/${root}/model` });
      expect(v2.body.model_version).toMatchObject({ version: '2', status: 'READY', run_id: run.info.run_id });
      const ref = await call('POST', '/model-versions/create', { name, source: 's3://bucket/models/fraud/3' });
      expect(ref.body.model_version).toMatchObject({
        version: '3',
        status: 'READY',
        source: 's3://bucket/models/fraud/3',
      });
      expect((await call('GET', '/model-versions/get-download-uri', { name, version: '3' })).body).toEqual({
        artifact_uri: 's3://bucket/models/fraud/3',
      });
      // The same registry seen natively: version 1 claims the run's bytes, no copy.
      const nativeV1 = (await (await raw('GET', `/v1/models/${name}/versions/1`)).json()) as Json;
      expect(nativeV1).toMatchObject({ state: 'READY', runId: run.info.run_id });
      expect(nativeV1.files.map((f: Json) => [f.path, f.sha256])).toEqual(
        expect.arrayContaining([['data/w.bin', sha(weights)]]),
      );

      expect((await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' })).body).toEqual(
        {},
      );
      const byAlias = await call('GET', '/registered-models/alias', { name, alias: 'champion' });
      expect(byAlias.body.model_version).toMatchObject({ version: '1', aliases: ['champion'] });
      const uri = (await call('GET', '/model-versions/get-download-uri', { name, version: '1' })).body
        .artifact_uri as string;
      expect(uri).toBe(`mlflow-artifacts:/registry/${name}/1`);
      const listing = await raw('GET', `/api/2.0/mlflow-artifacts/artifacts?path=registry/${name}/1`);
      expect(await listing.json()).toEqual({
        files: [
          { path: 'MLmodel', is_dir: false, file_size: 11 },
          { path: 'data', is_dir: true },
        ],
      });
      expect(sha(await download(`registry/${name}/1/data/w.bin`))).toBe(sha(weights));

      const got = await call('GET', '/registered-models/get', { name });
      expect(got.body.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
      const staged = await call('POST', '/model-versions/transition-stage', {
        name,
        version: '2',
        stage: 'Staging',
        archive_existing_versions: false,
      });
      expect(staged.body.model_version.current_stage).toBe('Staging');
      const archived = await call('POST', '/model-versions/transition-stage', {
        name,
        version: '3',
        stage: 'archived',
      });
      expect(archived.body.model_version.current_stage).toBe('Archived');
      const latest = await call('POST', '/registered-models/get-latest-versions', { name, stages: ['Staging'] });
      expect(latest.body.model_versions.map((v: Json) => v.version)).toEqual(['2']);
      const latestAll = await call('GET', '/registered-models/get-latest-versions', { name });
      expect(latestAll.body.model_versions.map((v: Json) => [v.version, v.current_stage])).toEqual([
        ['1', 'None'],
        ['2', 'Staging'],
        ['3', 'Archived'],
      ]);
      await call('POST', '/model-versions/transition-stage', { name, version: '3', stage: 'None' });
      expect((await call('GET', '/model-versions/get', { name, version: '3' })).body.model_version.current_stage).toBe(
        'None',
      );

      expect(
        (await call('PATCH', '/model-versions/update', { name, version: '1', description: 'first' })).body.model_version
          .description,
      ).toBe('first');
      await call('POST', '/model-versions/set-tag', { name, version: '1', key: 'k', value: 'v' });
      expect((await call('GET', '/model-versions/get', { name, version: '1' })).body.model_version.tags).toEqual([
        { key: 'k', value: 'v' },
      ]);
      await call('DELETE', '/model-versions/delete-tag', { name, version: '1', key: 'k' });
      expectError(
        await call('POST', '/model-versions/set-tag', { name, version: '1', key: 'mlflow.stage', value: 'x' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );

      const byName = await call('GET', '/model-versions/search', { filter: `name = '${name}'`, max_results: 2 });
      expect(byName.body.model_versions.map((v: Json) => v.version)).toEqual(['3', '2']);
      expect(typeof byName.body.next_page_token).toBe('string');
      const byRun = await call('GET', '/model-versions/search', { filter: `run_id = '${run.info.run_id}'` });
      expect(byRun.body.model_versions.map((v: Json) => v.version).sort()).toEqual(['1', '2']);
      const byRunIn = await call('GET', '/model-versions/search', { filter: `run_id IN ('${run.info.run_id}', 'x')` });
      expect(byRunIn.body.model_versions).toHaveLength(2);

      await call('PATCH', '/registered-models/update', { name, description: 'new' });
      await call('POST', '/registered-models/set-tag', { name, key: 'tier', value: 'gold' });
      await call('DELETE', '/registered-models/delete-tag', { name, key: 'team' });
      const search = await call('GET', '/registered-models/search', {
        filter: `name LIKE '${name.slice(0, 8)}%' and tags.tier = 'gold'`,
      });
      expect(search.body.registered_models.map((m: Json) => m.name)).toEqual([name]);
      const exact = await call('GET', '/registered-models/search', { filter: `name = '${name}'`, max_results: 5000 });
      expect(exact.body.registered_models).toHaveLength(1);
      expect(exact.body.registered_models[0]).toMatchObject({
        description: 'new',
        tags: [{ key: 'tier', value: 'gold' }],
      });

      await call('DELETE', '/registered-models/alias', { name, alias: 'champion' });
      expectError(
        await call('GET', '/registered-models/alias', { name, alias: 'champion' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect((await call('DELETE', '/model-versions/delete', { name, version: '2' })).body).toEqual({});
      expectError(await call('GET', '/model-versions/get', { name, version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      expect((await call('DELETE', '/registered-models/delete', { name })).body).toEqual({});
      expectError(await call('GET', '/registered-models/get', { name }), 404, 'RESOURCE_DOES_NOT_EXIST');
    });

    it('bad input and access: malformed JSON, wrong types, unknown endpoints, 401 and 403, never a 500', async () => {
      expectError(await call('POST', '/experiments/create', '{"name":'), 400, 'INVALID_PARAMETER_VALUE');
      expectError(await call('POST', '/experiments/create', { name: 42 }), 400, 'INVALID_PARAMETER_VALUE');
      expectError(await call('POST', '/experiments/create', { tags: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
      expectError(await call('POST', '/experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');
      expectError(
        await call('POST', '/runs/log-batch', { run_id: 'nope', metrics: [{ key: 'a', value: 'x' }] }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await call('POST', '/runs/log-metric', { run_id: 'nope', key: 'a', value: 1 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await call('GET', '/runs/get', { run_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      expectError(await call('GET', '/experiments/search', { max_results: 'many' }), 400, 'INVALID_PARAMETER_VALUE');
      expectError(
        await call('POST', '/runs/search', { experiment_ids: ['0'], max_results: 0 }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await call('POST', '/registered-models/create', { name: 'has space' }),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(await call('GET', '/no/such/endpoint'), 404, 'ENDPOINT_NOT_FOUND');
      expectError(await call('POST', '/experiments/create', { name: unique('x') }, 'none'), 401, 'UNAUTHENTICATED');
      expectError(await call('POST', '/experiments/create', { name: unique('x') }, READER), 403, 'PERMISSION_DENIED');
      expect((await call('GET', '/experiments/get', { experiment_id: '0' }, READER)).status).toBe(200);
      const big = await call('POST', '/runs/log-batch', {
        run_id: 'x',
        tags: [{ key: 'a', value: 'x'.repeat(1_100_000) }],
      });
      expectError(big, 400, 'INVALID_PARAMETER_VALUE');
      const ajax = await raw('GET', '/ajax-api/2.0/mlflow/experiments/get?experiment_id=0', { as: ADMIN });
      expect(ajax.status).toBe(200);
      expect(reg().unexpectedErrors).toEqual([]);
    });
  });
}
