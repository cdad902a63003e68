/** MLflow's wire format on the local backend (test/reliability/backends: one registry over real servers). */
import { afterAll, beforeAll } from 'vitest';
import type { Backend, Registry } from '../reliability/backend.js';
import { localBackend } from '../reliability/backends/local-backend.js';
import { describeMlflowWireContract } from './mlflow-wire.contract.js';

let backend: Backend;
let registry: Registry;

beforeAll(async () => {
  backend = await localBackend();
  registry = await backend.open();
});

afterAll(async () => {
  await registry?.close();
  await backend?.stop();
});

describeMlflowWireContract('local', () => ({ registry, open: (options) => backend.open(options) }));
