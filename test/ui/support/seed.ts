/**
 * Data for the browser tests. `seedDemo` goes through the public API like any client (real
 * uploads, commits, aliases, runs and metrics). `seedBulk` makes 10,000s of models and
 * 100,000 versions in seconds: it clones rows the service wrote for one model and one version
 * straight into the server's SQLite store (the same MetadataStore port the service uses).
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetadataStore } from '../../../functions/local/sqlite-metadata-store.js';
import { keys } from '../../../shared/domain/keys.js';
import type { TestRegistry } from '../../support/local-registry.js';

type Json = Record<string, unknown>;

async function ok<T = Json>(
  reg: TestRegistry,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const res = await reg.json<T>(method, path, body, token ? { authorization: `Bearer ${token}` } : {});
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Pushes a READY version holding `files` (path -> text) through signed uploads and commit. */
export async function pushVersion(
  reg: TestRegistry,
  model: string,
  files: Record<string, string>,
  extra: Json = {},
  token?: string,
): Promise<number> {
  const entries = Object.entries(files).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) }));
  const created = await ok<{
    version: { version: number };
    uploads: { path: string; url: string; headers: Record<string, string> }[];
  }>(
    reg,
    'POST',
    `/v1/models/${model}/versions`,
    {
      files: entries.map((e) => ({
        path: e.path,
        size: e.bytes.length,
        sha256: createHash('sha256').update(e.bytes).digest('hex'),
      })),
      ...extra,
    },
    token,
  );
  for (const upload of created.uploads) {
    const bytes = entries.find((e) => e.path === upload.path)?.bytes;
    const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    if (!res.ok) throw new Error(`upload ${upload.path}: ${res.status}`);
  }
  const n = created.version.version;
  await ok(reg, 'POST', `/v1/models/${model}/versions/${n}/commit`, undefined, token);
  return n;
}

export interface Demo {
  experimentId: string;
  runs: { id: string; name: string }[];
  xssExperimentId: string;
  xssRunId: string;
}

const curve = (run: number, steps: number, key: string) =>
  Array.from({ length: steps }, (_, step) => ({
    key,
    step,
    value:
      key === 'loss'
        ? 1.2 * Math.exp(-step / (40 + run * 15)) + 0.05 + 0.02 * Math.sin(step / 3 + run)
        : 0.99 - 0.4 * Math.exp(-step / (50 + run * 10)) - 0.01 * run + 0.005 * Math.cos(step / 4),
    timestamp: 1_760_000_000_000 + step * 1000,
  }));

/** Models, versions, aliases, an experiment with runs and metrics; names with markup in them. */
export async function seedDemo(reg: TestRegistry, token?: string): Promise<Demo> {
  const post = <T = Json>(path: string, body: unknown) => ok<T>(reg, 'POST', path, body, token);
  const experiment = await post<{ id: string }>('/v1/experiments', {
    name: 'fraud-training',
    description: 'Gradient-boosted fraud scoring, nightly retraining',
  });
  const runs: { id: string; name: string }[] = [];
  for (const [i, params] of [
    { lr: '0.1', depth: '6', estimators: '400' },
    { lr: '0.05', depth: '8', estimators: '800' },
    { lr: '0.02', depth: '8', estimators: '1200' },
  ].entries()) {
    const run = await post<{ id: string; name: string }>(`/v1/experiments/${experiment.id}/runs`, {
      name: `xgb-${['baseline', 'deeper', 'slow-lr'][i]}`,
      params,
    });
    await post(`/v1/runs/${run.id}/metrics`, { metrics: [...curve(i, 300, 'loss'), ...curve(i, 300, 'auc')] });
    await ok(reg, 'PATCH', `/v1/runs/${run.id}`, { status: 'FINISHED' }, token);
    runs.push({ id: run.id, name: run.name });
  }

  await post('/v1/models', {
    name: 'fraud-detector',
    description: 'Scores card transactions for fraud in real time.',
    tags: { team: 'risk', domain: 'payments' },
    properties: { framework: 'xgboost', threshold: 0.82, owner_team: 'Risk ML' },
    maintainers: ['local', 'local-token', 'alice'],
  });
  const signature = {
    inputs: [{ name: 'features', type: 'float32', shape: [-1, 42] }],
    outputs: [{ name: 'score', type: 'float32' }],
  };
  for (let i = 1; i <= 4; i++)
    await pushVersion(
      reg,
      'fraud-detector',
      { 'model.onnx': `onnx weights ${i} ${'x'.repeat(2000 * i)}`, 'config/preprocess.json': `{"version":${i}}` },
      {
        label: `1.${i - 1}.0`,
        format: 'onnx',
        runId: runs[Math.min(i, 3) - 1]?.id,
        signature,
        tags: { dataset: `2026-0${i}` },
        properties: { auc: 0.9 + i / 100 },
      },
      token,
    );
  await ok(reg, 'PUT', '/v1/models/fraud-detector/aliases/champion', { version: 3 }, token);
  await ok(reg, 'PUT', '/v1/models/fraud-detector/aliases/champion', { version: 4 }, token);
  await ok(reg, 'PUT', '/v1/models/fraud-detector/aliases/challenger', { version: 3 }, token);
  await ok(reg, 'PATCH', '/v1/models/fraud-detector/versions/4', { approval: 'APPROVED' }, token);
  await ok(reg, 'POST', '/v1/models/fraud-detector/versions/1/archive', undefined, token);
  await pushVersion(
    reg,
    'fraud-detector',
    { 'checkpoint.pt': 'checkpoint' },
    { retention: 'transient', ttlSeconds: 7200 },
    token,
  );

  for (const [name, description, tags] of [
    ['churn-predictor', 'Monthly churn propensity per subscriber.', { team: 'growth' }],
    ['image-embedder', 'ViT-B/16 image embeddings for search.', { team: 'search', modality: 'vision' }],
    ['ranker-v2', 'Learning-to-rank model for the home feed.', { team: 'feed' }],
  ] as const) {
    await post('/v1/models', { name, description, tags });
    await pushVersion(reg, name, { 'model.safetensors': `${name} weights` }, { format: 'safetensors' }, token);
  }
  await ok(reg, 'PUT', '/v1/models/churn-predictor/aliases/production', { version: 1 }, token);

  // Markup in every free-text field the UI shows: it must come out as text.
  await post('/v1/models', {
    name: 'markup-model',
    description: '<img src=x onerror="window.__xss=1"><b>not bold</b>',
    tags: { '<i>k</i>': '<script>window.__xss=2</script>' },
  });
  await pushVersion(
    reg,
    'markup-model',
    { 'weights/<b>w</b>.bin': 'bytes' },
    { properties: { '<u>p</u>': '<svg onload="window.__xss=3">' } },
    token,
  );
  const xssExperiment = await post<{ id: string }>('/v1/experiments', {
    name: 'markup-experiment',
    description: '<img src=x onerror="window.__xss=4">',
  });
  const xssRun = await post<{ id: string }>(`/v1/experiments/${xssExperiment.id}/runs`, {
    name: '<script>window.__xss=5</script>',
    params: { note: '<img src=x onerror="window.__xss=6">' },
  });

  return { experimentId: experiment.id, runs, xssExperimentId: xssExperiment.id, xssRunId: xssRun.id };
}

