/** MLflow's wire format on the azure backend (test/reliability/backends: one registry over real servers). */
import { afterAll, beforeAll } from 'vitest';
import type { Backend, Registry } from '../reliability/backend.js';
import { azureBackend } from '../reliability/backends/azure-backend.js';
import { describeMlflowWireContract } from './mlflow-wire.contract.js';

let backend: Backend;
let registry: Registry;

beforeAll(async () => {
  backend = await azureBackend();
  registry = await backend.open();
});

afterAll(async () => {
  await registry?.close();
  await backend?.stop();
});

describeMlflowWireContract('azure', () => ({ registry, open: (options) => backend.open(options) }));
