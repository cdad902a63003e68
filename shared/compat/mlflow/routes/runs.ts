/**
 * MLflow runs (service.proto): create, get, update, delete, restore, search; log-metric,
 * log-batch, log-parameter, set-tag, delete-tag, log-model, log-inputs, log-outputs; metric
 * history; the tracking API's artifact listing.
 */
import * as z from 'zod/mini';
import { acceptLogMetrics } from '../../../log-metrics-fast-path.js';
import type { Principal } from '../../../ports/auth.js';
import * as s from '../../../schemas.js';
import { lazySchema } from '../../../schemas.js';
import type { RegistryApi } from '../../../service/registry-api.js';
import { fileInfoOf, runArtifactRoot, runInfoOf, runOf } from '../entities.js';
import { runConditions, runOrder } from '../search-filter.js';
import {
  Int64,
  invalidParam,
  native,
  ok,
  pageSizeParam,
  queryOf,
  required,
  Str,
  TagList,
  tagMap,
  toInt,
  withToken,
} from '../wire.js';
import { endpoint } from './define.js';
import { viewTypeOf } from './experiments.js';

const RUN_NAME_TAG = 'mlflow.runName';
const MODEL_HISTORY_TAG = 'mlflow.log-model.history';

const RunRef = { run_id: z.optional(Str()), run_uuid: z.optional(Str()) };
const CreateRun = lazySchema(() =>
  z.object({
    experiment_id: z.optional(Str()),
    user_id: z.optional(Str()),
    run_name: z.optional(Str()),
    start_time: z.optional(Int64()),
    tags: z.optional(TagList()),
  }),
);
const UpdateRun = lazySchema(() =>
  z.object({ ...RunRef, status: z.optional(Str()), end_time: z.optional(Int64()), run_name: z.optional(Str()) }),
);
const RunOnly = lazySchema(() => z.object({ ...RunRef }));
const Metric = lazySchema(() =>
  z.object({
    key: z.optional(Str()),
    value: z.optional(z.number()),
    timestamp: z.optional(Int64()),
    step: z.optional(Int64()),
  }),
);
const LogMetric = lazySchema(() =>
  z.object({
    ...RunRef,
    key: z.optional(Str()),
    value: z.optional(z.number()),
    timestamp: z.optional(Int64()),
    step: z.optional(Int64()),
  }),
);
const KeyValue = lazySchema(() => z.object({ ...RunRef, key: z.optional(Str()), value: z.optional(Str()) }));
const LogBatch = lazySchema(() =>
  z.object({
    run_id: z.optional(Str()),
    metrics: z.optional(z.array(Metric())),
    params: z.optional(TagList()),
    tags: z.optional(TagList()),
  }),
);
const LogModel = lazySchema(() => z.object({ run_id: z.optional(Str()), model_json: z.optional(Str()) }));
const LogInputs = lazySchema(() =>
  z.object({
    run_id: z.optional(Str()),
    datasets: z.optional(
      z.array(
        z.object({
          tags: z.optional(TagList()),
          dataset: z.optional(
            z.object({
              name: z.optional(Str()),
              digest: z.optional(Str()),
              source_type: z.optional(Str()),
              source: z.optional(Str()),
              schema: z.optional(Str()),
              profile: z.optional(Str()),
            }),
          ),
        }),
      ),
    ),
    models: z.optional(z.array(z.object({ model_id: z.optional(Str()) }))),
  }),
);
const LogOutputs = lazySchema(() =>
  z.object({
    run_id: z.optional(Str()),
    models: z.optional(z.array(z.object({ model_id: z.optional(Str()), step: z.optional(Int64()) }))),
  }),
);
const SearchRuns = lazySchema(() =>
  z.object({
    experiment_ids: z.optional(z.array(Str())),
    filter: z.optional(Str()),
    run_view_type: z.optional(Str()),
    max_results: z.optional(Int64()),
    order_by: z.optional(z.array(Str())),
    page_token: z.optional(Str()),
  }),
);

const runIdOf = (b: { run_id?: string | undefined; run_uuid?: string | undefined }) =>
  required(b.run_id || b.run_uuid, 'run_id');

