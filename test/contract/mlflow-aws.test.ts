/** MLflow's wire format on the aws backend (test/reliability/backends: one registry over real servers). */
import { afterAll, beforeAll } from 'vitest';
import type { Backend, Registry } from '../reliability/backend.js';
import { awsBackend } from '../reliability/backends/aws-backend.js';
import { describeMlflowWireContract } from './mlflow-wire.contract.js';

let backend: Backend;
let registry: Registry;

beforeAll(async () => {
  backend = await awsBackend();
  registry = await backend.open();
});

afterAll(async () => {
  await registry?.close();
  await backend?.stop();
});

describeMlflowWireContract('aws', () => ({ registry, open: (options) => backend.open(options) }));
