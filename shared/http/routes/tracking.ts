/** Experiments, runs, params and metrics. */
import { toJsonValue } from '../../domain/metric-values.js';
import type { Page } from '../../domain/types.js';
import { acceptLogMetrics } from '../../log-metrics-fast-path.js';
import * as s from '../../schemas.js';
import type { RegistryApi } from '../../service/registry-api.js';
import type { Run } from '../../service/tracking/runs.js';
import { defineRoute, type RouteDef } from '../route-table.js';
import { json, PAGE_QUERY, pageQuery, problems } from './http-fields.js';

/** A run as JSON: a latest value of NaN or ±Infinity as its name (JSON would write `null`). */
const runJson = (run: Run) => {
  const latestMetrics: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(run.latestMetrics)) latestMetrics[key] = toJsonValue(value);
  return { ...run, latestMetrics };
};
const runPageJson = (page: Page<Run>) => ({ ...page, items: page.items.map(runJson) });

export function trackingRoutes(registry: RegistryApi): RouteDef[] {
  return [
    defineRoute({
      id: 'createExperiment',
      method: 'POST',
      path: '/v1/experiments',
      scope: 'registry.write',
      summary: 'Create an experiment (names are unique)',
      tag: 'tracking',
      body: s.CreateExperimentRequest,
      responses: [{ status: 201, description: 'created', schema: 'Experiment' }, ...problems(400, 409)],
      handle: async (r) => json(201, await registry.tracking.createExperiment(r.principal, r.body)),
    }),
    defineRoute({
      id: 'listExperiments',
      method: 'GET',
      path: '/v1/experiments',
      scope: 'registry.read',
      summary: 'List experiments',
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'ExperimentPage' }, ...problems(400)],
      handle: async (r) => json(200, await registry.tracking.listExperiments(r.principal, pageQuery(r.query))),
    }),
    defineRoute({
      id: 'getExperiment',
      method: 'GET',
      path: '/v1/experiments/{id}',
      scope: 'registry.read',
      summary: 'Read an experiment',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the experiment', schema: 'Experiment' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.getExperiment(r.principal, r.params.id ?? '')),
    }),
    defineRoute({
      id: 'updateExperiment',
      method: 'PATCH',
      path: '/v1/experiments/{id}',
      scope: 'registry.write',
      summary: 'Rename, describe or tag an experiment (JSON Merge Patch)',
      tag: 'tracking',
      body: s.PatchExperimentRequest,
      responses: [{ status: 200, description: 'the experiment', schema: 'Experiment' }, ...problems(400, 404, 409)],
      handle: async (r) => json(200, await registry.tracking.updateExperiment(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'deleteExperiment',
      method: 'DELETE',
      path: '/v1/experiments/{id}',
      scope: 'registry.write',
      summary: 'Delete an experiment (soft: its runs stay, restore undoes it)',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the experiment', schema: 'Experiment' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.tracking.setExperimentLifecycle(r.principal, r.params.id ?? '', 'deleted')),
    }),
    defineRoute({
      id: 'restoreExperiment',
      method: 'POST',
      path: '/v1/experiments/{id}/restore',
      scope: 'registry.write',
      summary: 'Restore a deleted experiment',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the experiment', schema: 'Experiment' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.tracking.setExperimentLifecycle(r.principal, r.params.id ?? '', 'active')),
    }),
    defineRoute({
      id: 'createRun',
      method: 'POST',
      path: '/v1/experiments/{id}/runs',
      scope: 'registry.write',
      summary: 'Start a run',
      tag: 'tracking',
      body: s.CreateRunRequest,
      responses: [{ status: 201, description: 'created', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) =>
        json(201, runJson(await registry.tracking.createRun(r.principal, r.params.id ?? '', r.body))),
    }),
    defineRoute({
      id: 'listRuns',
      method: 'GET',
      path: '/v1/experiments/{id}/runs',
      scope: 'registry.read',
      summary: "An experiment's runs, newest first (by start time)",
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'RunPage' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, runPageJson(await registry.tracking.listRuns(r.principal, r.params.id ?? '', pageQuery(r.query)))),
    }),
    defineRoute({
      id: 'getRun',
      method: 'GET',
      path: '/v1/runs/{id}',
      scope: 'registry.read',
      summary: 'Read a run',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, runJson(await registry.tracking.getRun(r.principal, r.params.id ?? ''))),
    }),
    defineRoute({
      id: 'updateRun',
      method: 'PATCH',
      path: '/v1/runs/{id}',
      scope: 'registry.write',
      summary: 'Finish, fail or kill a run (sets endTime), rename, tag',
      tag: 'tracking',
      body: s.PatchRunRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, runJson(await registry.tracking.updateRun(r.principal, r.params.id ?? '', r.body))),
    }),
    defineRoute({
      id: 'deleteRun',
      method: 'DELETE',
      path: '/v1/runs/{id}',
      scope: 'registry.write',
      summary: 'Delete a run (soft: listings leave it out, restore undoes it)',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) =>
        json(200, await registry.tracking.setRunLifecycle(r.principal, r.params.id ?? '', 'deleted')),
    }),
    defineRoute({
      id: 'restoreRun',
      method: 'POST',
      path: '/v1/runs/{id}/restore',
      scope: 'registry.write',
      summary: 'Restore a deleted run',
      tag: 'tracking',
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.setRunLifecycle(r.principal, r.params.id ?? '', 'active')),
    }),
    defineRoute({
      id: 'putParams',
      method: 'PUT',
      path: '/v1/runs/{id}/params',
      scope: 'registry.write',
      summary: 'Add params (write-once: a different value for a set key is 409)',
      tag: 'tracking',
      body: s.PutParamsRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404, 409)],
      handle: async (r) =>
        json(
          200,
          runJson(await registry.tracking.putParams(r.principal, r.params.id ?? '', r.body as Record<string, string>)),
        ),
    }),
    defineRoute({
      id: 'logRunInputs',
      method: 'POST',
      path: '/v1/runs/{id}/inputs',
      scope: 'registry.write',
      summary: 'Record datasets (by name and digest) and models a run used; the same one again is a no-op',
      tag: 'tracking',
      body: s.LogRunInputsRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.logRunInputs(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'logRunOutputs',
      method: 'POST',
      path: '/v1/runs/{id}/outputs',
      scope: 'registry.write',
      summary: 'Record models a run produced, by step; the same one again is a no-op',
      tag: 'tracking',
      body: s.LogRunOutputsRequest,
      responses: [{ status: 200, description: 'the run', schema: 'Run' }, ...problems(400, 404)],
      handle: async (r) => json(200, await registry.tracking.logRunOutputs(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'logMetrics',
      method: 'POST',
      path: '/v1/runs/{id}/metrics',
      scope: 'registry.write',
      summary: 'Log up to 1,000 metric points (all validated before any is written)',
      tag: 'tracking',
      body: s.LogMetricsRequest,
      acceptBody: acceptLogMetrics,
      responses: [{ status: 200, description: 'written', schema: 'MetricsWritten' }, ...problems(400, 404, 413)],
      handle: async (r) => json(200, await registry.tracking.logMetrics(r.principal, r.params.id ?? '', r.body)),
    }),
    defineRoute({
      id: 'metricHistory',
      method: 'GET',
      path: '/v1/runs/{id}/metrics/{key}',
      scope: 'registry.read',
      summary: 'A metric series, by step ascending',
      tag: 'tracking',
      query: PAGE_QUERY,
      responses: [{ status: 200, description: 'a page', schema: 'MetricPage' }, ...problems(400, 404)],
      handle: async (r) => {
        const page = await registry.tracking.metricHistory(
          r.principal,
          r.params.id ?? '',
          r.params.key ?? '',
          pageQuery(r.query),
        );
        return json(200, { ...page, items: page.items.map((p) => ({ ...p, value: toJsonValue(p.value) })) });
      },
    }),
  ];
}