/** Metric points in the native shape, every one checked before anything is written. */
function metricPoints(
  metrics: Array<{
    key?: string | undefined;
    value?: number | undefined;
    timestamp?: number | string | undefined;
    step?: number | string | undefined;
  }>,
) {
  const request = {
    metrics: metrics.map((m) => ({
      key: required(m.key, 'key'),
      value: required(m.value, 'value'),
      step: toInt(m.step) ?? 0,
      ...(m.timestamp !== undefined ? { timestamp: toInt(m.timestamp) } : {}),
    })),
  };
  // The native route's fast path first: what it does not accept, the schema decides and names.
  return acceptLogMetrics(request) ?? native(s.LogMetricsRequest, request);
}

/** The last millisecond of year 9999: later times have no plain ISO 8601 form. */
const LAST_ISO_MS = 253_402_300_799_999;

/** A client's time in epoch milliseconds as the registry's ISO form; undefined when not sent (or 0, proto's unset). */
function reportedTime(ms: number | string | undefined, field: string): string | undefined {
  const n = toInt(ms);
  if (n === undefined || n === 0) return undefined;
  if (!Number.isSafeInteger(n) || n < 0 || n > LAST_ISO_MS)
    throw invalidParam(`Invalid value ${ms} for parameter '${field}': milliseconds since 1970, up to year 9999`);
  return new Date(n).toISOString();
}

/** Sets or removes run tags; `mlflow.runName` is the run's name, not a tag. */
async function patchRunTags(
  registry: RegistryApi,
  principal: Principal,
  runId: string,
  tags: Record<string, string | null>,
) {
  const { [RUN_NAME_TAG]: name, ...rest } = tags;
  const patch: Record<string, unknown> = {};
  if (Object.keys(rest).length > 0) patch.tags = rest;
  if (typeof name === 'string' && name !== '') patch.name = name;
  if (Object.keys(patch).length === 0) return;
  await registry.tracking.updateRun(principal, runId, native(s.PatchRunRequest, patch));
}

