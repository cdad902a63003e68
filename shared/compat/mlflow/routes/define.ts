/** One MLflow endpoint as route-table entries: under `/api/2.0` and `/ajax-api/2.0`, with MLflow's error format. */
import type { ZodMiniType } from 'zod/mini';
import type { HttpMethod, RouteDef, RouteRequest } from '../../../http/route-table.js';
import type { Scope } from '../../../ports/auth.js';
import { MLFLOW_PREFIXES } from '../mount.js';
import { type ConflictMeaning, mlflowErrors } from '../wire.js';

export interface MlflowEndpoint<B> {
  id: string;
  method: HttpMethod;
  /** The proto's path below the prefix, e.g. `/mlflow/runs/create`. */
  path: string;
  scope: Scope;
  summary: string;
  /** JSON bodies (POST, PATCH, DELETE); GET endpoints read the query string. */
  body?: () => ZodMiniType<B>;
  /** What a registry conflict means here (default: a refused value). */
  conflict?: ConflictMeaning;
  handle(request: RouteRequest<B>): Promise<Response>;
}

export function endpoint<B>(e: MlflowEndpoint<B>): RouteDef[] {
  return MLFLOW_PREFIXES.map((prefix, i) => {
    const route: RouteDef<B> = {
      id: i === 0 ? `mlflow.${e.id}` : `mlflow.${e.id}.ajax`,
      method: e.method,
      path: `${prefix}${e.path.slice('/mlflow'.length)}`,
      scope: e.scope,
      summary: e.summary,
      tag: 'mlflow',
      responses: [{ status: 200, description: 'MLflow response' }],
      formatError: mlflowErrors(e.conflict),
      handle: e.handle,
    };
    if (e.body) route.body = e.body;
    return route as RouteDef;
  });
}
