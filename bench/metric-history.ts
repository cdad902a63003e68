/**
 * Reading a long metric series: 100,000 points of one key, in pages of 1,000, packed (as logged
 * now, in batches of 1,000) against the same points as rows of the one-row-per-point layout
 * (as the code before packing wrote them), through the registry's own `metricHistory`, on each
 * store: SQLite, DynamoDB Local, Azurite. Prints one JSON object.
 *
 * Usage: npm run bench:metric-history -- [--points 100000 --page 1000 --stores sqlite,dynamodb,azure]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoMetadataStore } from '../functions/aws/dynamo-metadata-store.js';
import { storageAdapters } from '../functions/azure/storage-clients.js';
import { SqliteMetadataStore } from '../functions/local/sqlite-metadata-store.js';
import { runKeys } from '../shared/domain/keys.js';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import type { MetadataStore } from '../shared/ports/metadata-store.js';
import type { ObjectStore } from '../shared/ports/object-store.js';
import { RegistryApi } from '../shared/service/registry-api.js';
import { startDynamoLocal } from '../test/support/aws/servers.js';
import { startAzurite } from '../test/support/azure/azurite.js';

const { values } = parseArgs({
  options: { points: { type: 'string' }, page: { type: 'string' }, stores: { type: 'string' } },
});
const POINTS = Number(values.points ?? 100_000);
const PAGE = Number(values.page ?? 1000);
const STORES = (values.stores ?? 'sqlite,dynamodb,azure').split(',');
const actor = { subject: 'bench', scopes: ALL_SCOPES };
/** Metric history touches no objects. */
const noObjects = {} as ObjectStore;

const point = (i: number) => ({ step: i, timestamp: 1_700_000_000_000 + i * 50, value: Math.sin(i / 100) });

/** Times reading the whole series page by page; checks it is all there, in order. */
async function readAll(registry: RegistryApi, runId: string): Promise<{ ms: number; pages: number }> {
  const started = performance.now();
  let pageToken: string | undefined;
  let pages = 0;
  let expected = 0;
  do {
    const page = await registry.tracking.metricHistory(actor, runId, 'loss', {
      pageSize: String(PAGE),
      ...(pageToken ? { pageToken } : {}),
    });
    for (const p of page.items)
      if (p.step !== expected++) throw new Error(`step ${p.step} where ${expected - 1} was due`);
    pageToken = page.nextPageToken ?? undefined;
    pages++;
  } while (pageToken);
  if (expected !== POINTS) throw new Error(`read ${expected} points of ${POINTS}`);
  return { ms: Math.round(performance.now() - started), pages };
}

async function measure(store: MetadataStore) {
  const registry = new RegistryApi({ metadata: store, objects: noObjects });
  const experiment = await registry.tracking.createExperiment(actor, { name: `history-${Date.now()}` });
  const packedRun = (await registry.tracking.createRun(actor, experiment.id, {})).id;
  const rowsRun = (await registry.tracking.createRun(actor, experiment.id, {})).id;

  for (let i = 0; i < POINTS; i += 1000) {
    const metrics = Array.from({ length: Math.min(1000, POINTS - i) }, (_, j) => ({ key: 'loss', ...point(i + j) }));
    await registry.tracking.logMetrics(actor, packedRun, { metrics });
  }
  // The earlier layout, written as its code wrote it: a row per point, batches of 100, 8 at a time.
  const pk = runKeys.metricSeries(rowsRun, 'loss');
  const batches = Array.from({ length: Math.ceil(POINTS / 100) }, (_, b) => b);
  for (let i = 0; i < batches.length; i += 8)
    await Promise.all(
      batches.slice(i, i + 8).map((b) =>
        store.batch(
          pk,
          Array.from({ length: Math.min(100, POINTS - b * 100) }, (_, j) => {
            const p = point(b * 100 + j);
            return { op: 'put' as const, sk: runKeys.metricPoint(p.step, p.timestamp), data: p };
          }),
        ),
      ),
    );
  const rows = async (runId: string) => {
    let count = 0;
    let after: string | undefined;
    do {
      const page = await store.query(runKeys.metricSeries(runId, 'loss'), { limit: 1000, ...(after ? { after } : {}) });
      count += page.items.length;
      after = page.lastKey;
    } while (after);
    return count;
  };
  const packedRows = await rows(packedRun);
  // Each read twice, alternating; the second of each counts (caches warm for both).
  await readAll(registry, packedRun);
  await readAll(registry, rowsRun);
  const packed = await readAll(registry, packedRun);
  const onePerPoint = await readAll(registry, rowsRun);
  return {
    packed: { ...packed, rows: packedRows },
    onePerPoint: { ...onePerPoint, rows: POINTS },
    speedup: Number((onePerPoint.ms / Math.max(1, packed.ms)).toFixed(2)),
  };
}

const results: Record<string, unknown> = {};
if (STORES.includes('sqlite')) {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-history-'));
  const store = new SqliteMetadataStore(join(dir, 'registry.db'));
  try {
    results.sqlite = await measure(store);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
if (STORES.includes('dynamodb')) {
  const dynamo = await startDynamoLocal();
  try {
    const tableName = await dynamo.createTable('history');
    results.dynamodbLocal = await measure(new DynamoMetadataStore({ client: dynamo.client, tableName }));
  } finally {
    await dynamo.stop();
  }
}
if (STORES.includes('azure')) {
  const azurite = await startAzurite();
  try {
    const adapters = storageAdapters({
      connectionString: azurite.connectionString,
      container: 'history',
      table: 'history',
    });
    await adapters.metadata.ensureTable();
    results.azurite = await measure(adapters.metadata);
  } finally {
    await azurite.stop();
  }
}
console.log(JSON.stringify({ benchmark: 'metric-history', points: POINTS, pageSize: PAGE, ...results }));
