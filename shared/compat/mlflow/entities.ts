/** The registry's records in MLflow's shapes (service.proto, model_registry.proto): translation only. */
import type { Model, ModelVersion } from '../../domain/types.js';
import type { CatalogRow } from '../../service/records.js';
import type { Experiment } from '../../service/tracking/experiments.js';
import type { LoggedModel } from '../../service/tracking/logged-models.js';
import type { Run } from '../../service/tracking/runs.js';
import { ms, tagList } from './wire.js';

/** The reserved tag that keeps a version's (deprecated) MLflow stage; ARCHIVED versions are "Archived". */
export const STAGE_TAG = 'mlflow.stage';
/** Experiments keep their artifact root under the proxy: `mlflow-artifacts:/<experiment id>`. */
export const experimentArtifactRoot = (id: string) => `mlflow-artifacts:/${id}`;
export const runArtifactRoot = (experimentId: string, runId: string) =>
  `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
export const loggedModelArtifactRoot = (experimentId: string, modelId: string) =>
  `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`;
/** Where a registered version's files are served from through the artifact proxy. */
export const versionArtifactRoot = (model: string, version: number) =>
  `mlflow-artifacts:/registry/${encodeURIComponent(model)}/${version}`;

export function experimentOf(e: Experiment) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: experimentArtifactRoot(e.id),
    lifecycle_stage: e.lifecycleStage,
    creation_time: ms(e.createdAt),
    last_update_time: ms(e.updatedAt),
    tags: tagList(e.tags),
  };
}

export function runInfoOf(run: Run) {
  const info: Record<string, unknown> = {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: run.experimentId,
    user_id: run.createdBy,
    status: run.status,
    start_time: ms(run.startTime),
    artifact_uri: runArtifactRoot(run.experimentId, run.id),
    lifecycle_stage: run.lifecycleStage ?? 'active',
  };
  if (run.endTime !== null) info.end_time = ms(run.endTime);
  return info;
}

export function runOf(run: Run) {
  return {
    info: runInfoOf(run),
    data: {
      metrics: Object.entries(run.latestMetricPoints).map(([key, p]) => ({ key, ...p })),
      params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
      tags: tagList({ ...run.tags, 'mlflow.runName': run.name }),
    },
    inputs: {
      dataset_inputs: run.inputs.datasets.map(({ tags, sourceType, ...d }) => ({
        tags: tagList(tags),
        dataset: { ...d, source_type: sourceType },
      })),
      model_inputs: run.inputs.models.map((m) => ({ model_id: m.modelId })),
    },
    outputs: { model_outputs: run.outputs.models.map((m) => ({ model_id: m.modelId, step: m.step })) },
  };
}

/** An artifact directory entry as MLflow's FileInfo (`file_size` only for files). */
export const fileInfoOf = (e: { path: string; isDir: boolean; size?: number | undefined }) =>
  e.isDir ? { path: e.path, is_dir: true } : { path: e.path, is_dir: false, file_size: e.size };

const VERSION_STATUS = {
  PENDING: 'PENDING_REGISTRATION',
  READY: 'READY',
  ARCHIVED: 'READY',
  FAILED: 'FAILED_REGISTRATION',
} as const;

export const stageOf = (v: Pick<ModelVersion, 'state' | 'tags'>): string =>
  v.state === 'ARCHIVED' ? 'Archived' : (v.tags[STAGE_TAG] ?? 'None');

export function modelVersionOf(v: ModelVersion, aliases: Record<string, number> = {}) {
  const out: Record<string, unknown> = {
    name: v.model,
    version: String(v.version),
    creation_timestamp: ms(v.createdAt),
    last_updated_timestamp: ms(v.updatedAt),
    user_id: v.createdBy,
    current_stage: stageOf(v),
    description: v.description,
    source: v.source ?? versionArtifactRoot(v.model, v.version),
    status: VERSION_STATUS[v.state],
    tags: tagList(v.tags, (k) => k === STAGE_TAG),
    aliases: Object.entries(aliases)
      .filter(([, n]) => n === v.version)
      .map(([a]) => a),
  };
  if (v.runId !== undefined) out.run_id = v.runId;
  if (v.verification?.status === 'FAILED') out.status_message = v.verification.reasons.join('; ');
  const modelId = /^models:\/(m-[0-9a-z]{26})$/.exec(v.source ?? '')?.[1];
  if (modelId) out.model_id = modelId;
  return out;
}

export function registeredModelOf(m: Model | CatalogRow, latest: ModelVersion[] = []) {
  const aliases: Record<string, number> = isModel(m) ? m.aliases : {};
  return {
    name: m.name,
    creation_timestamp: ms(m.createdAt),
    last_updated_timestamp: ms(m.updatedAt),
    user_id: m.owner,
    description: m.description,
    latest_versions: latest.map((v) => modelVersionOf(v, aliases)),
    tags: tagList(m.tags),
    aliases: Object.entries(aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  };
}

const isModel = (m: Model | CatalogRow): m is Model => typeof (m as Model).latestVersion === 'number';

const LOGGED_STATUS = {
  PENDING: 'LOGGED_MODEL_PENDING',
  READY: 'LOGGED_MODEL_READY',
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
} as const;

export function loggedModelOf(m: LoggedModel) {
  const info: Record<string, unknown> = {
    model_id: m.id,
    experiment_id: m.experimentId,
    name: m.name,
    creation_timestamp_ms: ms(m.createdAt),
    last_updated_timestamp_ms: ms(m.updatedAt),
    artifact_uri: loggedModelArtifactRoot(m.experimentId, m.id),
    status: LOGGED_STATUS[m.status],
    tags: tagList(m.tags),
  };
  if (m.sourceRunId !== undefined) info.source_run_id = m.sourceRunId;
  if (m.modelType !== undefined) info.model_type = m.modelType;
  if (m.statusMessage !== undefined) info.status_message = m.statusMessage;
  return { info, data: { params: tagList(m.params), metrics: [] } };
}