/** A run whose `loss` has `points` points, logged 1,000 at a time as any client logs them. */
export async function seedLongRun(reg: TestRegistry, points: number): Promise<string> {
  const experiment = await ok<{ id: string }>(reg, 'POST', '/v1/experiments', { name: 'long-training' });
  const run = await ok<{ id: string }>(reg, 'POST', `/v1/experiments/${experiment.id}/runs`, { name: 'long-run' });
  for (let start = 0; start < points; start += 1000)
    await ok(reg, 'POST', `/v1/runs/${run.id}/metrics`, {
      metrics: Array.from({ length: Math.min(1000, points - start) }, (_, i) => ({
        key: 'loss',
        step: start + i,
        value: 1 / Math.sqrt(start + i + 1) + 0.01 * Math.sin((start + i) / 50),
        timestamp: 1_760_000_000_000 + start + i,
      })),
    });
  return run.id;
}

/**
 * `models` more models (named `bulk-000000`...), and `versions` versions of `big-model`: clones
 * of the rows the service wrote for one model and one READY version, inserted in one SQLite
 * transaction into the store's table (the port writes one partition per transaction, which
 * for 10,000 partitions takes far longer than the test should).
 */
export async function seedBulk(reg: TestRegistry, counts: { models: number; versions: number }): Promise<void> {
  await ok(reg, 'POST', '/v1/models', {
    name: 'big-model',
    description: 'A model with very many versions',
    tags: { team: 'bulk' },
  });
  await pushVersion(reg, 'big-model', { 'model.bin': 'big model bytes' }, { format: 'onnx' });
  // Written while the server is stopped: one long transaction, then the server reads it all.
  await reg.restart(() => cloneRows(join(reg.dir, 'data', 'registry.db'), counts));
}

async function cloneRows(file: string, counts: { models: number; versions: number }): Promise<void> {
  const store = new SqliteMetadataStore(file);
  const catalog = await store.get(keys.catalog, 'big-model');
  const meta = await store.get(keys.model('big-model'), keys.meta);
  const version = await store.get(keys.model('big-model'), keys.version(1));
  store.close();
  if (!catalog || !meta || !version) throw new Error('the template rows are missing');
  const db = new Database(file);
  const put = db.prepare('INSERT OR REPLACE INTO items (pk, sk, data, etag) VALUES (?, ?, ?, ?)');
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < counts.models; i++) {
      const name = `bulk-${String(i).padStart(6, '0')}`;
      put.run(keys.catalog, name, JSON.stringify({ ...catalog.data, name }), randomUUID());
      put.run(keys.model(name), keys.meta, JSON.stringify({ ...meta.data, name }), randomUUID());
    }
    const pk = keys.model('big-model');
    for (let n = 2; n <= counts.versions; n++) {
      const at = new Date(t0 + n * 60_000).toISOString();
      const data = JSON.stringify({ ...version.data, version: n, label: `0.${n}.0`, createdAt: at, updatedAt: at });
      put.run(pk, keys.version(n), data, randomUUID());
      put.run(pk, keys.ready(n), data, randomUUID());
    }
    put.run(pk, keys.counter, JSON.stringify({ n: counts.versions }), randomUUID());
  })();
  db.close();
}
