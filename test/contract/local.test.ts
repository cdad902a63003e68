/** The contract suites against the local adapters: SQLite and the filesystem behind the local server. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalServer, startLocalServer } from '../../functions/local/server.js';
import { SqliteMetadataStore } from '../../functions/local/sqlite-metadata-store.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';
import { describeMetricSeriesContract } from './metric-series.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';

let dir: string;
let metadata: SqliteMetadataStore;
let server: LocalServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-contract-'));
  metadata = new SqliteMetadataStore(join(dir, 'contract.db'));
  server = await startLocalServer({ dataDir: join(dir, 'server'), port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });
});

afterAll(async () => {
  metadata.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describeMetadataStoreContract('SQLite', () => ({ store: metadata }));
describeMetricSeriesContract('SQLite', () => ({ store: metadata }));
describeObjectStoreContract('local filesystem', () => ({
  store: server.objects,
  prefix: 'mreg/',
}));
