/**
 * Where MLflow's API lives in the app: `/api/2.0/mlflow/` and `/ajax-api/2.0/mlflow/` (JSON,
 * bodies limited like ours) and `/api/2.0/mlflow-artifacts/` (artifact bytes, no JSON limit).
 * What no route matched under these prefixes answers in MLflow's format, not problem+json.
 */
import type { Hono } from 'hono';
import { BODY_METHODS, limitBody } from '../../http/body-limit.js';
import { ARTIFACTS_PREFIX, MLFLOW_PREFIXES } from './prefixes.js';
import { mlflowErrorResponse } from './wire.js';

export { ARTIFACTS_PREFIX, MLFLOW_PREFIXES };

export const MAX_MLFLOW_JSON_BYTES = 1024 * 1024;

export function mountMlflowBodyLimits(app: Hono): void {
  const limit = limitBody(MAX_MLFLOW_JSON_BYTES, () =>
    mlflowErrorResponse('INVALID_PARAMETER_VALUE', `JSON bodies are limited to ${MAX_MLFLOW_JSON_BYTES} bytes`),
  );
  for (const prefix of MLFLOW_PREFIXES) app.on(BODY_METHODS, `${prefix}/*`, limit);
  // mpu/* carry small JSON bodies; the artifact PUT carries the file itself.
  app.on(BODY_METHODS, `${ARTIFACTS_PREFIX}/mpu/*`, limit);
}

export function mountMlflowFallbacks(app: Hono): void {
  for (const prefix of [...MLFLOW_PREFIXES, ARTIFACTS_PREFIX])
    app.all(`${prefix}/*`, (c) =>
      mlflowErrorResponse('ENDPOINT_NOT_FOUND', `no MLflow endpoint ${c.req.method} ${new URL(c.req.url).pathname}`),
    );
}