export function runEndpoints(registry: RegistryApi) {
  const t = registry.tracking;
  return [
    ...endpoint({
      id: 'createRun',
      method: 'POST',
      path: '/mlflow/runs/create',
      scope: 'registry.write',
      summary: 'MLflow: start a run',
      body: CreateRun,
      handle: async (r) => {
        const { [RUN_NAME_TAG]: tagName, ...tags } = tagMap(r.body.tags);
        const name = r.body.run_name || tagName;
        const startTime = reportedTime(r.body.start_time, 'start_time');
        const input = native(s.CreateRunRequest, {
          ...(name ? { name } : {}),
          ...(startTime ? { startTime } : {}),
          tags,
        });
        const run = await t.createRun(r.principal, r.body.experiment_id || '0', input);
        return ok({ run: runOf(run) });
      },
    }),
    ...endpoint({
      id: 'getRun',
      method: 'GET',
      path: '/mlflow/runs/get',
      scope: 'registry.read',
      summary: 'MLflow: get a run',
      handle: async (r) => {
        const q = queryOf(r.query);
        const id = required(q.one('run_id') || q.one('run_uuid'), 'run_id');
        return ok({ run: runOf(await t.getRun(r.principal, id)) });
      },
    }),
    ...endpoint({
      id: 'updateRun',
      method: 'POST',
      path: '/mlflow/runs/update',
      scope: 'registry.write',
      summary: 'MLflow: finish, fail, kill or rename a run',
      body: UpdateRun,
      handle: async (r) => {
        const patch: Record<string, unknown> = {};
        if (r.body.status !== undefined) {
          if (!['RUNNING', 'FINISHED', 'FAILED', 'KILLED'].includes(r.body.status))
            throw invalidParam(`Invalid run status '${r.body.status}'`);
          patch.status = r.body.status;
        }
        if (r.body.run_name) patch.name = r.body.run_name;
        const endTime = reportedTime(r.body.end_time, 'end_time');
        if (endTime) patch.endTime = endTime;
        const run = await t.updateRun(r.principal, runIdOf(r.body), native(s.PatchRunRequest, patch));
        return ok({ run_info: runInfoOf(run) });
      },
    }),
    ...endpoint({
      id: 'deleteRun',
      method: 'POST',
      path: '/mlflow/runs/delete',
      scope: 'registry.write',
      summary: 'MLflow: delete a run (soft)',
      body: RunOnly,
      handle: async (r) => {
        await t.setRunLifecycle(r.principal, runIdOf(r.body), 'deleted');
        return ok();
      },
    }),
    ...endpoint({
      id: 'restoreRun',
      method: 'POST',
      path: '/mlflow/runs/restore',
      scope: 'registry.write',
      summary: 'MLflow: restore a deleted run',
      body: RunOnly,
      handle: async (r) => {
        await t.setRunLifecycle(r.principal, runIdOf(r.body), 'active');
        return ok();
      },
    }),
    ...endpoint({
      id: 'logMetric',
      method: 'POST',
      path: '/mlflow/runs/log-metric',
      scope: 'registry.write',
      summary: 'MLflow: log one metric point',
      body: LogMetric,
      handle: async (r) => {
        await t.logMetrics(r.principal, runIdOf(r.body), metricPoints([r.body]));
        return ok();
      },
    }),
    ...endpoint({
      id: 'logParam',
      method: 'POST',
      path: '/mlflow/runs/log-parameter',
      scope: 'registry.write',
      summary: 'MLflow: log a param (write-once)',
      body: KeyValue,
      handle: async (r) => {
        const params = native(s.PutParamsRequest, { [required(r.body.key, 'key')]: r.body.value ?? '' });
        await t.putParams(r.principal, runIdOf(r.body), params as Record<string, string>);
        return ok();
      },
    }),
    ...endpoint({
      id: 'setTag',
      method: 'POST',
      path: '/mlflow/runs/set-tag',
      scope: 'registry.write',
      summary: 'MLflow: set a run tag',
      body: KeyValue,
      handle: async (r) => {
        await patchRunTags(registry, r.principal, runIdOf(r.body), {
          [required(r.body.key, 'key')]: r.body.value ?? '',
        });
        return ok();
      },
    }),
    ...endpoint({
      id: 'deleteTag',
      method: 'POST',
      path: '/mlflow/runs/delete-tag',
      scope: 'registry.write',
      summary: 'MLflow: delete a run tag',
      body: KeyValue,
      handle: async (r) => {
        const runId = runIdOf(r.body);
        const key = required(r.body.key, 'key');
        if ((await t.getRun(r.principal, runId)).tags[key] === undefined)
          throw invalidParam(`No tag with name: ${key} in run with id ${runId}`);
        await patchRunTags(registry, r.principal, runId, { [key]: null });
        return ok();
      },
    }),
    ...endpoint({
      id: 'logBatch',
      method: 'POST',
      path: '/mlflow/runs/log-batch',
      scope: 'registry.write',
      summary: 'MLflow: log metrics, params and tags together (all checked before any is written)',
      body: LogBatch,
      handle: async (r) => {
        const runId = required(r.body.run_id, 'run_id');
        const metrics = r.body.metrics ?? [];
        if (metrics.length > 1000) throw invalidParam('A batch logging request can contain at most 1000 metrics');
        if ((r.body.params ?? []).length > 100)
          throw invalidParam('A batch logging request can contain at most 100 params');
        if ((r.body.tags ?? []).length > 100)
          throw invalidParam('A batch logging request can contain at most 100 tags');
        const points = metrics.length > 0 ? metricPoints(metrics) : undefined;
        const params = r.body.params?.length ? native(s.PutParamsRequest, tagMap(r.body.params)) : undefined;
        const tags = tagMap(r.body.tags);
        native(s.Tags, Object.fromEntries(Object.entries(tags).filter(([k]) => k !== RUN_NAME_TAG)));
        if (params) await t.putParams(r.principal, runId, params as Record<string, string>);
        if (points) await t.logMetrics(r.principal, runId, points);
        await patchRunTags(registry, r.principal, runId, tags);
        // An empty batch still asks the core whether the run takes writes (an empty param set writes nothing).
        if (!params && !points && Object.keys(tags).length === 0) await t.putParams(r.principal, runId, {});
        return ok();
      },
    }),
    ...endpoint({
      id: 'logModel',
      method: 'POST',
      path: '/mlflow/runs/log-model',
      scope: 'registry.write',
      summary: "MLflow 2: record a logged model in the run's model history tag",
      body: LogModel,
      handle: async (r) => {
        const runId = required(r.body.run_id, 'run_id');
        let model: unknown;
        try {
          model = JSON.parse(required(r.body.model_json, 'model_json'));
        } catch {
          throw invalidParam('model_json is not valid JSON');
        }
        const run = await t.getRun(r.principal, runId);
        let history: unknown[] = [];
        try {
          const parsed: unknown = JSON.parse(run.tags[MODEL_HISTORY_TAG] ?? '[]');
          if (Array.isArray(parsed)) history = parsed;
        } catch {
          history = [];
        }
        history.push(model);
        // The tag keeps the newest entries that fit a tag value.
        while (history.length > 1 && JSON.stringify(history).length > s.MAX_TAG_VALUE) history.shift();
        await patchRunTags(registry, r.principal, runId, { [MODEL_HISTORY_TAG]: JSON.stringify(history) });
        return ok();
      },
    }),
    ...endpoint({
      id: 'logInputs',
      method: 'POST',
      path: '/mlflow/runs/log-inputs',
      scope: 'registry.write',
      summary:
        'MLflow: log dataset inputs (with their tags) and MLflow 3 model inputs; the same dataset again is a no-op',
      body: LogInputs,
      handle: async (r) => {
        const runId = required(r.body.run_id, 'run_id');
        const datasets = (r.body.datasets ?? []).map((d) => {
          const ds = required(d.dataset, 'dataset');
          return {
            name: required(ds.name, 'name'),
            digest: required(ds.digest, 'digest'),
            sourceType: required(ds.source_type, 'source_type'),
            source: ds.source ?? '',
            ...(ds.schema !== undefined ? { schema: ds.schema } : {}),
            ...(ds.profile !== undefined ? { profile: ds.profile } : {}),
            tags: tagMap(d.tags),
          };
        });
        const models = (r.body.models ?? []).map((m) => ({ modelId: required(m.model_id, 'model_id') }));
        await t.logRunInputs(r.principal, runId, native(s.LogRunInputsRequest, { datasets, models }));
        return ok();
      },
    }),
    ...endpoint({
      id: 'logOutputs',
      method: 'POST',
      path: '/mlflow/runs/outputs',
      scope: 'registry.write',
      summary: 'MLflow 3: log the models a run produced, by step',
      body: LogOutputs,
      handle: async (r) => {
        const models = (r.body.models ?? []).map((m) => ({
          modelId: required(m.model_id, 'model_id'),
          step: toInt(m.step) ?? 0,
        }));
        await t.logRunOutputs(
          r.principal,
          required(r.body.run_id, 'run_id'),
          native(s.LogRunOutputsRequest, { models }),
        );
        return ok();
      },
    }),
    ...endpoint({
      id: 'searchRuns',
      method: 'POST',
      path: '/mlflow/runs/search',
      scope: 'registry.read',
      summary: 'MLflow: search runs (filters on params, metrics, tags, attributes; order_by)',
      body: SearchRuns,
      handle: async (r) => {
        const b = r.body;
        const page = await t.searchRuns(r.principal, {
          experimentIds: b.experiment_ids ?? [],
          conditions: runConditions(b.filter),
          orderBy: runOrder(b.order_by ?? []),
          view: viewTypeOf(b.run_view_type),
          pageSize: pageSizeParam(toInt(b.max_results), 1000),
          ...(b.page_token ? { pageToken: b.page_token } : {}),
        });
        return ok(withToken({ runs: page.items.map(runOf) }, page.nextPageToken));
      },
    }),
    ...endpoint({
      id: 'getMetricHistory',
      method: 'GET',
      path: '/mlflow/metrics/get-history',
      scope: 'registry.read',
      summary: 'MLflow: a metric series, by step',
      handle: async (r) => {
        const q = queryOf(r.query);
        const runId = required(q.one('run_id') || q.one('run_uuid'), 'run_id');
        const key = required(q.one('metric_key'), 'metric_key');
        const token = q.one('page_token');
        const page = await t.metricHistory(r.principal, runId, key, {
          pageSize: pageSizeParam(q.int('max_results'), 1000),
          ...(token ? { pageToken: token } : {}),
        });
        return ok(withToken({ metrics: page.items.map((p) => ({ key, ...p })) }, page.nextPageToken));
      },
    }),
    ...endpoint({
      id: 'listArtifacts',
      method: 'GET',
      path: '/mlflow/artifacts/list',
      scope: 'registry.read',
      summary: "MLflow: list a run's artifacts under a path",
      handle: async (r) => {
        const q = queryOf(r.query);
        const runId = required(q.one('run_id') || q.one('run_uuid'), 'run_id');
        const dir = (q.one('path') ?? '').replace(/^\/+|\/+$/g, '');
        const token = q.one('page_token');
        const run = await t.getRun(r.principal, runId);
        const page = await registry.artifacts.list(r.principal, { kind: 'run', id: runId }, dir, {
          ...(token ? { pageToken: token } : {}),
        });
        const files = page.items.map((e) => fileInfoOf({ ...e, size: e.isDir ? undefined : e.size }));
        return ok(withToken({ root_uri: runArtifactRoot(run.experimentId, runId), files }, page.nextPageToken));
      },
    }),
  ];
}
